"""Stories of events becoming messages, and messages completing or reopening duties.

Events are recorded through the case record's own services; messages move
through the outbox's own services (the local channel sends, `provider_status_apply`
applies a provider's status as a delivery receipt would). Each committed status
change runs the dispatch hook through `on_commit`, as in production.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from victimcare.cases.constants import Channel as CaseChannel
from victimcare.cases.constants import EventCode
from victimcare.cases.models import JourneyEvent, Victim
from victimcare.cases.services import VictimInput, event_record
from victimcare.core.constants import AuditAction
from victimcare.core.models import AuditEvent
from victimcare.duties.constants import DutyState
from victimcare.duties.models import Duty
from victimcare.duties.services import duties_for_event
from victimcare.messaging import dispatch, safety
from victimcare.messaging.callbacks import provider_status_apply
from victimcare.messaging.constants import Channel, Status, TaskKind, TaskState
from victimcare.messaging.models import ContactTask, OutboundMessage
from victimcare.messaging.services import message_send

pytestmark = pytest.mark.django_db

PHONE = "07700 900123"
ADDRESS = "1 Example Street\nLondon\nSW1A 1AA"


def victim(**overrides: Any) -> VictimInput:
    values: dict[str, Any] = {
        "full_name": "Test Victim",
        "phone": PHONE,
        "preferred_channel": CaseChannel.SMS,
    }
    return VictimInput(**(values | overrides))


def charge(crime, actor=None, **details: Any) -> JourneyEvent:  # type: ignore[no-untyped-def]
    hearing = (timezone.now() + dt.timedelta(days=14)).replace(microsecond=0)
    values = {"first_hearing_at": hearing.isoformat(), "court": "Example Magistrates' Court"}
    event, _ = event_record(
        actor=actor or crime.oic,
        crime=crime,
        code=EventCode.CHARGED,
        occurred_at=timezone.now() - dt.timedelta(minutes=5),
        details=values | details,
    )
    return event


@pytest.fixture(autouse=True)
def receipts_by_hand(settings):  # type: ignore[no-untyped-def]
    # These stories play the provider's receipts themselves.
    settings.MESSAGING_LOCAL_DELIVERS_AT_ONCE = False


def duty(crime, code: str) -> Duty:  # type: ignore[no-untyped-def]
    return Duty.objects.exclude(state=DutyState.REPLACED).get(crime=crime, rule__code=code)


def send(message: OutboundMessage, callbacks) -> OutboundMessage:  # type: ignore[no-untyped-def]
    """Hand the message to the (local) channel through the outbox, hooks included."""
    with callbacks(execute=True):
        message_send(message_id=message.pk, worker_id="test-worker")
    message.refresh_from_db()
    return message


def receipt(message: OutboundMessage, status: str, callbacks) -> OutboundMessage:  # type: ignore[no-untyped-def]
    with callbacks(execute=True):
        provider_status_apply(message_id=message.pk, provider_status=status)
    message.refresh_from_db()
    return message


# --- Story (a): charged, enhanced, SMS in Polish ---------------------------------------


def test_a_charge_sends_one_polish_text_which_completes_the_duty_when_delivered(
    make_crime, django_capture_on_commit_callbacks, notify
):  # type: ignore[no-untyped-def]
    crime = make_crime(offence="gbh-with-intent", victims=[victim(language="pl")])
    event = charge(crime)
    charged = duty(crime, "charged-inform")
    assert charged.enhanced is True

    texts = OutboundMessage.objects.filter(duty=charged)
    assert texts.count() == 1
    text = texts.get()
    assert (text.channel, text.language, text.template_code) == (Channel.SMS, "pl", "charged")
    assert text.event_id == event.pk
    assert text.recipient == "+447700900123"
    assert crime.offence.name.lower() not in text.body.lower(), "no offence detail by SMS"
    assert text.idempotency_key == f"duty:{charged.pk}:charged:v{text.template_version}:sms"
    assert not ContactTask.objects.filter(crime=crime).exists()

    text = send(text, django_capture_on_commit_callbacks)
    assert text.status == Status.SENT
    # Through the real Notify client to the Notify-compatible server: one request.
    assert notify.accepted(text.reference) == 1
    charged.refresh_from_db()
    assert charged.state == DutyState.OPEN, "a text counts once delivered, not when sent"

    text = receipt(text, "delivered", django_capture_on_commit_callbacks)
    assert text.status == Status.DELIVERED
    charged.refresh_from_db()
    assert charged.state == DutyState.DONE
    assert charged.on_time is True
    assert charged.completed_at == text.sent_at
    contact = charged.completed_event
    assert contact.code == EventCode.CONTACT_MESSAGE
    assert contact.recorded_by is None, "recorded by the system"
    assert contact.details == {"message_id": str(text.pk), "channel": "Text message"}

    # A replayed hook (or receipt) changes nothing.
    dispatch.message_status_changed(message=text, old=Status.SENT, new=Status.DELIVERED)
    receipt(text, "delivered", django_capture_on_commit_callbacks)
    assert JourneyEvent.objects.filter(crime=crime, code=EventCode.CONTACT_MESSAGE).count() == 1


def test_recording_the_same_event_again_queues_nothing_new(make_crime):  # type: ignore[no-untyped-def]
    crime = make_crime(victims=[victim()])
    event = charge(crime)
    before = OutboundMessage.objects.count()
    duties_for_event(event=event)
    dispatch.messages_for_event(event=event, duties=list(Duty.objects.filter(event=event)))
    assert OutboundMessage.objects.count() == before


def test_the_crime_report_confirms_it_in_writing_and_nothing_else(make_crime):  # type: ignore[no-untyped-def]
    crime = make_crime(victims=[victim()])
    message = OutboundMessage.objects.get(crime=crime)
    assert message.template_code == "crime_recorded"
    assert message.duty.rule.code == "crime-reported-written-confirmation"


# --- Story (b): domestic abuse, no safe channel confirmed ---------------------------------


def test_a_domestic_abuse_victim_without_a_confirmed_channel_gets_a_task_and_no_message(
    make_crime, officer
):  # type: ignore[no-untyped-def]
    crime = make_crime(domestic_abuse=True, victims=[victim()])
    charge(crime)

    assert not OutboundMessage.objects.filter(crime=crime).exists()
    tasks = ContactTask.objects.filter(crime=crime).order_by("pk")
    assert [(t.kind, t.reason, t.assignee_id, t.message_id) for t in tasks] == [
        (TaskKind.UNSAFE_TO_SEND, safety.REASON_RESTRICTED_UNCONFIRMED, officer.pk, None)
    ] * 2
    assert {t.duty.rule.code for t in tasks} == {
        "crime-reported-written-confirmation",
        "charged-inform",
    }


def test_once_a_safe_channel_is_confirmed_the_next_event_is_messaged(make_crime, officer):  # type: ignore[no-untyped-def]
    crime = make_crime(domestic_abuse=True, victims=[victim()])
    person = Victim.objects.get(crime_links__crime=crime)
    dispatch.safe_channel_confirm(actor=officer, crime=crime, victim=person)
    charge(crime)
    assert OutboundMessage.objects.filter(crime=crime, template_code="charged").count() == 1
    assert AuditEvent.objects.filter(
        action=AuditAction.CHANGE, object_type="cases.victim", object_id=str(person.pk)
    ).exists()


def test_phone_preferred_means_no_message_and_no_task(make_crime):  # type: ignore[no-untyped-def]
    crime = make_crime(victims=[victim(preferred_channel=CaseChannel.PHONE)])
    charge(crime)
    assert not OutboundMessage.objects.filter(crime=crime).exists()
    assert not ContactTask.objects.filter(crime=crime).exists()


def test_a_victim_who_wants_no_updates_gets_a_task_not_a_message(make_crime):  # type: ignore[no-untyped-def]
    crime = make_crime(victims=[victim(wants_updates=False)])
    assert not OutboundMessage.objects.filter(crime=crime).exists()
    assert ContactTask.objects.get(crime=crime).reason == safety.REASON_NO_UPDATES


def test_a_template_the_event_cannot_fill_becomes_a_task_and_the_event_stands(make_crime):  # type: ignore[no-untyped-def]
    crime = make_crime(victims=[victim()])
    event, created = event_record(
        actor=crime.oic,
        crime=crime,
        code=EventCode.CHARGED,
        occurred_at=timezone.now() - dt.timedelta(minutes=1),
    )  # no hearing date or court: the charged template needs both

    assert created and JourneyEvent.objects.filter(pk=event.pk).exists()
    charged = duty(crime, "charged-inform")
    assert not OutboundMessage.objects.filter(duty=charged).exists()
    task = ContactTask.objects.get(duty=charged)
    assert task.kind == TaskKind.UNSAFE_TO_SEND
    assert task.reason.startswith("The message could not be prepared (")
    assert "hearing_at" in task.reason or "court" in task.reason


def test_a_letter_needs_a_postcode(make_crime):  # type: ignore[no-untyped-def]
    crime = make_crime(
        victims=[victim(preferred_channel=CaseChannel.LETTER, address="1 Example Street")]
    )
    assert ContactTask.objects.get(crime=crime).reason == safety.REASON_NO_POSTCODE
    assert not OutboundMessage.objects.filter(crime=crime).exists()


# --- Story (c) end to end: a rule changed after queueing cancels it ------------------------


def test_a_safe_contact_change_after_queueing_cancels_the_message_and_raises_a_task(
    make_crime, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    crime = make_crime(victims=[victim()])
    message = OutboundMessage.objects.get(crime=crime)
    Victim.objects.filter(pk=message.victim_id).update(safe_to_text=False)

    assert safety.send_time_verdict(message=message) == safety.Verdict(
        False, safety.REASON_SMS_UNSAFE
    )
    message = send(message, django_capture_on_commit_callbacks)
    assert message.status == Status.CANCELLED
    assert message.safety_reason == safety.REASON_SMS_UNSAFE
    task = ContactTask.objects.get(message=message)
    assert (task.kind, task.reason, task.state) == (
        TaskKind.UNSAFE_TO_SEND,
        safety.REASON_SMS_UNSAFE,
        TaskState.OPEN,
    )
    assert message.duty.state == DutyState.OPEN


# --- Story (d): failure reopens the duty -------------------------------------------------


def test_a_returned_letter_reopens_the_duty_it_completed_and_raises_a_task(
    make_crime, officer, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    crime = make_crime(victims=[victim(preferred_channel=CaseChannel.LETTER, address=ADDRESS)])
    letter = OutboundMessage.objects.get(crime=crime)
    assert letter.channel == Channel.LETTER
    assert letter.recipient == "Test Victim\n1 Example Street\nLondon\nSW1A 1AA"

    letter = send(letter, django_capture_on_commit_callbacks)
    written = Duty.objects.get(pk=letter.duty_id)
    assert written.state == DutyState.DONE, "a letter counts once posted"
    assert written.completed_event.code == EventCode.CONTACT_LETTER
    completing_event = written.completed_event_id

    letter = receipt(letter, "permanent-failure", django_capture_on_commit_callbacks)
    assert letter.status == Status.PERMANENT_FAILURE
    written.refresh_from_db()
    assert written.state == DutyState.OPEN
    assert (written.completed_at, written.completed_event_id, written.on_time) == (
        None,
        None,
        None,
    )
    # The history stays: the contact event on the timeline, the reopening in the audit log.
    assert JourneyEvent.objects.filter(pk=completing_event).exists()
    reopened = AuditEvent.objects.get(object_type="duties.duty", object_id=str(written.pk))
    assert reopened.detail["state"] == "reopened"
    assert reopened.detail["completed_event_id"] == completing_event
    task = ContactTask.objects.get(message=letter)
    assert (task.kind, task.assignee_id, task.duty_id) == (
        TaskKind.DELIVERY_FAILED,
        officer.pk,
        written.pk,
    )

    # Replays change nothing more.
    dispatch.message_status_changed(message=letter, old=Status.SENT, new=Status.SENT)
    dispatch.message_status_changed(message=letter, old=Status.SENT, new=Status.PERMANENT_FAILURE)
    written.refresh_from_db()
    assert written.state == DutyState.OPEN
    assert ContactTask.objects.filter(message=letter).count() == 1


def test_a_text_needing_attention_raises_a_task_closed_by_a_late_delivery(
    make_crime, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    crime = make_crime(victims=[victim()])
    text = send(OutboundMessage.objects.get(crime=crime), django_capture_on_commit_callbacks)
    text = receipt(text, "temporary-failure", django_capture_on_commit_callbacks)
    assert text.status == Status.NEEDS_ATTENTION
    task = ContactTask.objects.get(message=text)
    assert task.kind == TaskKind.NEEDS_ATTENTION

    text = receipt(text, "delivered", django_capture_on_commit_callbacks)
    task.refresh_from_db()
    assert task.state == TaskState.DONE
    assert task.done_note == dispatch.TASK_DELIVERED_AFTER_ALL
    assert Duty.objects.get(pk=text.duty_id).state == DutyState.DONE


def test_a_failure_after_someone_told_the_victim_another_way_raises_no_task(
    make_crime, officer, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    crime = make_crime(victims=[victim()])
    text = send(OutboundMessage.objects.get(crime=crime), django_capture_on_commit_callbacks)
    event_record(
        actor=officer,
        crime=crime,
        code=EventCode.CONTACT_CALL,
        occurred_at=timezone.now(),
        victim=text.victim,
        fulfils=[text.duty_id],
    )
    receipt(text, "permanent-failure", django_capture_on_commit_callbacks)
    assert Duty.objects.get(pk=text.duty_id).state == DutyState.DONE
    assert not ContactTask.objects.filter(crime=crime).exists()


# --- Sent by a person ----------------------------------------------------------------------


def test_a_person_cannot_queue_an_unsafe_message(make_crime, officer):  # type: ignore[no-untyped-def]
    crime = make_crime(victims=[victim(preferred_channel=CaseChannel.PHONE, safe_to_text=False)])
    person = Victim.objects.get(crime_links__crime=crime)
    before = OutboundMessage.objects.count()
    with pytest.raises(ValidationError) as error:
        dispatch.message_send_by_staff(
            actor=officer,
            crime=crime,
            victim=person,
            template_code="regular_update",
            channel=Channel.SMS,
            token="t" * 32,
        )
    assert error.value.message_dict["channel"] == [
        dispatch.ERROR_UNSAFE.format(reason=safety.REASON_SMS_UNSAFE)
    ]
    assert OutboundMessage.objects.count() == before


def test_a_person_sends_a_message_linked_to_a_duty_once_per_form(make_crime, officer):  # type: ignore[no-untyped-def]
    crime = make_crime(victims=[victim(preferred_channel=CaseChannel.PHONE)])
    charge(crime)
    person = Victim.objects.get(crime_links__crime=crime)
    charged = duty(crime, "charged-inform")
    sent = [
        dispatch.message_send_by_staff(
            actor=officer,
            crime=crime,
            victim=person,
            template_code="charged",
            channel=Channel.SMS,
            token="form-token-0123456789",
            duty_id=charged.pk,
        )
        for _ in range(2)
    ]
    assert sent[0].pk == sent[1].pk
    assert OutboundMessage.objects.filter(duty=charged).count() == 1
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.CREATE, object_type="messaging.outboundmessage"
        ).count()
        == 1
    )


def test_the_local_outbox_delivers_at_once_and_completes_the_duty(
    make_crime, django_capture_on_commit_callbacks, settings
):  # type: ignore[no-untyped-def]
    # The embedded default (the demo): the outbox row is where the text ends up.
    settings.MESSAGING_LOCAL_DELIVERS_AT_ONCE = True
    crime = make_crime(offence="gbh-with-intent", victims=[victim()])
    charge(crime)
    charged = duty(crime, "charged-inform")
    text = send(OutboundMessage.objects.get(duty=charged), django_capture_on_commit_callbacks)
    assert text.status == Status.DELIVERED
    charged.refresh_from_db()
    assert charged.state == DutyState.DONE


def test_a_victim_on_a_restricted_case_is_texted_from_the_neutral_sender(
    make_crime, django_capture_on_commit_callbacks, notify, settings, officer
):  # type: ignore[no-untyped-def]
    settings.NOTIFY_SENDER_IDS = {"sms": "police-sender", "email": ""}
    settings.NOTIFY_NEUTRAL_SENDER_IDS = {"sms": "neutral-sender", "email": ""}
    restricted = make_crime(domestic_abuse=True, victims=[victim()])
    person = restricted.victim_links.get().victim
    dispatch.safe_channel_confirm(actor=officer, crime=restricted, victim=person)
    ordinary = make_crime(victims=[victim(phone="07700 900124")])
    for crime in (restricted, ordinary):
        charge(crime)
    texts = {
        crime.pk: send(
            OutboundMessage.objects.get(crime=crime, template_code="charged"),
            django_capture_on_commit_callbacks,
        )
        for crime in (restricted, ordinary)
    }
    senders = {
        crime_id: notify.state.notifications[notify.id_for(text.reference)]["sms_sender_id"]
        for crime_id, text in texts.items()
    }
    assert senders == {restricted.pk: "neutral-sender", ordinary.pk: "police-sender"}


def test_a_database_failure_while_writing_the_message_fails_the_whole_event(
    make_crime, monkeypatch
):  # type: ignore[no-untyped-def]
    """A full disk or a statement timeout is not a message problem for a person: the
    event is refused as a whole (the partner retries), never stored without its message."""
    from django.db import OperationalError

    crime = make_crime(offence="gbh-with-intent", victims=[victim(language="pl")])
    before = JourneyEvent.objects.filter(crime=crime).count()

    def disk_full(**kwargs: Any) -> None:
        raise OperationalError("could not extend file: No space left on device")

    monkeypatch.setattr(dispatch, "_message_for_duty", disk_full)
    with pytest.raises(OperationalError):
        charge(crime)
    assert JourneyEvent.objects.filter(crime=crime).count() == before
    assert not Duty.objects.filter(crime=crime, rule__code="charged-inform").exists()
    assert not ContactTask.objects.filter(crime=crime).exists()
