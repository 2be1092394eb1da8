"""Stories of feedback invitations sent by text or email after an officer's contact.

PC Olivia Officer records a visit through the case record's own service; the
invitation, if any, is a row in the outbox (the real enqueue, the real safety
verdict). Phone numbers are in Ofcom's drama range, addresses at example.org.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import structlog
from django.utils import timezone

from victimcare.cases.constants import Channel as CaseChannel
from victimcare.cases.constants import EventCode, VictimRole
from victimcare.cases.models import Crime, JourneyEvent, Victim
from victimcare.cases.services import VictimInput, event_record
from victimcare.core.crypto import blind_index
from victimcare.feedback import dispatch
from victimcare.feedback.constants import InvitationChannel
from victimcare.feedback.models import Invitation
from victimcare.feedback.services import invitation_for_token
from victimcare.messaging.constants import Channel, Status
from victimcare.messaging.dispatch import safe_channel_confirm
from victimcare.messaging.models import ContactTask, OutboundMessage
from victimcare.messaging.services import message_send

pytestmark = pytest.mark.django_db

PHONE = "07700 900101"
EMAIL = "sam.example@example.org"
LINK = re.compile(r"http://testserver\.example\.org/f/([A-Za-z0-9_-]{22})/")


@pytest.fixture(autouse=True)
def base_url(settings) -> None:  # type: ignore[no-untyped-def]
    settings.VICTIMCARE_BASE_URL = "http://testserver.example.org"
    settings.FEEDBACK_INVITE_MIN_DAYS = 28


def person(**overrides: Any) -> VictimInput:
    values: dict[str, Any] = {
        "full_name": "Sam Example",
        "phone": PHONE,
        "email": EMAIL,
        "preferred_channel": CaseChannel.SMS,
    }
    return VictimInput(**(values | overrides))


def victim_of(crime: Crime) -> Victim:
    return crime.victim_links.get(role=VictimRole.VICTIM).victim


def visit(crime: Crime, actor, victim: Victim | None = None, **kwargs: Any) -> JourneyEvent:  # type: ignore[no-untyped-def]
    event, _ = event_record(
        actor=actor,
        crime=crime,
        code=EventCode.CONTACT_VISIT,
        occurred_at=timezone.now() - dt.timedelta(hours=1),
        victim=victim or victim_of(crime),
        **kwargs,
    )
    return event


def invitation_messages() -> list[OutboundMessage]:
    return list(OutboundMessage.objects.filter(template_code="feedback_invitation"))


def test_a_visit_to_a_victim_who_prefers_texts_queues_one_text_with_a_working_link(
    make_crime, officer
):  # type: ignore[no-untyped-def]
    crime = make_crime(victims=[person()])
    event = visit(crime, officer)

    [message] = invitation_messages()
    invitation = Invitation.objects.get()
    assert (message.channel, message.status, message.event_id) == (
        Channel.SMS,
        Status.PENDING,
        event.pk,
    )
    assert message.victim_id == victim_of(crime).pk and message.crime_id == crime.pk
    token = LINK.search(message.body).group(1)  # type: ignore[union-attr]
    assert invitation_for_token(token) == invitation
    assert (invitation.channel, invitation.officer, invitation.contact_event) == (
        InvitationChannel.SMS,
        officer,
        event,
    )
    assert invitation.message == message and invitation.language == "en"
    assert invitation.reply_key == blind_index(PHONE, kind="phone")
    assert PHONE.replace(" ", "") not in invitation.reply_key


def test_an_email_invitation_goes_to_a_victim_who_prefers_email(make_crime, officer):  # type: ignore[no-untyped-def]
    crime = make_crime(victims=[person(preferred_channel=CaseChannel.EMAIL)])
    visit(crime, officer)

    [message] = invitation_messages()
    assert (message.channel, message.recipient, message.subject) == (
        Channel.EMAIL,
        EMAIL,
        "Tell us how we did",
    )
    token = LINK.search(message.body).group(1)  # type: ignore[union-attr]
    invitation = invitation_for_token(token)
    assert invitation is not None and invitation.channel == InvitationChannel.EMAIL
    assert invitation.reply_key == ""


def test_the_invitation_is_in_the_victims_language_where_we_have_the_words(make_crime, officer):  # type: ignore[no-untyped-def]
    crime = make_crime(victims=[person(language="pl")])
    visit(crime, officer)

    [message] = invitation_messages()
    assert Invitation.objects.get().language == "pl"
    # No reviewed Polish invitation yet: English after the Polish interpreter offer.
    assert message.language == "en"
    assert message.body.startswith("Jeśli potrzebujesz tłumacza")
    assert "Please tell us how we treated you" in message.body
    assert LINK.search(message.body)


@pytest.mark.parametrize("preferred", [CaseChannel.PHONE, CaseChannel.LETTER])
def test_a_victim_who_prefers_calls_or_letters_gets_no_automated_invitation(
    make_crime, officer, preferred
):  # type: ignore[no-untyped-def]
    crime = make_crime(
        victims=[person(preferred_channel=preferred, address="1 Example Street\nLondon\nSW1A 1AA")]
    )
    visit(crime, officer)

    assert invitation_messages() == []
    assert not Invitation.objects.exists()


def test_a_domestic_abuse_victim_with_no_safe_channel_gets_no_invitation(make_crime, officer):  # type: ignore[no-untyped-def]
    crime = make_crime(domestic_abuse=True, victims=[person()])
    event = visit(crime, officer)

    assert invitation_messages() == []
    assert not Invitation.objects.exists()
    # Optional feedback: no task sends an officer to ask for a rating either.
    assert not ContactTask.objects.filter(crime=crime).exclude(duty__isnull=False).exists()
    assert JourneyEvent.objects.filter(pk=event.pk).exists()


def test_once_a_safe_channel_is_confirmed_the_invitation_goes(make_crime, officer):  # type: ignore[no-untyped-def]
    crime = make_crime(domestic_abuse=True, victims=[person()])
    safe_channel_confirm(actor=officer, crime=crime, victim=victim_of(crime))
    visit(crime, officer)

    [message] = invitation_messages()
    assert message.channel == Channel.SMS


def test_a_victim_who_only_wants_contact_they_start_gets_nothing(make_crime, officer):  # type: ignore[no-untyped-def]
    crime = make_crime(victims=[person(contact_only_if_victim_initiates=True)])
    visit(crime, officer)
    assert invitation_messages() == []


def test_replaying_the_event_creates_nothing_twice(make_crime, officer):  # type: ignore[no-untyped-def]
    crime = make_crime(victims=[person()])
    event = visit(crime, officer, idempotency_key="visit-1")
    again = visit(crime, officer, idempotency_key="visit-1")
    assert again == event

    assert dispatch.invitations_for_event(event=event) is None
    assert len(invitation_messages()) == 1
    assert Invitation.objects.count() == 1


def test_at_most_one_automated_invitation_per_victim_in_28_days(make_crime, officer):  # type: ignore[no-untyped-def]
    crime = make_crime(victims=[person()])
    visit(crime, officer)
    visit(crime, officer)  # a second visit the same day
    assert Invitation.objects.count() == 1

    Invitation.objects.update(created_at=timezone.now() - dt.timedelta(days=27))
    visit(crime, officer)
    assert Invitation.objects.count() == 1

    Invitation.objects.update(created_at=timezone.now() - dt.timedelta(days=29))
    visit(crime, officer)
    assert Invitation.objects.count() == 2
    assert len(invitation_messages()) == 2


def test_a_call_recorded_by_the_desk_sends_no_officer_invitation(make_crime, officer, desk_agent):  # type: ignore[no-untyped-def]
    crime = make_crime(victims=[person()])
    event, _ = event_record(
        actor=desk_agent,
        crime=crime,
        code=EventCode.CONTACT_CALL,
        occurred_at=timezone.now() - dt.timedelta(minutes=5),
        victim=victim_of(crime),
    )
    assert event.recorded_by == desk_agent
    assert not Invitation.objects.exists() and invitation_messages() == []


def test_a_child_is_never_invited_directly_their_parent_is(make_crime, officer):  # type: ignore[no-untyped-def]
    ten_years_ago = timezone.localdate() - dt.timedelta(days=365 * 10)
    crime = make_crime(
        victims=[
            person(full_name="Child Example", date_of_birth=ten_years_ago, phone="07700 900102"),
            person(full_name="Parent Example", role=VictimRole.PARENT_OR_GUARDIAN),
        ]
    )
    child = victim_of(crime)
    parent = crime.victim_links.get(role=VictimRole.PARENT_OR_GUARDIAN).victim
    visit(crime, officer, victim=child)

    [message] = invitation_messages()
    invitation = Invitation.objects.get()
    assert invitation.victim == parent and message.victim_id == parent.pk
    assert message.recipient == parent.phone
    assert invitation.reply_key == blind_index(PHONE, kind="phone")


def test_a_child_with_no_parent_recorded_gets_no_invitation(make_crime, officer):  # type: ignore[no-untyped-def]
    twelve_years_ago = timezone.localdate() - dt.timedelta(days=365 * 12)
    crime = make_crime(victims=[person(date_of_birth=twelve_years_ago)])
    visit(crime, officer)
    assert not Invitation.objects.exists() and invitation_messages() == []


def test_the_event_still_records_if_the_invitation_code_fails(make_crime, officer, monkeypatch):  # type: ignore[no-untyped-def]
    crime = make_crime(victims=[person()])

    def broken(token: str) -> str:
        raise RuntimeError("feedback link broken")

    # Fails after the invitation row is written: the savepoint must undo it.
    monkeypatch.setattr(dispatch, "feedback_url", broken)
    with structlog.testing.capture_logs() as logs:
        event = visit(crime, officer)

    assert JourneyEvent.objects.filter(pk=event.pk).exists()
    assert not Invitation.objects.exists() and invitation_messages() == []
    [failed] = [entry for entry in logs if entry["event"] == "feedback.invitation_failed"]
    assert failed["error"] == "RuntimeError"
    assert set(failed) <= {"event", "log_level", "event_id", "crime_id", "error"}


def test_an_invitation_cancelled_at_send_time_raises_no_contact_task(
    make_crime, officer, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    crime = make_crime(victims=[person()])
    visit(crime, officer)
    [message] = invitation_messages()
    # Texts stop being safe after the invitation was queued.
    Victim.objects.filter(pk=victim_of(crime).pk).update(safe_to_text=False)

    with django_capture_on_commit_callbacks(execute=True):
        message_send(message_id=message.pk, worker_id="test-worker")

    message.refresh_from_db()
    assert message.status == Status.CANCELLED
    assert not ContactTask.objects.filter(message=message).exists()


def test_the_text_invitation_says_a_number_from_1_to_5_can_be_sent_back(make_crime, officer):  # type: ignore[no-untyped-def]
    crime = make_crime(victims=[person()])
    visit(crime, officer)

    [message] = invitation_messages()
    assert message.channel == Channel.SMS and message.language == "en"
    assert "Reply with one number from 1 (very dissatisfied) to 5 (very satisfied)" in message.body
    assert "You do not have to answer. Your answers will not affect your case." in message.body
    assert LINK.search(message.body)
