"""Track your case without the link (issue 7, item 7: "or CRN + date of birth + code").

A victim who has lost the text types their crime reference number and date of
birth at /track/. Their details match and their mobile is safe, so one code goes
to it; the code opens the tracker. Someone with an unknown reference, a wrong
date of birth, or a victim with no safe channel gets the same pages, byte for
byte, and nothing is sent. Three wrong codes lock it either way; an address and
a crime each get only a few tries; bad input is explained and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from tests.desk.conftest import text
from victimcare.cases.services import VictimInput, event_record
from victimcare.core.constants import AuditAction
from victimcare.core.models import AuditEvent
from victimcare.messaging.constants import Channel
from victimcare.messaging.models import OutboundMessage
from victimcare.portal import tracking
from victimcare.portal.models import TrackingLink

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
EN = tracking.track_text("en")
FRIDAY = dt.datetime(2026, 12, 4, 10, 0, tzinfo=LONDON)
PHONE = "07700 900621"
PHONE_E164 = "+447700900621"
BORN = dt.date(1985, 3, 27)
START = reverse("portal:track-begin")
CODE_PAGE = reverse("portal:track-begin-code")
# What may differ between two renders of one page: the CSP nonce and the CSRF token.
NONCE = re.compile(r'nonce="[^"]*"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def _victim(**overrides):  # type: ignore[no-untyped-def]
    values = {
        "full_name": "Sam Example",
        "phone": PHONE,
        "preferred_channel": Channel.SMS,
        "date_of_birth": BORN,
    }
    values.update(overrides)
    return VictimInput(**values)


@pytest.fixture
def clock():  # type: ignore[no-untyped-def]
    with time_machine.travel(FRIDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def crime(make_crime, clock):  # type: ignore[no-untyped-def]
    return make_crime(victims=[_victim()], occurred_at=FRIDAY - dt.timedelta(days=2))


def _details(crn: str, born: dt.date = BORN) -> dict[str, str]:
    return {
        "crn": crn,
        "date_of_birth-day": str(born.day),
        "date_of_birth-month": str(born.month),
        "date_of_birth-year": str(born.year),
    }


def _codes() -> list[OutboundMessage]:
    return list(OutboundMessage.objects.filter(template_code=tracking.CODE_TEMPLATE))


def _code_sent(link) -> str:  # type: ignore[no-untyped-def]
    """Send a new code for `link`; the code in the message that send queued.

    Found as the one new message, not by time: the clock is frozen, so two
    codes share their `created_at`, and ids are random.
    """
    before = {message.pk for message in _codes()}
    tracking.tracking_code_send(tracking=link)
    (message,) = [m for m in _codes() if m.pk not in before]
    return _code_in(message)


def _code_in(message: OutboundMessage) -> str:
    return re.search(r"\b(\d{6})\b", message.body).group(1)  # type: ignore[union-attr]


def _same(page) -> bytes:  # type: ignore[no-untyped-def]
    return CSRF.sub("", NONCE.sub("", page.content.decode())).encode()


def _ask(client: Client, details: dict[str, str]):  # type: ignore[no-untyped-def]
    """POST the start page; return (its answer, the code page it leads to)."""
    answer = client.post(START, details)
    return answer, client.get(answer.url) if answer.status_code == 302 else None


def _wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


# --- The story ----------------------------------------------------------------------------


def test_a_victim_with_their_crime_reference_and_date_of_birth_gets_a_code_that_opens_it(
    crime, desk_agent, clock
):
    victim = crime.victim_links.get().victim
    # The desk had sent a link before: starting here replaces it.
    tracking.tracking_link_send(actor=desk_agent, link=crime.victim_links.get())
    person = Client()
    assert EN.plain("begin_intro") in text(person.get(START))

    # Typed with spaces and in lower case, as people do.
    answer, code_page = _ask(person, _details(" " + crime.crn.lower().replace("/", " / ") + " "))

    assert answer.status_code == 302 and answer.url == CODE_PAGE + "?lang=en"
    assert code_page.status_code == 200
    assert EN.plain("begin_sent") in text(code_page)
    [message] = _codes()
    assert message.recipient == PHONE_E164 and message.channel == Channel.SMS
    new = TrackingLink.objects.get(revoked_at__isnull=True)
    assert new.created_by is None and new.message is None  # made, never sent as a link
    assert TrackingLink.objects.filter(revoked_at__isnull=False).count() == 1  # the desk's

    opened = person.post(CODE_PAGE + "?lang=en", {"code": _code_in(message)})

    assert opened.status_code == 302 and opened.url == reverse("portal:track-case") + "?lang=en"
    case = person.get(opened.url)
    assert case.status_code == 200 and crime.crn in text(case)
    # The attempt is audited, without what was typed.
    attempt = AuditEvent.objects.get(action=AuditAction.SEARCH, detail__page="portal.track-start")
    assert attempt.detail["outcome"] == "sent"
    assert attempt.subject_id == str(victim.pk) and attempt.actor_id is None
    assert crime.crn not in str(attempt.detail) and BORN.isoformat() not in str(attempt.detail)
    assert AuditEvent.objects.filter(action=AuditAction.SIGN_IN, object_id=str(new.pk)).exists()


def test_unknown_reference_wrong_birthday_and_no_safe_channel_get_the_same_pages(
    crime, make_crime, clock
):
    unsafe = make_crime(
        victims=[_victim(phone="07700 900622", preferred_channel="phone", safe_to_text=False)]
    )
    pages = []
    for details in (
        _details(crime.crn),  # the one that matches
        _details("4499998/26"),
        _details(crime.crn, BORN + dt.timedelta(days=1)),
        _details(unsafe.crn),
    ):
        answer, code_page = _ask(Client(), details)
        pages.append((answer.status_code, answer.url, _same(code_page)))

    assert len(_codes()) == 1  # only for the first
    assert pages[0] == pages[1] == pages[2] == pages[3]
    assert TrackingLink.objects.count() == 1
    outcomes = sorted(
        e.detail["outcome"]
        for e in AuditEvent.objects.filter(detail__page="portal.track-start").order_by("pk")
    )
    assert outcomes == ["no_match", "no_match", "no_safe_channel", "sent"]


def test_a_victim_who_asked_to_be_contacted_only_if_they_get_in_touch_gets_no_code(
    make_crime, clock
):
    quiet = make_crime(
        victims=[_victim(phone="07700 900623", contact_only_if_victim_initiates=True)]
    )
    restricted = make_crime(offence="rape", victims=[_victim(phone="07700 900624")])

    for target in (quiet, restricted):
        answer, code_page = _ask(Client(), _details(target.crn))
        assert answer.status_code == 302 and EN.plain("begin_sent") in text(code_page)

    assert not _codes()
    assert not TrackingLink.objects.exists()


# --- Codes ----------------------------------------------------------------------------------


@pytest.mark.parametrize("matches", [True, False], ids=["matched", "not-matched"])
def test_three_wrong_codes_lock_it_whether_or_not_the_details_matched(crime, clock, matches):
    person = Client()
    _ask(person, _details(crime.crn if matches else "4499997/26"))
    code = _code_in(_codes()[0]) if matches else "123456"
    answers = [person.post(CODE_PAGE, {"code": _wrong(code)}) for _attempt in range(3)]

    assert [a.status_code for a in answers] == [400, 400, 403]
    assert EN.plain("code_wrong") in text(answers[0])
    assert EN.plain("start_locked_body") in text(answers[2])
    # The right code no longer opens anything.
    assert person.post(CODE_PAGE, {"code": code}).status_code == 403
    assert person.get(reverse("portal:track-case")).status_code == 403
    if matches:
        assert TrackingLink.objects.get().locked_at is not None
        # Starting again does not undo the lock: nothing more is sent.
        again, _page = _ask(Client(), _details(crime.crn))
        assert again.status_code == 302 and len(_codes()) == 1


def test_the_code_pages_after_a_lock_are_the_same_whether_or_not_anything_matched(crime, clock):
    pages = []
    for crn in (crime.crn, "4499996/26"):
        person = Client()
        _ask(person, _details(crn))
        wrong = [person.post(CODE_PAGE, {"code": "999999"}) for _attempt in range(3)]
        pages.append([(w.status_code, _same(w)) for w in wrong])
    if _code_in(_codes()[0]) == "999999":  # one in a million: the code was right
        pytest.skip("the random code was the one typed")
    assert pages[0] == pages[1]


def test_a_right_code_resets_the_wrong_code_count(crime, desk_agent, clock):
    """Three wrong codes IN A ROW lock a link, not three over its whole life."""
    result = tracking.tracking_link_send(actor=desk_agent, link=crime.victim_links.get())
    link = result.link
    assert link is not None
    first = _code_sent(link)
    for _attempt in range(2):
        assert not tracking.tracking_code_check(tracking=link, code=_wrong(first)).ok
    assert tracking.tracking_code_check(tracking=link, code=first).ok
    link.refresh_from_db()
    assert link.failed_attempts == 0

    second = _code_sent(link)
    for _attempt in range(2):
        outcome = tracking.tracking_code_check(tracking=link, code=_wrong(second))
    assert not outcome.locked
    link.refresh_from_db()
    assert link.locked_at is None and link.failed_attempts == 2
    assert tracking.tracking_code_check(tracking=link, code=second).ok


# --- Limits -------------------------------------------------------------------------------


def test_an_address_gets_only_a_few_tries(crime, settings, clock):
    settings.PORTAL_TRACK_START_RATE_ADDRESS = 2
    person = Client(REMOTE_ADDR="203.0.113.10")
    for _attempt in range(2):
        assert person.post(START, _details(crime.crn)).status_code == 302

    refused = person.post(START, _details(crime.crn))

    assert refused.status_code == 429 and refused["Retry-After"]
    assert len(_codes()) == 2
    # Another address is not held back by it.
    assert Client(REMOTE_ADDR="203.0.113.11").post(START, _details(crime.crn)).status_code == 302


def test_a_crime_gets_only_a_few_codes_a_day_whoever_asks(crime, settings, clock):
    settings.PORTAL_TRACK_START_CODES_PER_CRIME = 2
    answers = [
        _ask(Client(REMOTE_ADDR=f"203.0.113.{20 + n}"), _details(crime.crn)) for n in range(3)
    ]

    assert len(_codes()) == 2
    # The third is answered like the others: nothing says a limit was reached.
    assert answers[2][0].status_code == 302
    assert _same(answers[2][1]) == _same(answers[0][1])
    assert AuditEvent.objects.filter(detail__outcome="crime_limit").count() == 1

    clock.shift(dt.timedelta(days=1))
    _ask(Client(REMOTE_ADDR="203.0.113.30"), _details(crime.crn))
    assert len(_codes()) == 3


# --- Bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("details", "errors"),
    [
        ({}, ["start_crn_required", "start_dob_required"]),
        (
            {"crn": "   ", "date_of_birth-day": "27", "date_of_birth-month": "3"},
            ["start_crn_required", "start_dob_incomplete"],
        ),
        (
            {**_details("4400001/26"), "date_of_birth-day": "31", "date_of_birth-month": "2"},
            ["start_dob_real"],
        ),
        ({**_details("4400001/26"), "date_of_birth-month": "13"}, ["start_dob_real"]),
        ({**_details("4400001/26"), "date_of_birth-year": "2027"}, ["start_dob_past"]),
        (_details("44<script>/26"), ["start_crn_invalid"]),
        (_details("4" * 41), ["start_crn_invalid"]),
    ],
    ids=["empty", "blank-and-no-year", "31-february", "month-13", "future", "symbols", "too-long"],
)
def test_bad_input_is_explained_and_changes_nothing(crime, clock, details, errors):
    answer = Client().post(START, details)

    assert answer.status_code == 400
    page = answer.content.decode()
    assert "govuk-error-summary" in page
    for key in errors:
        assert EN.plain(key) in text(answer)
    assert "<script>" not in page
    assert not _codes() and TrackingLink.objects.count() == 0
    assert not AuditEvent.objects.filter(detail__page="portal.track-start").exists()


def test_the_code_page_without_the_start_page_goes_back_to_it(clock):
    answer = Client().get(CODE_PAGE)
    assert answer.status_code == 302 and answer.url == START + "?lang=en"


def test_the_start_page_speaks_arabic_right_to_left(clock):
    ar = tracking.track_text("ar")
    page = Client().get(START + "?lang=ar")
    body = page.content.decode()
    assert 'dir="rtl"' in body and 'lang="ar"' in body
    assert ar.plain("begin_intro") in text(page)
    assert ar.plain("date_day") in text(page)
    empty = Client().post(START + "?lang=ar", {})
    assert ar.plain("start_crn_required") in text(empty)


# --- English fallbacks are marked (WCAG 3.1.2) ---------------------------------------------


def test_english_fallback_words_on_a_polish_page_are_marked_lang_en(crime, officer, clock):
    # Polish has no words yet for "someone was interviewed" (English is shown).
    assert "event.suspect_interviewed" not in tracking._track_words("pl")
    event_record(
        actor=officer,
        crime=crime,
        code="suspect_interviewed",
        occurred_at=FRIDAY - dt.timedelta(hours=2),
    )
    person = Client()
    _ask(person, _details(crime.crn))
    person.post(CODE_PAGE, {"code": _code_in(_codes()[0])})

    page = person.get(reverse("portal:track-case") + "?lang=pl").content.decode()

    english = EN.plain("event.suspect_interviewed")
    assert f'<span lang="en" dir="ltr">{english}</span>' in page
    # Polish words are not marked as English.
    polish = tracking.track_text("pl").plain("event.crime_reported")
    assert polish in page and f'lang="en" dir="ltr">{polish}' not in page
