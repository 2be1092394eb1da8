"""The public feedback pages in the victim's language: a Polish victim's visit
is rated in Polish, an Arabic speaker's page runs right to left, anyone can
switch language with the links, and every language has every word."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from victimcare.cases.constants import EventCode
from victimcare.cases.services import VictimInput, event_record
from victimcare.feedback import i18n
from victimcare.feedback import messages as msg
from victimcare.feedback.models import Invitation, Response
from victimcare.feedback.services import invitation_create
from victimcare.messaging.wording import languages

pytestmark = pytest.mark.django_db

PL = i18n.page_text("pl")
AR = i18n.page_text("ar")
EN = i18n.page_text("en")


def _url(token: str, lang: str | None = None) -> str:
    path = reverse("feedback:respond", kwargs={"token": token})
    return f"{path}?lang={lang}" if lang else path


def _html_tag(content: bytes) -> str:
    match = re.search(r"<html[^>]*>", content.decode())
    assert match is not None
    return match.group(0)


@pytest.fixture
def polish_visit(make_crime, officer):  # type: ignore[no-untyped-def]
    """PC Olivia Officer visits a victim whose language is Polish."""
    crime = make_crime(
        victims=[VictimInput(full_name="Test Ofiara", phone="07700 900002", language="pl")]
    )
    event, _ = event_record(
        actor=officer,
        crime=crime,
        code=EventCode.CONTACT_VISIT,
        occurred_at=timezone.now() - dt.timedelta(hours=1),
        victim=crime.victim_links.get().victim,
    )
    return event


@pytest.fixture
def polish_token(officer, polish_visit) -> str:  # type: ignore[no-untyped-def]
    return invitation_create(officer=officer, contact_event=polish_visit, channel="qr")[1]


@pytest.fixture
def english_token(officer, visit) -> str:  # type: ignore[no-untyped-def]
    return invitation_create(officer=officer, contact_event=visit, channel="qr")[1]


@pytest.fixture
def card_token(officer) -> str:  # type: ignore[no-untyped-def]
    """An officer's personal card: a street encounter, no case and no victim."""
    return invitation_create(officer=officer, channel="card")[1]


def test_a_polish_victims_page_opens_in_polish(polish_token):
    assert Invitation.objects.get().language == "pl"

    page = Client().get(_url(polish_token))

    content = page.content.decode()
    assert page.status_code == 200
    assert _html_tag(page.content).startswith('<html lang="pl" dir="ltr"')
    assert PL.plain("feedback_title") in content
    assert PL.plain("rating.1") in content and PL.plain("rating.5") in content
    assert PL.plain("exit_this_page") in content
    assert PL.plain("submit") in content
    assert EN.plain("rating.5") not in content
    assert "Olivia Officer" in content
    # The form posts back in the same language.
    assert 'action="' + _url(polish_token, "pl") + '"' in content


def test_arabic_runs_right_to_left_with_arabic_words(english_token):
    page = Client().get(_url(english_token, "ar"))

    content = page.content.decode()
    assert _html_tag(page.content).startswith('<html lang="ar" dir="rtl"')
    assert AR.plain("feedback_title") in content
    assert AR.plain("rating.4") in content
    assert AR.plain("contact_back_label") in content
    # The footer's links are to English pages, and say so.
    assert '<div class="govuk-footer" lang="en" dir="ltr">' in content


def test_urdu_is_right_to_left_and_english_left_to_right(english_token):
    urdu = Client().get(_url(english_token, "ur"))
    english = Client().get(_url(english_token))

    assert 'lang="ur" dir="rtl"' in _html_tag(urdu.content)
    assert 'lang="en" dir="ltr"' in _html_tag(english.content)


def test_the_language_links_switch_and_name_each_language_in_itself(english_token):
    page = Client().get(_url(english_token))
    content = page.content.decode()

    for code, info in languages().items():
        if code == "en":
            assert (
                f'<strong lang="en" dir="ltr" aria-current="page">{info["native_name"]}' in content
            )
        else:
            assert (
                f'href="?lang={code}" lang="{code}" hreflang="{code}" dir="{info["dir"]}">'
                f"{info['native_name']}</a>"
            ) in content

    polish = Client().get(_url(english_token, "pl"))
    assert PL.plain("feedback_title") in polish.content.decode()


@pytest.mark.parametrize(
    "lang",
    ["xx", "", "../../etc", "pl<script>", "en-" + "x" * 30, "zz-ZZ"],
    ids=["unknown", "empty", "path", "markup", "too-long", "unknown-region"],
)
def test_an_unknown_language_falls_back_to_the_invitations_language(polish_token, lang):
    page = Client().get(_url(polish_token) + "?lang=" + lang)

    assert page.status_code == 200
    assert _html_tag(page.content).startswith('<html lang="pl"')
    assert PL.plain("feedback_title") in page.content.decode()
    assert "<script>" not in page.content.decode()


def test_a_region_subtag_picks_the_language():
    assert i18n.choose_language("pl-PL") == "pl"
    assert i18n.choose_language("AR") == "ar"
    assert i18n.choose_language(None, "ur") == "ur"
    assert i18n.choose_language("xx", "yy") == "en"


def test_the_response_records_the_language_it_was_given_in(english_token):
    thanks = Client().post(_url(english_token, "ar"), {"rating": "4"})

    assert thanks.status_code == 200
    content = thanks.content.decode()
    assert AR.plain("thanks_title") in content
    assert 'lang="ar" dir="rtl"' in _html_tag(thanks.content)
    assert reverse("feedback:rights") + "?lang=ar" in content
    stored = Response.objects.get()
    assert (stored.rating, stored.language) == (4, "ar")


def test_the_victims_own_language_is_recorded_when_they_do_not_switch(polish_token):
    Client().post(_url(polish_token), {"rating": "5"})

    assert Response.objects.get().language == "pl"


@pytest.mark.parametrize(
    ("answers", "key", "english"),
    [
        ({}, "rating_required", msg.RATING_REQUIRED),
        ({"rating": "9"}, "rating_invalid", msg.RATING_INVALID),
        ({"rating": "3", "went_well": "x" * 2001}, "comment_too_long", msg.COMMENT_TOO_LONG),
        ({"rating": "3", "age_band": "ancient"}, "answer_invalid", msg.ANSWER_INVALID),
    ],
)
def test_errors_are_shown_in_the_chosen_language(polish_token, answers, key, english):
    page = Client().post(_url(polish_token), answers)

    content = page.content.decode()
    assert page.status_code == 200
    assert PL.plain(key) in content
    assert english not in content
    assert PL.plain("error_summary_title") in content
    assert content.count(f"<title>{PL.plain('error_prefix')}: ") == 1
    assert f'<span class="govuk-visually-hidden">{PL.plain("error_prefix")}:</span>' in content
    assert Response.objects.count() == 0


def test_english_is_the_source_for_the_service_messages():
    # The service's own texts (messages.py) are the English page words, so an
    # error the service finds is translated too.
    assert EN.plain("rating_required") == msg.RATING_REQUIRED
    assert EN.plain("rating_invalid") == msg.RATING_INVALID
    assert EN.plain("answer_invalid") == msg.ANSWER_INVALID
    assert EN.plain("comment_too_long") == msg.COMMENT_TOO_LONG
    assert EN.plain("link_unavailable") == msg.LINK_UNAVAILABLE


def test_a_personal_card_offers_the_desk_instead_of_a_call_back(card_token, english_token):
    card = Client().get(_url(card_token)).content.decode()
    case = Client().get(_url(english_token)).content.decode()

    assert 'name="contact_back"' not in card
    assert EN.plain("contact_back_label") not in card
    assert 'id="desk-instead"' in card
    assert settings.VICTIM_FOCUS_DESK_PHONE in card
    assert "8am to 8pm Monday to Friday" in card
    assert 'name="victim_voice_forum"' in card
    assert 'name="contact_back"' in case
    assert 'id="desk-instead"' not in case


def test_a_personal_card_ignores_a_posted_call_back(card_token):
    Client().post(_url(card_token), {"rating": "2", "contact_back": "on"})

    assert Response.objects.get().contact_back is False


def test_the_desk_hours_follow_the_page_language(card_token):
    page = Client().get(_url(card_token, "pl")).content.decode()

    assert "poniedziałek – piątek 08:00–20:00" in page
    assert settings.VICTIM_FOCUS_DESK_PHONE in page


def test_a_dead_link_is_in_english_unless_lang_asks(english_token):
    Client().post(_url(english_token), {"rating": "4"})

    used = Client().get(_url(english_token))
    used_pl = Client().get(_url(english_token, "pl"))
    unknown_pl = Client().get(_url("C" * 22, "pl"))

    assert used.status_code == used_pl.status_code == 404
    assert msg.LINK_UNAVAILABLE in used.content.decode()
    assert PL.plain("link_unavailable") in used_pl.content.decode()
    assert "Olivia Officer" not in used_pl.content.decode()
    nonce = re.compile(rb'nonce="[^"]*"')
    assert nonce.sub(b"", used_pl.content) == nonce.sub(b"", unknown_pl.content)


def test_a_dead_link_never_takes_the_invitations_language(polish_token):
    Invitation.objects.update(expires_at=timezone.now())

    page = Client().get(_url(polish_token))

    assert _html_tag(page.content).startswith('<html lang="en"')
    assert msg.LINK_UNAVAILABLE in page.content.decode()


def test_the_rights_page_is_public_and_in_the_chosen_language():
    english = Client().get(reverse("feedback:rights"))
    arabic = Client().get(reverse("feedback:rights") + "?lang=ar")
    nonsense = Client().get(reverse("feedback:rights") + "?lang=klingon")

    content = english.content.decode()
    assert english.status_code == 200
    assert EN.plain("rights_title") in content
    for number in range(1, 13):
        assert EN.plain(f"right.{number}") in content
    assert "08 08 16 89 111" in content
    assert settings.VICTIM_FOCUS_DESK_PHONE in content
    assert 'href="tel:08081689111"' in content
    assert i18n.VICTIMS_CODE_URL in content
    assert "govuk-exit-this-page" in content
    assert arabic.status_code == 200
    assert 'lang="ar" dir="rtl"' in _html_tag(arabic.content)
    assert AR.plain("right.7") in arabic.content.decode()
    # Phone numbers keep their digit order inside right-to-left text.
    assert 'dir="ltr">08 08 16 89 111</a>' in arabic.content.decode()
    assert nonsense.status_code == 200
    assert _html_tag(nonsense.content).startswith('<html lang="en"')


def test_staff_and_other_public_pages_keep_their_english_html_tag(english_token):
    start = Client().get(reverse("frontend:start"))

    assert _html_tag(start.content).startswith('<html lang="en" class=')
    assert "Skip to main content" in start.content.decode()


# --- The words themselves -------------------------------------------------------


def test_every_language_has_a_page_file_with_every_key_and_the_same_placeholders():
    english = i18n.raw_texts("en")
    assert set(i18n.supported_languages()) == set(languages())
    assert len(i18n.supported_languages()) == 13
    for code in i18n.supported_languages():
        texts = i18n.raw_texts(code)
        assert set(texts) == set(english), f"{code}: keys differ from English"
        for key, text in texts.items():
            assert text.strip(), f"{code} {key} is empty"
            assert i18n.placeholders_in(text) == i18n.placeholders_in(english[key]), (
                f"{code} {key}: placeholders differ from English"
            )
            assert ("%{count}" in text) == ("%{count}" in english[key]), f"{code} {key}"


def test_english_and_polish_are_reviewed_and_the_rest_are_machine_drafts():
    for code in i18n.supported_languages():
        data = json.loads((i18n.PAGE_DIR / f"{code}.json").read_text(encoding="utf-8"))
        assert data["language"] == code
        expected = "reviewed" if code in {"en", "pl"} else "machine_draft"
        assert data["review"] == expected, code


def test_a_missing_key_falls_back_to_english(monkeypatch):
    english = i18n.raw_texts("en")
    polish = {k: v for k, v in i18n.raw_texts("pl").items() if k != "submit"}
    monkeypatch.setattr(i18n, "raw_texts", lambda code: english if code == "en" else polish)
    i18n.page_text.cache_clear()
    try:
        text = i18n.page_text("pl")
        assert text.plain("submit") == english["submit"]
        assert text.plain("feedback_title") == polish["feedback_title"]
    finally:
        i18n.page_text.cache_clear()


def test_placeholder_values_are_escaped():
    filled = EN("feedback_intro", officer_name="<b>x</b>")

    assert "&lt;b&gt;x&lt;/b&gt;" in filled
    assert "<b>" not in filled
