"""A victim looks for support at /support/, no account needed: filters by
borough, type of crime and who the service is for; a filter that matches
nothing says what to do instead; nonsense in the address is ignored with a
message; the page speaks English, Polish and Arabic (right to left); and a
broken directory file is caught when it is loaded."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from victimcare.cases.constants import OffenceGroup
from victimcare.feedback.i18n import placeholders_in
from victimcare.portal import i18n
from victimcare.portal.constants import CRIME_TAGS, OFFENCE_GROUP_TAGS, WHO_TAGS
from victimcare.portal.directory import (
    DEFAULT_PATH,
    ServiceDirectoryError,
    directory_load,
    support_directory,
)

URL = reverse("portal:support")
EN = i18n.portal_text("en")
PL = i18n.portal_text("pl")
AR = i18n.portal_text("ar")
HACKNEY = "E09000012"
CROYDON = "E09000008"


def _get(**params: str):
    response = Client().get(URL, params)
    return response, response.content.decode()


def _service_ids(content: str) -> list[str]:
    return re.findall(r'id="service-([a-z0-9-]+)"', content)


def _html_tag(content: str) -> str:
    match = re.search(r"<html[^>]*>", content)
    assert match is not None
    return match.group(0)


def _seed() -> dict:
    return json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))


@pytest.fixture
def directory_file(tmp_path: Path, settings):  # type: ignore[no-untyped-def]
    """Point the page at a directory file the test writes."""

    def write(data: dict) -> Path:
        path = tmp_path / "services.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        settings.SUPPORT_SERVICES_FILE = str(path)
        return path

    return write


# --- The page ------------------------------------------------------------------


def test_anyone_can_see_every_service_with_how_to_contact_it():
    response, content = _get()

    assert response.status_code == 200
    assert EN.plain("support_title") in content
    assert len(_service_ids(content)) == len(support_directory())
    assert 'href="tel:08081689111"' in content  # Victim Support's Supportline
    assert 'href="tel:08082000247"' in content  # National Domestic Abuse Helpline
    assert EN.plain("self_referral_yes") in content
    assert EN.plain("self_referral_no") in content
    assert "govuk-exit-this-page" in content
    assert response["Referrer-Policy"] == "same-origin"


def test_made_up_borough_services_are_labelled_as_examples():
    _, content = _get(borough=HACKNEY)

    assert "demo-hackney-idva" in _service_ids(content)
    assert EN.plain("demo_note") in content
    for service in support_directory():
        if service.demo:
            assert service.website is None or ".example.org/" in service.website
            assert service.phone is None or service.phone.startswith("020 7946 0")


def test_a_borough_shows_its_own_services_first_and_not_other_boroughs():
    _, content = _get(borough=HACKNEY)

    ids = _service_ids(content)
    assert ids[0] == "demo-hackney-idva"
    assert "demo-croydon-older-people" not in ids
    assert "victim-support-supportline" in ids  # all of London


def test_type_of_crime_and_who_it_is_for_narrow_the_list():
    _, content = _get(crime="domestic_abuse", who="men")

    ids = _service_ids(content)
    assert ids[0] == "mens-advice-line"
    assert "national-domestic-abuse-helpline" not in ids  # for women
    assert "action-fraud" not in ids  # fraud only
    assert "victim-support-supportline" in ids  # any crime, anyone
    assert 'selected value="domestic_abuse"' in content or (
        'value="domestic_abuse" selected' in content
    )


def test_every_filter_combination_answers_without_error():
    boroughs = ["", HACKNEY, CROYDON]
    for borough in boroughs:
        for crime in ["", *CRIME_TAGS]:
            for who in ["", *WHO_TAGS]:
                response = Client().get(URL, {"borough": borough, "crime": crime, "who": who})
                assert response.status_code == 200, (borough, crime, who)


def test_a_filter_that_matches_nothing_says_who_to_call(directory_file):
    data = _seed()
    data["services"] = [s for s in data["services"] if s["id"] == "action-fraud"]
    directory_file(data)

    response, content = _get(crime="sexual_violence")

    assert response.status_code == 200
    assert 'id="no-results"' in content
    assert EN.plain("empty_heading") in content
    assert settings.VICTIM_FOCUS_DESK_PHONE in content
    assert "8am to 8pm Monday to Friday" in content  # the desk's hours, from settings
    assert 'href="tel:08081689111"' in content
    assert _service_ids(content) == []


@pytest.mark.parametrize(
    ("params", "ignored"),
    [
        ({"borough": "Narnia"}, "ignored_borough"),
        ({"borough": "E09000001x"}, "ignored_borough"),
        ({"crime": "<script>alert(1)</script>"}, "ignored_crime"),
        ({"who": "x" * 5000}, "ignored_who"),
        ({"crime": "DOMESTIC_ABUSE"}, "ignored_crime"),
    ],
)
def test_unknown_filter_values_are_ignored_with_a_message(params, ignored):
    response, content = _get(**params)

    assert response.status_code == 200
    assert 'id="ignored-filters"' in content
    assert EN.plain(ignored) in content
    assert len(_service_ids(content)) == len(support_directory())  # as if not chosen
    assert "<script>alert" not in content
    assert "x" * 100 not in content


def test_the_other_filters_still_apply_when_one_is_unknown():
    _, content = _get(borough="Narnia", crime="fraud")

    ids = _service_ids(content)
    assert EN.plain("ignored_borough") in content
    assert "action-fraud" in ids
    assert "rape-crisis-24-7-support-line" not in ids


def test_only_get_is_allowed():
    assert Client().post(URL, {"crime": "fraud"}).status_code == 405


# --- Languages -----------------------------------------------------------------


def test_the_page_speaks_polish_and_keeps_service_details_in_english():
    response, content = _get(lang="pl", crime="fraud")

    assert _html_tag(content).startswith('<html lang="pl" dir="ltr"')
    assert PL.plain("support_title") in content
    assert PL.plain("filter_submit") in content
    assert PL.plain("crime.fraud") in content
    assert EN.plain("filter_submit") not in content
    assert '<span lang="en" dir="ltr">Action Fraud</span>' in content
    assert 'name="lang" value="pl"' in content  # the filter keeps the language
    # The language links keep the filter.
    assert 'href="?crime=fraud&amp;lang=ar"' in content


def test_the_page_in_arabic_runs_right_to_left():
    response, content = _get(lang="ar")

    assert response.status_code == 200
    assert _html_tag(content).startswith('<html lang="ar" dir="rtl"')
    assert AR.plain("support_title") in content
    assert AR.plain("exit_this_page") in content
    assert 'dir="ltr">08 08 16 89 111</a>' in content


@pytest.mark.parametrize("lang", ["ro", "klingon", "", "x" * 300])
def test_a_language_without_portal_words_gives_english(lang):
    response, content = _get(lang=lang)

    assert response.status_code == 200
    assert _html_tag(content).startswith('<html lang="en" dir="ltr"')
    assert EN.plain("support_title") in content


def test_every_portal_language_has_every_key_and_the_same_placeholders():
    english = i18n.raw_texts("en")
    assert set(i18n.portal_languages()) >= {"en", "pl", "ar"}
    assert i18n.review_status("en") == "reviewed"
    for code in i18n.portal_languages():
        texts = i18n.raw_texts(code)
        assert set(texts) == set(english), f"{code}: keys differ from English"
        for key, text in texts.items():
            assert text.strip(), f"{code} {key} is empty"
            assert placeholders_in(text) == placeholders_in(english[key]), f"{code} {key}"
        if code != "en":
            # Nobody has checked these yet.
            assert i18n.review_status(code) == "machine_draft", code


def test_every_tag_has_words_and_every_offence_group_a_tag():
    english = i18n.raw_texts("en")
    for tag in CRIME_TAGS:
        assert f"crime.{tag}" in english
    for tag in WHO_TAGS:
        assert f"who.{tag}" in english
    assert set(OFFENCE_GROUP_TAGS) == set(OffenceGroup.values)
    assert set(OFFENCE_GROUP_TAGS.values()) <= set(CRIME_TAGS)


@pytest.mark.django_db
def test_the_rights_page_links_to_support_in_its_language():
    english = Client().get(reverse("feedback:rights")).content.decode()
    polish = Client().get(reverse("feedback:rights") + "?lang=pl").content.decode()
    romanian = Client().get(reverse("feedback:rights") + "?lang=ro").content.decode()

    assert f'href="{URL}?lang=en"' in english
    assert EN.plain("support_link") in english
    assert f'href="{URL}?lang=pl"' in polish
    assert PL.plain("support_link") in polish
    # No Romanian support page yet: the link says so by being in English.
    assert f'href="{URL}?lang=en" lang="en" hreflang="en"' in romanian


# --- The directory file --------------------------------------------------------


def test_the_seeded_directory_loads_and_has_real_national_lines():
    services = directory_load(DEFAULT_PATH)

    assert 25 <= len(services) <= 40
    by_id = {s.id: s for s in services}
    assert by_id["victim-support-supportline"].phone == "08 08 16 89 111"
    assert by_id["national-domestic-abuse-helpline"].phone == "0808 2000 247"
    assert by_id["samaritans"].phone == "116 123"
    assert not by_id["samaritans"].demo
    assert all(s.phone or s.website for s in services)


def test_manage_check_passes_with_the_seeded_directory():
    call_command("check", "--fail-level", "ERROR", verbosity=0)


def _broken(mutate) -> dict:  # type: ignore[no-untyped-def]
    data = copy.deepcopy(_seed())
    mutate(data["services"][0])
    return data


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda s: s.pop("name"), "missing name"),
        (lambda s: s.update(name="  "), "'name' must be a non-empty string"),
        (lambda s: s.update(crimes=["shoplifting"]), "unknown crimes tag(s) shoplifting"),
        (lambda s: s.update(helps=[]), "'helps' must be a non-empty list"),
        (lambda s: s.update(helps=["aliens"]), "unknown helps tag(s) aliens"),
        (lambda s: s.update(boroughs=["E09999999"]), "unknown borough code(s) E09999999"),
        (lambda s: s.update(boroughs="London"), "'boroughs' must be \"all\""),
        (lambda s: s.update(phone="call us"), "'phone' must be digits"),
        (lambda s: s.update(website="http://insecure.example.org"), "https://"),
        (lambda s: s.update(phone=None, website=None), "phone number or a website"),
        (lambda s: s.update(self_referral="yes"), "'self_referral' must be true or false"),
        (lambda s: s.update(demo=True), "demo entry's website must be on example.org"),
        (lambda s: s.update(id="Has Spaces"), "'id' must be"),
    ],
)
def test_a_broken_directory_file_fails_to_load(tmp_path, mutate, message):
    path = tmp_path / "services.json"
    path.write_text(json.dumps(_broken(mutate)), encoding="utf-8")

    with pytest.raises(ServiceDirectoryError) as caught:
        directory_load(path)

    assert message in str(caught.value)


def test_duplicate_ids_and_bad_json_fail_to_load(tmp_path):
    data = _seed()
    data["services"].append(data["services"][0])
    duplicate = tmp_path / "dup.json"
    duplicate.write_text(json.dumps(data), encoding="utf-8")
    not_json = tmp_path / "bad.json"
    not_json.write_text("{ not json", encoding="utf-8")

    with pytest.raises(ServiceDirectoryError, match="duplicate id"):
        directory_load(duplicate)
    with pytest.raises(ServiceDirectoryError, match="not valid JSON"):
        directory_load(not_json)
    with pytest.raises(ServiceDirectoryError, match="no such file"):
        directory_load(tmp_path / "missing.json")


def test_a_broken_file_in_production_still_gives_the_phone_lines(directory_file, caplog):
    data = _seed()
    data["services"][0]["crimes"] = ["shoplifting"]
    directory_file(data)

    response, content = _get()

    assert response.status_code == 503
    assert 'id="unavailable"' in content
    assert settings.VICTIM_FOCUS_DESK_PHONE in content
    assert 'href="tel:08081689111"' in content
    assert "could not be loaded" in caplog.text


def test_a_broken_file_is_reported_by_manage_check(directory_file):
    from django.core.management.base import SystemCheckError

    data = _seed()
    data["services"][0]["helps"] = ["aliens"]
    directory_file(data)

    with pytest.raises(SystemCheckError, match="portal.E001"):
        call_command("check", verbosity=0)


def test_the_support_and_rights_pages_link_to_check_your_case_in_their_language(orgs):
    from django.test import Client

    client = Client()
    for url in (reverse("portal:support"), reverse("feedback:rights")):
        english = client.get(f"{url}?lang=en").content.decode()
        assert f'href="{reverse("portal:track-begin")}?lang=en"' in english
        assert "Check your case" in english
        arabic = client.get(f"{url}?lang=ar").content.decode()
        assert f'href="{reverse("portal:track-begin")}?lang=ar"' in arabic
