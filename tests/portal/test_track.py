"""Track your case (issue 7, item 7).

A desk agent sends a victim a link on their safe channel; the victim opens it,
asks for a code (sent to the same place), types it, and sees where the case
is, when the next update is due and which of their rights were met, without
any offender detail; they ask for a call back on a Saturday at 17:00, are
offered Sunday from 08:00, book one, and it is in the desk's queue. Three
wrong codes lock the link; dead links all look the same; no link goes where
contact is not safe; a message to the desk becomes a task the desk can read
(audited); the short session ends on its own.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.desk.conftest import signed_in, text
from victimcare.cases.models import Victim
from victimcare.cases.services import VictimInput
from victimcare.core.constants import AuditAction
from victimcare.core.models import AuditEvent
from victimcare.desk.constants import CallBackSource
from victimcare.desk.models import CallBack
from victimcare.desk.selectors import STAGE_TEXT
from victimcare.messaging.constants import Channel, TaskKind
from victimcare.messaging.models import ContactTask, OutboundMessage
from victimcare.messaging.safety import REASON_RESTRICTED_UNCONFIRMED, REASON_VICTIM_INITIATES
from victimcare.portal import tracking
from victimcare.portal.models import PortalMessage, TrackingLink

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
EN = tracking.track_text("en")
# A Friday morning in December: the desk is open.
FRIDAY = dt.datetime(2026, 12, 4, 10, 0, tzinfo=LONDON)
PHONE = "07700 900611"
PHONE_E164 = "+447700900611"
EMAIL = "track.victim@example.org"
NONCE = re.compile(r'nonce="[^"]*"')


def _victim(**overrides):  # type: ignore[no-untyped-def]
    values = {
        "full_name": "Tracy Example",
        "phone": PHONE,
        "email": EMAIL,
        "preferred_channel": Channel.SMS,
        "date_of_birth": dt.date(1985, 1, 1),
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


def _victim_of(crime) -> Victim:  # type: ignore[no-untyped-def]
    return crime.victim_links.get().victim


def _send(client: Client, crime):  # type: ignore[no-untyped-def]
    victim = _victim_of(crime)
    return client.post(reverse("portal:track-send", args=[victim.pk, crime.pk]))


def _sent_link(crime) -> str:  # type: ignore[no-untyped-def]
    """The path of the tracking link in the newest link message to the victim."""
    message = TrackingLink.objects.filter(crime=crime).latest("pk").message
    assert message is not None
    found = re.search(r"/track/([A-Za-z0-9_-]{40,})/", message.body)
    assert found, "the message holds the link"
    return found.group(0)


def _last_code(crime) -> str:  # type: ignore[no-untyped-def]
    message = (
        OutboundMessage.objects.filter(crime=crime, template_code=tracking.CODE_TEMPLATE)
        .order_by("-created_at", "-pk")
        .first()
    )
    assert message is not None
    return re.search(r"\b(\d{6})\b", message.body).group(1)  # type: ignore[union-attr]


def _open(victim_client: Client, path: str, crime) -> str:  # type: ignore[no-untyped-def]
    """Open the link, ask for a code, return the code that was sent."""
    assert victim_client.get(path).status_code == 200
    asked = victim_client.post(path + "?lang=en")
    assert asked.status_code == 302 and asked.url == path + "code/?lang=en"
    return _last_code(crime)


def _dead_page(response) -> bytes:  # type: ignore[no-untyped-def]
    return NONCE.sub("", response.content.decode()).encode()


# --- The story -------------------------------------------------------------------------


def test_a_victim_tracks_their_case_and_books_a_call_back_the_desk_can_see(
    desk_agent, crime, clock
):
    victim = _victim_of(crime)
    desk = signed_in(desk_agent)

    sent = _send(desk, crime)

    assert sent.status_code == 302
    link_row = TrackingLink.objects.get(victim=victim, crime=crime)
    assert link_row.channel == Channel.SMS and link_row.message is not None
    assert link_row.expires_at == timezone.now() + dt.timedelta(days=28)
    message = link_row.message
    assert message.recipient == PHONE_E164 and message.template_code == "tracking_link"
    path = _sent_link(crime)
    token = path.split("/")[2]
    assert token not in link_row.token_hash  # only its hash is kept
    assert AuditEvent.objects.filter(
        object_type="portal.tracking_link", subject_id=str(victim.pk), actor_id=desk_agent.pk
    ).exists()

    # The victim opens it: nothing about the case before the code.
    person = Client()
    start = person.get(path)
    assert EN.plain("start_intro") in text(start)
    assert crime.crn not in start.content.decode()
    code = _open(person, path, crime)
    code_message = OutboundMessage.objects.get(template_code="tracking_code")
    assert code_message.recipient == PHONE_E164 and code_message.channel == Channel.SMS
    assert code not in TrackingLink.objects.get(pk=link_row.pk).code_hash

    before = person.session.session_key
    entered = person.post(path + "code/?lang=en", {"code": code})
    assert entered.status_code == 302 and entered.url == reverse("portal:track-case") + "?lang=en"
    assert person.session.session_key != before  # the key is rotated at sign-in

    page = person.get(entered.url)
    assert page.status_code == 200
    shown = text(page)
    assert crime.crn in shown
    # The stage in the desk view's words, and the next update from the owed duties.
    assert "Reported. The police are looking into what happened." in shown
    owed = crime.duties.filter(victim=victim, state="open").order_by("due_at").first()
    assert owed is not None
    due = owed.due_at.astimezone(LONDON).date()
    assert EN.plain("update_due", date=f"{due:%A} {due.day} {due:%B %Y}") in shown
    assert EN.plain("right_pending") in shown
    assert EN.plain("event.crime_reported") in shown
    # No name of the victim, the officer's collar or free-text summaries.
    assert "Tracy Example" not in shown
    viewed = AuditEvent.objects.filter(
        action=AuditAction.VIEW, detail__page="portal.track", subject_id=str(victim.pk)
    ).get()
    assert viewed.actor_id is None

    # A call back on Saturday at 17:00: the desk is closed, so Sunday from 08:00 is offered.
    url = reverse("portal:track-call-back") + "?lang=en"
    closed = person.post(url, {"day": "2026-12-05", "time": "17:00", "reason": "update"})
    assert closed.status_code == 400
    offered = text(closed)
    assert EN.plain("cb_closed") in offered
    assert "Sunday 6 December 2026 at 8:00am" in offered
    assert "Sunday 6 December 2026 at 8:30am" in offered
    assert not CallBack.objects.exists()
    slot = dt.datetime(2026, 12, 6, 8, 0, tzinfo=LONDON)
    booked = person.post(
        url,
        {
            "step": "slot",
            "slot": slot.isoformat(),
            "reason": "update",
            "after": dt.datetime(2026, 12, 5, 17, 0, tzinfo=LONDON).isoformat(),
        },
    )
    assert booked.status_code == 200
    assert EN.plain("cb_done_title") in text(booked)

    call_back = CallBack.objects.get()
    assert call_back.source == CallBackSource.PORTAL
    assert call_back.requested_by is None
    assert call_back.requested_for == slot
    assert (call_back.crime_id, call_back.victim_id) == (crime.pk, victim.pk)
    queue = desk.get(reverse("desk:call-backs"))
    assert crime.crn in queue.content.decode()


def test_a_call_back_for_an_open_time_books_directly_and_bad_input_is_explained(
    crime, desk_agent, clock
):
    person = Client()
    _send(signed_in(desk_agent), crime)
    path = _sent_link(crime)
    person.post(path + "code/", {"code": _open(person, path, crime)})
    url = reverse("portal:track-call-back")

    empty = person.post(url, {})
    assert empty.status_code == 400
    for key in ("cb_day_required", "cb_time_required", "cb_reason_required"):
        assert EN.plain(key) in text(empty)
    past = person.post(url, {"day": "2026-12-04", "time": "09:00", "reason": "question"})
    assert EN.plain("cb_past") in text(past)
    assert not CallBack.objects.exists()

    ok = person.post(url, {"day": "2026-12-07", "time": "11:30", "reason": "question"})
    assert ok.status_code == 200
    assert CallBack.objects.get().requested_for == dt.datetime(2026, 12, 7, 11, 30, tzinfo=LONDON)


# --- Codes and dead links ---------------------------------------------------------------


def test_three_wrong_codes_lock_the_link_and_the_right_code_no_longer_opens_it(
    crime, desk_agent, clock
):
    _send(signed_in(desk_agent), crime)
    path = _sent_link(crime)
    person = Client()
    code = _open(person, path, crime)
    wrong = "000000" if code != "000000" else "111111"

    for _attempt in range(2):
        answer = person.post(path + "code/", {"code": wrong})
        assert answer.status_code == 400
        assert EN.plain("code_wrong") in text(answer)
    third = person.post(path + "code/", {"code": wrong})
    assert third.status_code == 403
    assert EN.plain("locked_body") in text(third)
    assert "0808 157 0000" in text(third)  # the desk's number, and its hours
    link_row = TrackingLink.objects.get()
    assert link_row.locked_at is not None and link_row.failed_attempts == 3

    right = person.post(path + "code/", {"code": code})
    assert right.status_code == 403
    assert person.get(reverse("portal:track-case")).status_code == 403
    # Asking for a new code does not unlock it.
    assert person.post(path).status_code == 403
    assert OutboundMessage.objects.filter(template_code="tracking_code").count() == 1
    assert AuditEvent.objects.filter(
        action=AuditAction.LOCKED_OUT, object_type="portal.tracking_link"
    ).exists()


def test_an_expired_code_gets_the_same_answer_as_a_wrong_one(crime, desk_agent, clock):
    _send(signed_in(desk_agent), crime)
    path = _sent_link(crime)
    person = Client()
    code = _open(person, path, crime)
    clock.shift(dt.timedelta(minutes=11))

    late = person.post(path + "code/", {"code": code})

    assert late.status_code == 400 and EN.plain("code_wrong") in text(late)
    assert person.get(reverse("portal:track-case")).status_code == 403


def test_unknown_expired_and_revoked_links_get_byte_identical_pages(crime, desk_agent, clock):
    desk = signed_in(desk_agent)
    _send(desk, crime)
    first = _sent_link(crime)
    _send(desk, crime)  # a new link revokes the first
    second = _sent_link(crime)
    assert first != second
    assert TrackingLink.objects.filter(revoked_at__isnull=False).count() == 1

    revoked = Client().get(first)
    unknown = Client().get("/track/" + "A" * 43 + "/")
    clock.shift(dt.timedelta(days=29))
    expired = Client().get(second)

    assert revoked.status_code == unknown.status_code == expired.status_code == 404
    assert _dead_page(revoked) == _dead_page(unknown) == _dead_page(expired)
    assert EN.plain("unavailable_title") in text(unknown)
    # And for the code page too.
    assert _dead_page(Client().post(first + "code/", {"code": "123456"})) == _dead_page(unknown)


def test_a_code_is_not_sent_to_a_number_changed_since_the_link_went(crime, desk_agent, clock):
    _send(signed_in(desk_agent), crime)
    path = _sent_link(crime)
    victim = _victim_of(crime)
    victim.phone = "07700 900612"
    victim.save(update_fields=["phone"])

    answer = Client().post(path)

    assert answer.status_code == 200
    assert EN.plain("no_code_title") in text(answer)
    assert not OutboundMessage.objects.filter(template_code="tracking_code").exists()


# --- Safe contact -----------------------------------------------------------------------


def test_no_link_for_a_victim_who_wants_contact_only_if_they_get_in_touch(
    make_crime, desk_agent, clock
):
    crime = make_crime(victims=[_victim(contact_only_if_victim_initiates=True)])

    answer = signed_in(desk_agent).post(
        reverse("portal:track-send", args=[_victim_of(crime).pk, crime.pk]), follow=True
    )

    assert not TrackingLink.objects.exists()
    assert not OutboundMessage.objects.filter(template_code="tracking_link").exists()
    expected = tracking.NOT_SENT_NO_SAFE_CHANNEL.format(reason=REASON_VICTIM_INITIATES.rstrip("."))
    assert expected in text(answer)


def test_no_link_for_a_restricted_crime_without_a_confirmed_safe_channel(
    make_crime, desk_agent, officer, clock
):
    crime = make_crime(offence="rape", victims=[_victim(phone="07700 900613")])
    link = crime.victim_links.get()

    result = tracking.tracking_link_send(actor=officer, link=link)

    assert not result.sent
    assert REASON_RESTRICTED_UNCONFIRMED.rstrip(".") in result.text
    assert "Call them instead" in result.text
    assert not TrackingLink.objects.exists()
    assert not OutboundMessage.objects.filter(template_code="tracking_link").exists()

    # Once a safe channel is confirmed with the victim, a link may go.
    Victim.objects.filter(pk=link.victim_id).update(
        safe_channel_confirmed_at=timezone.now(), safe_channel_confirmed_by=officer
    )
    assert tracking.tracking_link_send(actor=officer, link=link).sent


def test_a_caller_whose_texts_are_not_safe_gets_the_link_by_email(make_crime, desk_agent, clock):
    crime = make_crime(
        victims=[_victim(phone="07700 900614", preferred_channel="phone", safe_to_text=False)]
    )

    _send(signed_in(desk_agent), crime)

    row = TrackingLink.objects.get()
    assert row.channel == Channel.EMAIL
    assert row.message.recipient == EMAIL  # type: ignore[union-attr]
    assert not OutboundMessage.objects.filter(
        template_code__startswith="tracking", channel=Channel.SMS
    ).exists()


def test_only_desk_agents_and_people_who_may_view_the_crime_can_send(
    crime, analyst, other_officer, officer, clock
):
    for person in (analyst, other_officer):
        assert _send(signed_in(person), crime).status_code == 404
    assert _send(Client(), crime).status_code in (302, 404)
    assert not TrackingLink.objects.exists()
    assert _send(signed_in(officer), crime).status_code == 302
    assert TrackingLink.objects.count() == 1


# --- Messages to the desk, the session -----------------------------------------------------


def test_a_message_to_the_desk_becomes_a_task_and_the_desk_panel_shows_it(crime, desk_agent, clock):
    desk = signed_in(desk_agent)
    _send(desk, crime)
    path = _sent_link(crime)
    person = Client()
    person.post(path + "code/", {"code": _open(person, path, crime)})
    url = reverse("portal:track-message")

    empty = person.post(url, {"text": "  "})
    assert empty.status_code == 400 and EN.plain("msg_required") in text(empty)
    too_long = person.post(url, {"text": "x" * 2001})
    assert EN.plain("msg_too_long", max=2000) in text(too_long)
    assert not PortalMessage.objects.exists()

    sent = person.post(url, {"text": "Please ring me after 3pm <b>only</b>."})
    assert sent.status_code == 200
    message = PortalMessage.objects.get()
    task = ContactTask.objects.get(kind=TaskKind.PORTAL_MESSAGE)
    assert message.task == task and task.crime_id == crime.pk

    victim = _victim_of(crime)
    check = reverse("desk:identity-check", args=[victim.pk, crime.pk])
    desk.post(check, {"method": "crn_and_date_of_birth", "outcome": "passed"})
    case = desk.get(reverse("desk:case", args=[victim.pk, crime.pk]))
    assert case.status_code == 200, case.get("Location")
    page = case.content.decode()
    assert "Please ring me after 3pm &lt;b&gt;only&lt;/b&gt;." in page
    assert 'id="track-send"' in page
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW,
        object_type="portal.message",
        object_id=str(message.pk),
        actor_id=desk_agent.pk,
    ).exists()


def test_the_session_ends_after_15_minutes_and_on_sign_out(crime, desk_agent, clock):
    _send(signed_in(desk_agent), crime)
    path = _sent_link(crime)
    person = Client()
    person.post(path + "code/", {"code": _open(person, path, crime)})
    case_url = reverse("portal:track-case")
    assert person.get(case_url).status_code == 200

    clock.shift(dt.timedelta(minutes=16))
    ended = person.get(case_url)
    assert ended.status_code == 403 and EN.plain("ended_title") in text(ended)
    assert crime.crn not in ended.content.decode()

    clock.shift(dt.timedelta(minutes=1))
    other = Client()
    other.post(path + "code/", {"code": _open(other, path, crime)})
    assert other.get(case_url).status_code == 200
    other.post(reverse("portal:track-sign-out"))
    assert other.get(case_url).status_code == 403


def test_the_tracker_speaks_arabic_right_to_left(crime, desk_agent, clock):
    _send(signed_in(desk_agent), crime)
    path = _sent_link(crime)
    page = Client().get(path + "?lang=ar").content.decode()
    ar = tracking.track_text("ar")
    assert 'dir="rtl"' in page and 'lang="ar"' in page
    assert ar.plain("start_intro") in page


def test_the_tracker_words_in_each_language_keep_the_english_placeholders():
    from victimcare.feedback.i18n import placeholders_in

    english = tracking._track_words("en")
    for language in ("pl", "ar"):
        assert tracking.track_review_status(language) == "machine_draft"
        for key, words in tracking._track_words(language).items():
            if key.startswith("stage."):
                # English stage words are the desk case view's (desk.selectors.STAGE_TEXT).
                assert key.removeprefix("stage.") in STAGE_TEXT, (language, key)
                assert not placeholders_in(words)
                continue
            assert key in english, (language, key)
            assert placeholders_in(words) == placeholders_in(english[key]), (language, key)
