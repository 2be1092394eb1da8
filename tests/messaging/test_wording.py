"""The words of messages to victims: every template in every language and
channel, the language rule, and the refusals (issue 5, Templates)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from victimcare.cases.constants import EventCode
from victimcare.cases.services import VictimInput
from victimcare.messaging import desk, wording
from victimcare.messaging.wording import (
    MACHINE_DRAFT,
    OFFENCE_PLACEHOLDERS,
    REVIEWED,
    SMS_MAX_CHARS,
    TemplateError,
    message_context,
    message_render,
    template_codes,
    template_for_event,
)

LANGUAGES = ["en", "zh", "hi", "vi", "bn", "el", "ur", "tr", "ar", "pa", "gu", "pl", "ro"]
# The Polish templates the lead asked to be reviewed (the story test's language).
POLISH_CORE = [
    "crime_recorded",
    "suspect_arrested",
    "bailed",
    "released_under_investigation",
    "charged",
    "no_further_action",
    "hearing_date",
    "witness_required",
    "regular_update",
]
REQUIRED_TEMPLATES = {
    "crime_recorded",
    "referral_made",
    "suspect_arrested",
    "bailed",
    "released_under_investigation",
    "charged",
    "no_further_action",
    "hearing_date",
    "witness_required",
    "verdict",
    "sentence",
    "regular_update",
    "feedback_invitation",
    "complaint_acknowledgement",
}
HEARING = dt.datetime(2026, 12, 29, 10, 0, tzinfo=dt.UTC)  # 10:00 in London in winter

# Everything any template may ask for, with fake values only.
FULL_CONTEXT = {
    "crn": "4400001/26",
    "victim_name": "Sam Example",
    "oic_name": "Olivia Officer",
    "oic_contact": "olivia.officer@example.org",
    "desk_phone": "0808 157 0000",
    "desk_hours": "8am to 8pm Monday to Friday, 8am to 4pm Saturday and Sunday",
    "desk_hours__raw": "desk",
    "hearing_at": "Tuesday 29 December 2026 at 10:00am",
    "hearing_at__raw": HEARING.isoformat(),
    "court": "Example Magistrates' Court",
    "bail_conditions": "* Not to contact you\n* Not to go to Example Street",
    "support_service": "Example Victim Support",
    "support_contact": "0808 157 0001",
    "next_update": "Tuesday 26 January 2027",
    "next_update__raw": "2027-01-26",
    "feedback_link": "https://victimcare.example.org/f/abcdefghijklmnop",
    "tracking_link": "https://victimcare.example.org/track/abcdefghijklmnop/",
    "tracking_code": "123456",
    "offence": "Common assault",
    "charges": "* Common assault",
}


def cases() -> list[tuple[str, str, str]]:
    return [
        (code, channel, language)
        for code in template_codes()
        for channel in wording.templates()[code].channels
        for language in LANGUAGES
    ]


def test_every_template_the_issue_names_exists_with_its_channels() -> None:
    assert REQUIRED_TEMPLATES <= set(template_codes())
    for code in REQUIRED_TEMPLATES:
        template = wording.templates()[code]
        assert set(template.channels) == {"sms", "email", "letter"}
        assert template.texts["en"].review == REVIEWED
        assert template.purpose


@pytest.mark.parametrize(("code", "channel", "language"), cases())
def test_every_template_renders_in_every_language_and_channel(
    code: str, channel: str, language: str
) -> None:
    rendered = message_render(
        template_code=code, channel=channel, language=language, context=FULL_CONTEXT
    )
    assert "((" not in rendered.body and "))" not in rendered.body
    assert rendered.version == wording.templates()[code].version
    assert rendered.requested_language == language
    assert (rendered.subject != "") == (channel == "email")
    if channel == "sms":
        assert len(rendered.body) <= SMS_MAX_CHARS
        # The victim's offence never appears in a text message.
        assert "Common assault" not in rendered.body
    if channel != "sms":
        assert rendered.title


@pytest.mark.parametrize("code", sorted(REQUIRED_TEMPLATES))
def test_no_template_asks_for_an_offence_detail_by_sms_or_email(code: str) -> None:
    for language, text in wording.templates()[code].texts.items():
        used = wording.placeholders_in(text.sms + text.subject + text.body)
        assert not used & OFFENCE_PLACEHOLDERS, (code, language)


def test_an_offence_placeholder_is_refused_on_sms(monkeypatch: pytest.MonkeyPatch) -> None:
    template = wording.templates()["verdict"]
    english = template.texts["en"]
    sneaky = wording.Text(review=REVIEWED, sms="Update: ((offence)).", subject="s", body="b")
    monkeypatch.setitem(template.texts, "en", sneaky)  # type: ignore[arg-type]
    with pytest.raises(
        TemplateError, match="'offence', an offence detail, which may not be sent by sms"
    ):
        message_render(template_code="verdict", channel="sms", language="en", context=FULL_CONTEXT)
    monkeypatch.setitem(template.texts, "en", english)  # type: ignore[arg-type]


def test_a_placeholder_the_event_cannot_fill_is_named() -> None:
    context = {k: v for k, v in FULL_CONTEXT.items() if not k.startswith("hearing_at")}
    with pytest.raises(TemplateError) as caught:
        message_render(template_code="charged", channel="sms", language="en", context=context)
    assert str(caught.value) == (
        "Template 'charged' v1 needs 'hearing_at', which this event does not give."
    )


def test_unknown_template_and_missing_channel_are_refused() -> None:
    with pytest.raises(TemplateError, match="no message template 'nope'"):
        message_render(template_code="nope", channel="sms", language="en", context=FULL_CONTEXT)
    with pytest.raises(TemplateError, match="has no fax version"):
        message_render(template_code="charged", channel="fax", language="en", context=FULL_CONTEXT)


def test_a_language_we_do_not_have_gets_english_and_the_english_interpreter_offer() -> None:
    rendered = message_render(
        template_code="charged", channel="sms", language="so", context=FULL_CONTEXT
    )
    assert rendered.language == "en"
    assert rendered.interpreter_offer is True
    assert rendered.body.startswith("If you would like an interpreter, call us on 0808 157 0000")
    assert "a person has been charged" in rendered.body


def test_a_machine_draft_language_gets_english_after_an_offer_in_that_language() -> None:
    rendered = message_render(
        template_code="crime_recorded", channel="email", language="tr", context=FULL_CONTEXT
    )
    assert rendered.language == "en"
    assert rendered.review_status == REVIEWED
    assert rendered.interpreter_offer is True
    assert rendered.interpreter_language == "tr"
    assert rendered.body.startswith("Tercümana ihtiyacınız varsa 0808 157 0000")
    assert "Your crime reference number is 4400001/26." in rendered.body
    assert rendered.subject == "Your crime reference number"


def test_only_english_and_polish_are_marked_reviewed() -> None:
    for code, template in wording.templates().items():
        for language, text in template.texts.items():
            if language not in ("en", "pl"):
                assert text.review != REVIEWED, (code, language)
    offers = {
        code: info["interpreter_offer"]["review"] for code, info in wording.languages().items()
    }
    assert {code for code, review in offers.items() if review == REVIEWED} == {"en", "pl"}
    assert set(LANGUAGES) <= set(offers)
    assert all(review in (REVIEWED, MACHINE_DRAFT) for review in offers.values())


@pytest.mark.parametrize("code", POLISH_CORE)
def test_a_victim_who_wants_polish_gets_the_reviewed_polish_text(code: str) -> None:
    rendered = message_render(
        template_code=code, channel="sms", language="pl-PL", context=FULL_CONTEXT
    )
    assert rendered.language == "pl"
    assert rendered.review_status == REVIEWED
    assert rendered.interpreter_offer is False
    assert "sprawie" in rendered.body or "sprawy" in rendered.body


def test_polish_charged_sms_has_the_hearing_in_polish_form() -> None:
    rendered = message_render(
        template_code="charged", channel="sms", language="pl", context=FULL_CONTEXT
    )
    assert "postawiono zarzuty" in rendered.body
    assert "29.12.2026, godz. 10:00" in rendered.body
    assert "poniedziałek" not in rendered.body  # this SMS gives no hours
    email = message_render(
        template_code="charged", channel="email", language="pl", context=FULL_CONTEXT
    )
    assert "poniedziałek – piątek 08:00–20:00" in email.body


def test_easy_read_english_is_used_and_marked_needs_review() -> None:
    rendered = message_render(
        template_code="charged",
        channel="letter",
        language="en",
        context=FULL_CONTEXT,
        accessible_format="easy_read",
    )
    assert rendered.review_status == "needs_review"
    assert "The police have charged a person.\nThis means the case will go to court." in (
        rendered.body
    )


def test_each_event_maps_to_at_most_one_template() -> None:
    assert template_for_event(EventCode.CRIME_REPORTED) == "crime_recorded"
    assert template_for_event(EventCode.CHARGED) == "charged"
    assert template_for_event(EventCode.RELEASED_ON_BAIL) == "bailed"
    assert template_for_event(EventCode.DECISION_NOT_TO_PROSECUTE) == "no_further_action"
    assert template_for_event(EventCode.WITNESS_REQUIRED) == "witness_required"
    assert template_for_event(EventCode.CONTACT_CALL) is None
    for code in template_codes():
        for event in wording.templates()[code].events:
            assert template_for_event(event) == code


def test_dates_are_written_in_plain_english_london_time() -> None:
    assert wording.format_when(HEARING) == "Tuesday 29 December 2026 at 10:00am"
    summer = dt.datetime(2026, 7, 1, 13, 30, tzinfo=dt.UTC)
    assert wording.format_when(summer) == "Wednesday 1 July 2026 at 2:30pm"
    assert wording.format_when(HEARING, "tr") == "29/12/2026 10:00"


def test_desk_hours_and_opening(settings) -> None:  # type: ignore[no-untyped-def]
    settings.VICTIM_FOCUS_DESK_HOURS = "mon-fri 08:00-20:00; sat-sun 08:00-16:00"
    settings.VICTIM_FOCUS_DESK_CLOSED_ON_BANK_HOLIDAYS = False
    assert desk.desk_hours_text("en") == (
        "8am to 8pm Monday to Friday, 8am to 4pm Saturday and Sunday"
    )
    london = wording.LONDON
    assert desk.desk_is_open(dt.datetime(2026, 12, 29, 19, 59, tzinfo=london))
    assert not desk.desk_is_open(dt.datetime(2026, 12, 29, 20, 0, tzinfo=london))
    assert not desk.desk_is_open(dt.datetime(2027, 1, 2, 16, 30, tzinfo=london))  # Saturday
    assert desk.desk_is_open(dt.datetime(2026, 12, 25, 9, 0, tzinfo=london))  # Christmas
    settings.VICTIM_FOCUS_DESK_CLOSED_ON_BANK_HOLIDAYS = True
    assert not desk.desk_is_open(dt.datetime(2026, 12, 25, 9, 0, tzinfo=london))
    assert desk.desk_hours_text("en").endswith("(closed on bank holidays)")


@pytest.mark.django_db
def test_message_context_of_a_recorded_crime_fills_crn_officer_and_desk(
    make_crime, officer, settings
) -> None:  # type: ignore[no-untyped-def]
    crime = make_crime(
        victims=[VictimInput(full_name="Sam Example", phone="07700 900123", language="pl")]
    )
    victim = crime.victim_links.get().victim
    event = crime.events.get(code=EventCode.CRIME_REPORTED)
    context = message_context(crime=crime, victim=victim, event=event)
    assert context["crn"] == crime.crn
    assert context["oic_name"] == officer.full_name
    assert context["oic_contact"] == officer.email
    assert context["desk_phone"] == settings.VICTIM_FOCUS_DESK_PHONE
    assert context["desk_hours"] == desk.desk_hours_text("en")
    expected_update = timezone.localdate() + dt.timedelta(days=28)
    assert context["next_update"] == wording.format_date(expected_update)
    sms = message_render(
        template_code="crime_recorded", channel="sms", language=victim.language, context=context
    )
    assert crime.crn in sms.body and officer.email in sms.body
    assert sms.language == "pl"
