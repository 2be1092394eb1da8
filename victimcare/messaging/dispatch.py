"""From case events to messages, and from message outcomes back to duties.

Three ways in:

- `messages_for_event`, called by `duties.services.duties_for_event` right after
  an event's duties are created (same transaction): each victim owed an
  informing duty by an event that has a template gets one message on their
  preferred channel, in their language, linked to that duty and event — or,
  when it is not safe to send, no message at all but a contact task for the
  officer in the case. Nothing here ever raises into the event's transaction.
- `message_send_by_staff`: an officer sends a template message from the case
  page (after its preview); refused, with nothing queued, if it is not safe.
- `message_status_changed`, called by the outbox after every committed status
  change: a letter sent, or a text or email delivered, completes its duty; a
  permanent failure, a message needing attention or one cancelled by a safety
  rule reopens the duty it had completed and raises a contact task.

Decisions (docs/decisions.md):
- A message fulfils one duty per victim and event: the event's informing duty
  (`message_fulfils`), so "crime reported" confirms the crime in writing
  (Right 3) but does not pretend to be a needs assessment.
- The victim's preferred channel only. A victim who prefers phone calls gets
  no automated message (their duty stays on the officer's worklist); a channel
  that is not safe is never swapped for another the victim did not choose: the
  officer is asked to contact them safely instead.
- The contact happened when the message was handed to the provider
  (`sent_at`): that is when the force told the victim, as a posted letter is
  counted when posted. A text or email completes its duty only once delivered
  (the receipt proves it arrived, and can come hours later), but its
  timeliness is judged at `sent_at`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import structlog
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.http import HttpRequest
from django.utils import timezone

from victimcare.cases.constants import EventCode
from victimcare.cases.models import Crime, CrimeVictim, JourneyEvent, Victim
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction

from . import services as outbox
from . import wording
from .constants import Channel, RecipientKind, Status, TaskKind, TaskState
from .models import ContactTask, OutboundMessage
from .safety import enqueue_verdict, recipient_for

if TYPE_CHECKING:
    from victimcare.accounts.models import User
    from victimcare.duties.models import Duty

log = structlog.get_logger(__name__)

# Channels a message can be sent by (a victim who prefers phone calls is called).
AUTOMATED_CHANNELS = (Channel.SMS, Channel.EMAIL, Channel.LETTER)
# Statuses that mean the victim was told, by channel: a letter once posted, a
# text or email once delivered.
TOLD: dict[str, frozenset[str]] = {
    Channel.LETTER: frozenset({Status.SENT, Status.DELIVERED}),
    Channel.SMS: frozenset({Status.DELIVERED}),
    Channel.EMAIL: frozenset({Status.DELIVERED}),
}
# Statuses after which a person must contact the victim, and the task they get.
FAILED: dict[str, str] = {
    Status.PERMANENT_FAILURE: TaskKind.DELIVERY_FAILED,
    Status.NEEDS_ATTENTION: TaskKind.NEEDS_ATTENTION,
    Status.CANCELLED: TaskKind.UNSAFE_TO_SEND,
}
# Optional messages (an invitation to rate a contact, the reply to a text answer):
# if one fails or is cancelled, no person needs to contact the victim about it.
NO_TASK_TEMPLATES = frozenset({"feedback_invitation", "feedback_sms_reply"})
# Duties that a written message discharges: telling the victim something. The
# rest (a needs assessment, a referral, a contact plan…) need a person.
FULFILLED_BY_MESSAGE_SUFFIXES = ("-inform", "-explain", "-written-confirmation", "-acknowledge")

# Reasons and errors (no personal data). Tests import them.
TASK_TEMPLATE_PROBLEM = "The message could not be prepared ({problem}): contact the victim."
TASK_UNEXPECTED = "The message could not be prepared (unexpected {error}): contact the victim."
TASK_DELIVERY_FAILED = "The message could not be delivered"
TASK_NEEDS_ATTENTION = "The message was not sent or its outcome is unknown"
TASK_CANCELLED = "The message was cancelled"
TASK_DELIVERED_AFTER_ALL = "The message was delivered after all."
ERROR_NOT_ON_CRIME = "Choose a person linked to this crime."
ERROR_CHANNEL = "Choose text message, email or letter."
ERROR_DUTY = "Choose a duty still owed to this person on this crime."
ERROR_UNSAFE = "This message cannot be sent: {reason}"
ERROR_TEMPLATE = "This message cannot be prepared: {problem}"
REASON_MAX = 300


def message_fulfils(rule_code: str) -> bool:
    """Whether a message telling the victim can discharge the duty of this rule."""
    return rule_code.endswith(FULFILLED_BY_MESSAGE_SUFFIXES)


def channel_label(channel: str) -> str:
    return str(dict(Channel.choices).get(channel, channel))


# --- Tasks ------------------------------------------------------------------------


def task_raise(
    *,
    crime_id: int,
    victim_id: int,
    kind: str,
    reason: str,
    duty_id: int | None = None,
    message: OutboundMessage | None = None,
    assignee_id: int | None = None,
) -> ContactTask:
    """An open contact task for the officer in the case (and the desk), once.

    One task per message and kind (a replayed failure adds nothing); without a
    message, one open task per duty and kind."""
    if assignee_id is None:
        assignee_id = Crime.objects.filter(pk=crime_id).values_list("oic_id", flat=True).first()
    values: dict[str, Any] = {
        "crime_id": crime_id,
        "victim_id": victim_id,
        "duty_id": duty_id,
        "reason": reason[:REASON_MAX],
        "assignee_id": assignee_id,
    }
    if message is not None:
        task, _ = ContactTask.objects.get_or_create(message=message, kind=kind, defaults=values)
        return task
    existing = ContactTask.objects.filter(
        message__isnull=True,
        kind=kind,
        state=TaskState.OPEN,
        crime_id=crime_id,
        victim_id=victim_id,
        duty_id=duty_id,
    ).first()
    return existing or ContactTask.objects.create(kind=kind, **values)


# --- Writing a message ---------------------------------------------------------------


@dataclass(frozen=True)
class Prepared:
    """A message rendered for one victim, ready to queue (or to preview)."""

    rendered: Any  # wording.Rendered
    channel: str
    recipient: str


def message_prepare(
    *,
    crime: Crime,
    victim: Victim,
    template_code: str,
    channel: str,
    event: JourneyEvent | None = None,
    duty: Duty | None = None,
) -> Prepared:
    """Render `template_code` for `victim` on `channel` in their language (and, for
    a letter, their accessible format). Raises wording.TemplateError. Writes nothing."""
    context = wording.message_context(crime=crime, victim=victim, event=event, duty=duty)
    rendered = wording.message_render(
        template_code=template_code,
        channel=channel,
        language=victim.language or "en",
        context=context,
        accessible_format=(victim.accessible_format or "") if channel == Channel.LETTER else "",
    )
    return Prepared(
        rendered=rendered, channel=channel, recipient=recipient_for(victim=victim, channel=channel)
    )


def _enqueue(
    *,
    prepared: Prepared,
    crime: Crime,
    victim: Victim,
    idempotency_key: str,
    duty: Duty | None,
    event: JourneyEvent | None,
) -> OutboundMessage:
    rendered = prepared.rendered
    message = outbox.message_enqueue(
        channel=prepared.channel,
        recipient_kind=RecipientKind.VICTIM,
        recipient=prepared.recipient,
        body=rendered.body,
        # A letter keeps its heading (printed at the top of the PDF).
        subject=rendered.subject or (rendered.title if prepared.channel == Channel.LETTER else ""),
        template_code=rendered.template_code,
        template_version=rendered.version,
        language=rendered.language,
        idempotency_key=idempotency_key,
        crime=crime,
        victim=victim,
    )
    # The outbox's enqueue knows nothing of duties: link them in the same transaction.
    links = {"duty_id": duty.pk if duty else None, "event_id": event.pk if event else None}
    if any(links.values()) and message.duty_id is None and message.event_id is None:
        OutboundMessage.objects.filter(pk=message.pk).update(**links)
        message.duty_id, message.event_id = links["duty_id"], links["event_id"]
    return message


def _message_for_duty(*, duty: Duty, event: JourneyEvent, template_code: str) -> None:
    crime = Crime.objects.select_related("offence", "oic", "team").get(pk=duty.crime_id)
    victim = Victim.objects.get(pk=duty.victim_id)
    channel = victim.preferred_channel
    if channel not in AUTOMATED_CHANNELS:
        return  # they prefer a call: the duty stays on the officer's worklist
    verdict = enqueue_verdict(victim=victim, channel=channel, crime=crime)
    if not verdict.allowed:
        task_raise(
            crime_id=crime.pk,
            victim_id=victim.pk,
            kind=TaskKind.UNSAFE_TO_SEND,
            reason=verdict.reason,
            duty_id=duty.pk,
            assignee_id=crime.oic_id,
        )
        log.info("messaging.not_queued_unsafe", duty_id=duty.pk, event_id=event.pk)
        return
    prepared = message_prepare(
        crime=crime,
        victim=victim,
        template_code=template_code,
        channel=channel,
        event=event,
        duty=duty,
    )
    key = f"duty:{duty.pk}:{prepared.rendered.template_code}:v{prepared.rendered.version}:{channel}"
    _enqueue(
        prepared=prepared, crime=crime, victim=victim, idempotency_key=key, duty=duty, event=event
    )


def messages_for_event(*, event: JourneyEvent, duties: Sequence[Duty]) -> None:
    """Queue the messages `event` owes its victims (or raise tasks), for `duties`
    just created by it. Called inside the event's transaction.

    For each victim, the first duty `message_fulfils` gets one message if the
    event has a template. Not safe to send (enqueue_verdict): no message row, a
    contact task instead. A template that cannot be rendered, or any other
    error, also becomes a task (logged): the event and its duties are never
    rolled back because a message could not be written. A database error is
    not such a problem: it fails the whole event, to be retried. Idempotent (the key is
    the duty, template version and channel)."""
    if not duties:
        return
    template_code = wording.template_for_event(event.code)
    if not template_code:
        return
    chosen: dict[int, Duty] = {}
    for duty in sorted(duties, key=lambda d: d.pk):
        if message_fulfils(duty.rule.code):
            chosen.setdefault(duty.victim_id, duty)
    for duty in chosen.values():
        try:
            with transaction.atomic():
                _message_for_duty(duty=duty, event=event, template_code=template_code)
        except wording.TemplateError as error:
            log.warning(
                "messaging.template_failed",
                duty_id=duty.pk,
                template=template_code,
                error=type(error).__name__,
            )
            reason = TASK_TEMPLATE_PROBLEM.format(problem=_problem(error))
        except DatabaseError:
            # The database itself failed (disk full, a timeout, a lost connection):
            # the event must fail as a whole and be retried, not commit without its
            # message (the fault tests' "nothing half-written").
            raise
        except Exception as error:
            log.exception("messaging.dispatch_failed", duty_id=duty.pk, event_id=event.pk)
            reason = TASK_UNEXPECTED.format(error=type(error).__name__)
        else:
            continue
        task_raise(
            crime_id=duty.crime_id,
            victim_id=duty.victim_id,
            kind=TaskKind.UNSAFE_TO_SEND,
            reason=reason,
            duty_id=duty.pk,
        )


def _problem(error: Exception) -> str:
    # TemplateError texts name templates and placeholders, never personal data.
    return (str(error) or type(error).__name__)[:150]


# --- A message sent by a person ----------------------------------------------------------


def _owed_duty(*, actor: User, crime: Crime, victim: Victim, duty_id: int | None) -> Duty | None:
    from victimcare.duties.models import Duty
    from victimcare.duties.services import may_act_on_duty

    if duty_id is None:
        return None
    duty = (
        Duty.objects.filter(pk=duty_id, crime=crime, victim=victim)
        .select_related("crime", "owner_organisation")
        .first()
    )
    if duty is None or not duty.owed or not may_act_on_duty(user=actor, duty=duty):
        raise ValidationError({"duty": [ERROR_DUTY]})
    return duty


@transaction.atomic
def message_send_by_staff(
    *,
    actor: User,
    crime: Crime,
    victim: Victim,
    template_code: str,
    channel: str,
    token: str,
    duty_id: int | None = None,
    request: HttpRequest | None = None,
) -> OutboundMessage:
    """Queue a template message to a victim of `crime`, chosen by a person.

    For people who may record events on the crime (`cases.record_event`). The
    same safe-contact rules as automatic messages apply (enqueue_verdict), and
    send time checks again: refused with ValidationError, nothing queued, if
    not safe, if the person is not on the crime, if `duty_id` is not a duty
    still owed to them that `actor` may act on, or if the template cannot be
    rendered. `token` (one per form shown) makes a double submit queue once.
    Linked to the duty, the message completes it when it reaches the victim.
    Writes a CREATE audit entry (ids only)."""
    if not actor.has_perm("cases.record_event", crime):
        raise PermissionDenied
    if not CrimeVictim.objects.filter(crime=crime, victim=victim).exists():
        raise ValidationError({"victim": [ERROR_NOT_ON_CRIME]})
    if channel not in AUTOMATED_CHANNELS:
        raise ValidationError({"channel": [ERROR_CHANNEL]})
    duty = _owed_duty(actor=actor, crime=crime, victim=victim, duty_id=duty_id)
    verdict = enqueue_verdict(victim=victim, channel=channel, crime=crime)
    if not verdict.allowed:
        raise ValidationError({"channel": [ERROR_UNSAFE.format(reason=verdict.reason)]})
    fresh = Victim.objects.get(pk=victim.pk)
    try:
        prepared = message_prepare(
            crime=crime,
            victim=fresh,
            template_code=template_code,
            channel=channel,
            event=duty.event if duty is not None else None,
            duty=duty,
        )
    except wording.TemplateError as error:
        raise ValidationError(
            {"template": [ERROR_TEMPLATE.format(problem=_problem(error))]}
        ) from error
    rendered = prepared.rendered
    key = f"staff:{token}:{rendered.template_code}:v{rendered.version}:{channel}"
    if (existing := OutboundMessage.objects.filter(idempotency_key=key).first()) is not None:
        return existing  # the same form submitted again
    message = _enqueue(
        prepared=prepared,
        crime=crime,
        victim=fresh,
        idempotency_key=key,
        duty=duty,
        event=duty.event if duty is not None else None,
    )
    audit_record(
        action=AuditAction.CREATE,
        request=request,
        actor=actor,
        object_type="messaging.outboundmessage",
        object_id=str(message.pk),
        subject_type="cases.victim",
        subject_id=victim.pk,
        detail={
            "crime_id": crime.pk,
            "template": rendered.template_code,
            "version": rendered.version,
            "channel": channel,
            "duty_id": duty.pk if duty is not None else None,
        },
    )
    return message


# --- Outcomes ------------------------------------------------------------------------


def _failure_reason(message: OutboundMessage) -> str:
    if message.status == Status.CANCELLED:
        return message.safety_reason or TASK_CANCELLED
    base = (
        TASK_DELIVERY_FAILED if message.status == Status.PERMANENT_FAILURE else TASK_NEEDS_ATTENTION
    )
    return f"{base} ({message.last_error})." if message.last_error else f"{base}."


def message_status_changed(*, message: OutboundMessage, old: str, new: str) -> None:
    """React to a message's new status (complete or reopen its duty, raise a task).

    Called after the change is committed; idempotent. It acts on the row's
    status as read now, not on `new`, so a replayed or late call for an older
    change never undoes a newer one. Told (letter sent; text or email
    delivered): the linked duty is done (a system-recorded contact event) and
    the message's open tasks are closed. Failed (permanent failure, needs
    attention, cancelled): the duty it completed is reopened, and unless its
    duty was done some other way, a contact task is raised for the officer in
    the case and the desk (a cancellation with no safety reason was a person's
    decision and raises none). Staff messages are ignored."""
    from victimcare.duties import services as duty_services

    with transaction.atomic():
        current = (
            OutboundMessage.objects.select_for_update(of=("self",))
            .select_related("duty")
            .filter(pk=message.pk)
            .first()
        )
        if current is None or current.recipient_kind != RecipientKind.VICTIM:
            return
        message_id = str(current.pk)
        if current.status in TOLD.get(current.channel, frozenset()):
            _tasks_close(current)
            if current.duty is not None:
                duty_services.duty_complete_by_message(
                    duty=current.duty,
                    message_id=message_id,
                    code=EventCode.CONTACT_LETTER
                    if current.channel == Channel.LETTER
                    else EventCode.CONTACT_MESSAGE,
                    channel_label=channel_label(current.channel),
                    at=current.sent_at or current.completed_at or timezone.now(),
                )
            return
        kind = FAILED.get(current.status)
        if kind is None or current.victim_id is None or current.crime_id is None:
            return
        if current.duty_id is None and current.template_code in NO_TASK_TEMPLATES:
            return  # optional: nobody needs to contact the victim about it
        reason = _failure_reason(current)
        if current.duty is not None:
            duty_services.duty_reopen(duty=current.duty, message_id=message_id, reason=reason)
            if not _still_owed(current.duty):
                return  # someone told the victim another way
        if current.status == Status.CANCELLED and not current.safety_reason:
            return
        task_raise(
            crime_id=current.crime_id,
            victim_id=current.victim_id,
            kind=kind,
            reason=reason,
            duty_id=current.duty_id,
            message=current,
        )


def _still_owed(duty: Duty) -> bool:
    from victimcare.duties.models import Duty as DutyModel

    current = DutyModel.objects.get(pk=duty.pk)
    seen = {current.pk}
    while current.replaced_by_id and current.replaced_by_id not in seen:
        current = DutyModel.objects.get(pk=current.replaced_by_id)
        seen.add(current.pk)
    return current.owed


def _tasks_close(message: OutboundMessage) -> None:
    ContactTask.objects.filter(message=message, state=TaskState.OPEN).exclude(
        kind=TaskKind.UNSAFE_TO_SEND
    ).update(state=TaskState.DONE, done_at=timezone.now(), done_note=TASK_DELIVERED_AFTER_ALL)


# --- A person marks a task done ---------------------------------------------------------

TASK_NOTE_REQUIRED = "Say what you did, for example that you called the victim."
TASK_NOTE_TOO_LONG = "The note must be 500 characters or fewer."
TASK_ALREADY_DONE = "This task has already been marked as done."
TASK_NOTE_MAX = 500


@transaction.atomic
def task_mark_done(
    *, actor: User, task: ContactTask, note: str, request: HttpRequest | None = None
) -> ContactTask:
    """Mark a contact task done with a note of what was done.

    For people who may view the task's crime and act on it (the policy:
    `messaging.act_on_task`). Refused (ValidationError, nothing changed)
    without a note, with an over-long one, or if already done. Writes a CHANGE
    audit entry (ids only: the note is not copied into the log)."""
    if not actor.has_perm("messaging.act_on_task", task):
        raise PermissionDenied
    note = (note or "").strip()
    errors: dict[str, list[str]] = {}
    if not note:
        errors["note"] = [TASK_NOTE_REQUIRED]
    elif len(note) > TASK_NOTE_MAX:
        errors["note"] = [TASK_NOTE_TOO_LONG]
    locked = ContactTask.objects.select_for_update().get(pk=task.pk)
    if locked.state != TaskState.OPEN:
        errors["task"] = [TASK_ALREADY_DONE]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    ContactTask.objects.filter(pk=task.pk).update(
        state=TaskState.DONE, done_at=now, done_by=actor, done_note=note
    )
    audit_record(
        action=AuditAction.CHANGE,
        request=request,
        actor=actor,
        object_type="messaging.contacttask",
        object_id=task.pk,
        subject_type="cases.victim",
        subject_id=task.victim_id,
        detail={"state": TaskState.DONE, "crime_id": task.crime_id, "kind": task.kind},
    )
    if task.kind == TaskKind.REFERRAL_DATA_PROBLEM:  # the officer says the data is fixed
        from victimcare.referrals.inbox import problem_fixed_by_task

        problem_fixed_by_task(task_id=task.pk, actor=actor)
    task.refresh_from_db()
    return task


# --- Safe channel confirmed -------------------------------------------------------------

SAFE_CHANNEL_CONFIRMED = "Safe channel confirmed with the victim"


@transaction.atomic
def safe_channel_confirm(
    *, actor: User, crime: Crime, victim: Victim, request: HttpRequest | None = None
) -> Victim:
    """Record that a person confirmed with the victim that their recorded contact
    channels are safe, so automated messages may go (restricted cases).

    For people who may edit the crime's needs (`cases.edit_needs`: the police,
    the desk, Witness Care, the CPS). The victim must be on the crime. Writes a
    CHANGE audit entry. Confirming again updates who and when."""
    if not actor.has_perm("cases.edit_needs", crime):
        raise PermissionDenied
    if not CrimeVictim.objects.filter(crime=crime, victim=victim).exists():
        raise ValidationError({"victim": [ERROR_NOT_ON_CRIME]})
    now = timezone.now()
    Victim.objects.filter(pk=victim.pk).update(
        safe_channel_confirmed_at=now, safe_channel_confirmed_by=actor, updated_at=now
    )
    audit_record(
        action=AuditAction.CHANGE,
        request=request,
        actor=actor,
        object_type="cases.victim",
        object_id=victim.pk,
        subject_type="cases.victim",
        subject_id=victim.pk,
        detail={"safe_channel_confirmed": True, "crime_id": crime.pk},
    )
    victim.refresh_from_db()
    return victim
