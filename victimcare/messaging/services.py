"""Writes to the outbox: enqueue, claim, send, sweep.

Every status change is one conditional UPDATE whose WHERE clause names the
status it expects (and, for a worker, its own claim), so a worker that lost
its lease, or a sweep racing a worker, changes nothing; each change that
happens writes a MessageStatusEvent in the same transaction.

The contract (docs/decisions.md): every message reaches a terminal status or
needs_attention; a second provider call for a message happens only after a
look-up by its reference found nothing. Exactly-once to a provider is not
promised; the remaining window is a worker whose lease expired while its call
was still in flight, which the lease (well above the client timeout) closes.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

import structlog
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from victimcare.cases.models import Crime, Victim

from . import dispatch, safety
from .channels import ChannelError, FailureKind, MessageChannel, channel_for
from .constants import (
    CLAIMABLE_WHEN_DUE,
    CLAIMABLE_WHEN_LEASE_EXPIRED,
    Channel,
    EventSource,
    RecipientKind,
    Status,
    transition_check,
)
from .models import MessageStatusEvent, OutboundMessage
from .ratelimit import rate_limit_penalise, rate_limit_take

log = structlog.get_logger(__name__)
SWEEP_BATCH = 500


FAULT_POINT_ENV = "VICTIMCARE_MESSAGING_FAULT_POINT"


def _fault_point(name: str) -> None:
    """Fault injection for the subprocess fault tests: SIGKILL this process at `name`.

    Active only when the environment variable VICTIMCARE_MESSAGING_FAULT_POINT
    equals `name` ("after_claim": claimed, provider not called; "after_send":
    the provider accepted, nothing recorded yet). Never set in production.
    """
    if os.environ.get(FAULT_POINT_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def _status_changed(message_id: str, old: str, new: str) -> None:
    """Run dispatch.message_status_changed for one committed change.

    The hook belongs to other modules (duties, contact tasks); whatever it
    raises is logged by type only (its message could carry personal data) and
    never reaches the outbox, whose change is already committed.
    """
    try:
        message = OutboundMessage.objects.filter(pk=message_id).first()
        if message is not None:
            dispatch.message_status_changed(message=message, old=old, new=new)
    except Exception as exc:
        log.error(
            "messaging.status_hook_failed",
            message_id=message_id,
            old=old,
            new=new,
            error=type(exc).__name__,
        )


def worker_identity() -> str:
    """host:pid:thread, recorded in `claimed_by` and in status events."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{threading.get_ident() % 100000}"


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.MESSAGING_LEASE_SECONDS)


def retry_delay(attempts: int) -> dt.timedelta:
    """Exponential back-off after the `attempts`-th attempt failed: base·2^(n-1), capped."""
    seconds = settings.MESSAGING_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return dt.timedelta(seconds=min(seconds, settings.MESSAGING_RETRY_MAX_SECONDS))


def _move(
    message_id: uuid.UUID | str,
    *,
    source: str,
    target: str,
    by: EventSource,
    worker_id: str = "",
    detail: str = "",
    only_if: Q | None = None,
    now: dt.datetime | None = None,
    raw: str | None = None,
    **fields: Any,
) -> bool:
    """Move one row from `source` to `target` if it is still in `source` (and `only_if`).

    Returns whether the row moved. Raises IllegalTransition for an edge the
    state machine forbids, whatever the row's state. A move that happened
    calls dispatch.message_status_changed once its transaction commits.
    """
    transition_check(source, target)
    now = now or timezone.now()
    rows = OutboundMessage.objects.filter(pk=message_id, status=source)
    if only_if is not None:
        rows = rows.filter(only_if)
    with transaction.atomic():
        moved = rows.update(status=target, updated_at=now, **fields)
        if moved:
            attempt = OutboundMessage.objects.filter(pk=message_id).values_list(
                "attempts", flat=True
            )[0]
            MessageStatusEvent.objects.create(
                message_id=message_id,
                from_status=source,
                to_status=target,
                source=by,
                worker_id=worker_id,
                attempt=attempt,
                detail=detail[:200],
                occurred_at=now,
                raw=raw,
            )
            changed = (str(message_id), str(source), str(target))
            # After the outermost commit (at once if there is no outer transaction).
            transaction.on_commit(lambda: _status_changed(*changed))
    return bool(moved)


@transaction.atomic
def message_enqueue(
    *,
    channel: Channel | str,
    recipient_kind: RecipientKind | str,
    recipient: str,
    body: str,
    template_code: str,
    idempotency_key: str,
    template_version: int = 1,
    language: str = "en",
    subject: str = "",
    crime: Crime | None = None,
    victim: Victim | None = None,
) -> OutboundMessage:
    """Write a message into the outbox inside the caller's transaction.

    The same `idempotency_key` always answers the row already written (nothing
    new is written or sent, whatever the other arguments say). A new row rings
    the doorbell (enqueues message_send_task) only once the outermost
    transaction commits, so a rolled-back change leaves neither row nor task.
    """
    existing = OutboundMessage.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    message = OutboundMessage(
        channel=channel,
        recipient_kind=recipient_kind,
        recipient=recipient,
        body=body,
        subject=subject,
        template_code=template_code,
        template_version=template_version,
        language=language,
        idempotency_key=idempotency_key,
        crime=crime,
        victim=victim,
    )
    try:
        # A concurrent transaction may insert the same key first; on PostgreSQL
        # this insert waits for it and then fails, and its row is the answer.
        with transaction.atomic():
            message.save(force_insert=True)
    except IntegrityError:
        return OutboundMessage.objects.get(idempotency_key=idempotency_key)
    MessageStatusEvent.objects.create(
        message=message, from_status="", to_status=Status.PENDING, source=EventSource.ENQUEUE
    )
    message_id = str(message.id)
    transaction.on_commit(lambda: messages_doorbell_ring(message_ids=[message_id]))
    return message


ERASED = "[erased at the person's request]"


def message_withdraw(*, message_id: uuid.UUID | str, reason: str) -> bool:
    """Someone asked for their data to be erased: stop the message and blank it.

    A message not yet handed to a worker (pending, or waiting to retry) is
    cancelled with `reason` (rule words, no personal data). Its recipient,
    subject and body are then erased unless a worker is sending it right now
    (claimed or sending: the send completes, and its content goes with the
    outbox's retention). Returns whether it was cancelled here."""
    cancelled = any(
        _move(
            message_id,
            source=source,
            target=Status.CANCELLED,
            by=EventSource.SWEEP,
            detail=reason,
            completed_at=timezone.now(),
        )
        for source in (Status.PENDING, Status.TEMPORARY_FAILURE)
    )
    OutboundMessage.objects.filter(pk=message_id).exclude(
        status__in=(Status.CLAIMED, Status.SENDING)
    ).update(recipient=ERASED, subject="", body=ERASED, updated_at=timezone.now())
    return cancelled


def messages_doorbell_ring(*, message_ids: list[str]) -> int:
    """Enqueue message_send_task for each id; returns how many were enqueued.

    A failure to enqueue is logged and left to messages_sweep, which rings again
    for any due row whose doorbell is missing or older than the grace period.
    """
    from .tasks import message_send_task

    rung = 0
    for message_id in message_ids:
        # The doorbell time is written BEFORE the task exists: written after, its
        # brief row lock could meet a worker that already took the task, whose
        # SKIP LOCKED claim would pass the row by and leave the message to the
        # sweep's grace period (seen in the load test: minutes late).
        rows = OutboundMessage.objects.filter(pk=message_id)
        rows.update(doorbell_at=timezone.now())
        try:
            message_send_task.enqueue(message_id=message_id)
        except Exception:
            log.exception("messaging.doorbell_failed", message_id=message_id)
            rows.update(doorbell_at=None)  # the sweep rings it at its next run
            continue
        rung += 1
    return rung


def _claimable(now: dt.datetime) -> Q:
    return Q(attempts__lt=settings.MESSAGING_MAX_ATTEMPTS) & (
        Q(status__in=CLAIMABLE_WHEN_DUE, next_attempt_at__lte=now)
        | Q(status__in=CLAIMABLE_WHEN_LEASE_EXPIRED, lease_until__lt=now)
    )


def message_claim(
    *,
    worker_id: str,
    lease: dt.timedelta,
    message_id: uuid.UUID | str | None = None,
    now: dt.datetime | None = None,
) -> OutboundMessage | None:
    """Claim one due message (that one, if `message_id` is given) for `worker_id`.

    Claimable: pending or temporarily failed rows that are due, and claimed or
    sending rows whose lease expired, below the attempt limit. The claim is a
    conditional UPDATE that re-checks all of that, so of two workers only one
    wins; on PostgreSQL the candidate is picked with SKIP LOCKED so workers do
    not queue behind each other. Returns the claimed row, or None.
    """
    now = now or timezone.now()
    below_limit = Q(attempts__lt=settings.MESSAGING_MAX_ATTEMPTS)
    searches: list[tuple[Q, str]]
    if message_id is not None:
        searches = [(Q(pk=message_id) & _claimable(now), "next_attempt_at")]
    else:
        # One index probe per kind of due row (lease expired, retry due, new and
        # due), each in index order: one OR across them would scan and sort
        # every pending row on each claim.
        searches = [
            (below_limit & Q(status=status, lease_until__lt=now), "lease_until")
            for status in sorted(CLAIMABLE_WHEN_LEASE_EXPIRED)
        ] + [
            (below_limit & Q(status=status, next_attempt_at__lte=now), "next_attempt_at")
            for status in (Status.TEMPORARY_FAILURE, Status.PENDING)
        ]
    with transaction.atomic():
        candidate = None
        for search, order in searches:
            candidates = OutboundMessage.objects.filter(search)
            if connection.features.has_select_for_update_skip_locked:
                candidates = candidates.select_for_update(skip_locked=True)
            candidate = candidates.order_by(order).values_list("pk", "status").first()
            if candidate is not None:
                break
        if candidate is None:
            return None
        pk, source = candidate
        claimed = _move(
            pk,
            source=source,
            target=Status.CLAIMED,
            by=EventSource.WORKER,
            worker_id=worker_id,
            only_if=_claimable(now),
            now=now,
            claimed_by=worker_id,
            lease_until=now + lease,
            attempts=F("attempts") + 1,
            detail="re-claimed after lease expiry"
            if source in CLAIMABLE_WHEN_LEASE_EXPIRED
            else "",
        )
    if not claimed:
        return None
    return OutboundMessage.objects.get(pk=pk)


@dataclass
class SendOutcome:
    """What message_send did: `result` is one of RESULTS."""

    result: str
    message_id: str
    provider_id: str = ""
    detail: str = ""


RESULTS = ("not_claimed", "sent", "reconciled", "failed", "lost_lease", "cancelled", "postponed")


def _release(
    message: OutboundMessage, *, worker_id: str, until: dt.datetime, detail: str
) -> SendOutcome:
    """Give a claimed message back (CLAIMED -> PENDING) before any provider call.

    The attempt the claim counted is taken back: nothing was tried.
    """
    moved = _move(
        message.pk,
        source=Status.CLAIMED,
        target=Status.PENDING,
        by=EventSource.WORKER,
        worker_id=worker_id,
        detail=detail,
        only_if=Q(claimed_by=worker_id),
        next_attempt_at=until,
        lease_until=None,
        claimed_by="",
        attempts=F("attempts") - 1,
    )
    return SendOutcome("postponed" if moved else "lost_lease", str(message.pk), detail=detail)


def _rate_limit_per_minute() -> float | None:
    rate = settings.MESSAGING_RATE_PER_MINUTE
    return float(rate) if rate else None


def _record_failure(
    message: OutboundMessage,
    *,
    source: str,
    worker_id: str,
    error: ChannelError,
    bucket: str | None = None,
) -> SendOutcome:
    now = timezone.now()
    mine = Q(claimed_by=worker_id)
    common: dict[str, Any] = {
        "by": EventSource.PROVIDER,
        "worker_id": worker_id,
        "detail": error.detail,
        "only_if": mine,
        "now": now,
        "last_error": error.detail,
        "lease_until": None,
    }
    if error.kind == FailureKind.PERMANENT:
        target, extra = Status.PERMANENT_FAILURE, {"completed_at": now}
    elif error.kind == FailureKind.RATE_LIMITED:
        # Refused for our pace, not for this message: no attempt is counted, and
        # every worker sharing the bucket pauses (rate_limit_penalise).
        back_off = settings.MESSAGING_RATE_429_BACKOFF_SECONDS
        target = Status.TEMPORARY_FAILURE
        extra = {
            "next_attempt_at": now + max(retry_delay(1), dt.timedelta(seconds=back_off)),
            "attempts": F("attempts") - 1,
        }
        if bucket:
            rate_limit_penalise(
                name=bucket, rate_per_minute=_rate_limit_per_minute(), seconds=back_off
            )
    elif error.kind == FailureKind.CONFIGURATION:
        target, extra = Status.NEEDS_ATTENTION, {}
    elif message.attempts >= settings.MESSAGING_MAX_ATTEMPTS:
        target, extra = Status.NEEDS_ATTENTION, {}
        common["detail"] = f"max attempts; {error.detail}"
    else:
        target = Status.TEMPORARY_FAILURE
        extra = {"next_attempt_at": now + retry_delay(message.attempts)}
    moved = _move(message.pk, source=source, target=target, **common, **extra)
    log.warning(
        "messaging.send_failed",
        message_id=str(message.pk),
        kind=str(error.kind),
        detail=error.detail,
        status=target,
        recorded=moved,
    )
    return SendOutcome("failed" if moved else "lost_lease", str(message.pk), detail=error.detail)


def _safety_verdict(message: OutboundMessage) -> safety.Verdict:
    """The send-time safe-contact verdict; a crash in it never lets the message go."""
    try:
        return safety.send_time_verdict(message=message)
    except Exception as exc:
        log.error(
            "messaging.safety_check_failed", message_id=str(message.pk), error=type(exc).__name__
        )
        raise ChannelError(
            FailureKind.TEMPORARY, f"safety check failed ({type(exc).__name__})"
        ) from exc


def _reconciled(message: OutboundMessage, *, worker_id: str, provider_id: str) -> SendOutcome:
    now = timezone.now()
    _move(
        message.pk,
        source=Status.CLAIMED,
        target=Status.SENT,
        by=EventSource.RECONCILE,
        worker_id=worker_id,
        detail="provider already had this reference; not resent",
        only_if=Q(claimed_by=worker_id),
        now=now,
        provider_id=provider_id[:100],
        sent_at=now,
        lease_until=None,
        last_error="",
    )
    log.info("messaging.reconciled", message_id=str(message.pk))
    _apply_held_receipts(message.pk)
    return SendOutcome("reconciled", str(message.pk), provider_id=provider_id)


def _apply_held_receipts(message_id: uuid.UUID | str) -> None:
    from .callbacks import receipts_apply_held

    try:
        receipts_apply_held(message_id=message_id)
    except Exception as exc:
        # The poll job applies them later; the send itself is recorded.
        log.error(
            "messaging.held_receipts_failed", message_id=str(message_id), error=type(exc).__name__
        )


def message_send(*, message_id: uuid.UUID | str | None = None, worker_id: str) -> SendOutcome:
    """Claim one message (that one, or else the next due one) and hand it to its
    channel, recording the outcome.

    In order: claim; if this is not the first attempt, look the reference up at
    the provider and, if it is there, mark the message sent without resending;
    ask safety.send_time_verdict (not allowed: cancelled with its reason, never
    sent; not before a time: claim released until then); take a token from the
    channel's shared rate-limit bucket (none within MESSAGING_RATE_MAX_WAIT_SECONDS:
    claim released until one is due); mark `sending`; call the channel.

    Not atomic, on purpose: the claim, the move to `sending` and the result
    each commit on their own, so the `sending` mark is durable before the
    provider is called and no transaction is held open across it. A released
    claim counts no attempt. Called by message_send_task and the send-messages
    worker loop; safe to call any number of times.
    """
    message = message_claim(worker_id=worker_id, lease=_lease(), message_id=message_id)
    if message is None:
        return SendOutcome("not_claimed", str(message_id or ""))
    _fault_point("after_claim")
    channel: MessageChannel = channel_for(message.channel)
    mine = Q(claimed_by=worker_id)

    if message.attempts > 1:
        try:
            found = channel.lookup(message.reference)
        except ChannelError as error:
            return _record_failure(message, source=Status.CLAIMED, worker_id=worker_id, error=error)
        if found:
            return _reconciled(message, worker_id=worker_id, provider_id=found)

    try:
        verdict = _safety_verdict(message)
    except ChannelError as error:
        return _record_failure(message, source=Status.CLAIMED, worker_id=worker_id, error=error)
    if not verdict.allowed:
        now = timezone.now()
        reason = (verdict.reason or "not safe to send")[:200]
        _move(
            message.pk,
            source=Status.CLAIMED,
            target=Status.CANCELLED,
            by=EventSource.WORKER,
            worker_id=worker_id,
            detail=f"safe contact: {reason}",
            only_if=mine,
            now=now,
            safety_reason=reason,
            completed_at=now,
            lease_until=None,
        )
        log.info("messaging.cancelled_unsafe", message_id=str(message.pk))
        return SendOutcome("cancelled", str(message.pk), detail=reason)
    if verdict.not_before is not None and verdict.not_before > timezone.now():
        return _release(
            message, worker_id=worker_id, until=verdict.not_before, detail="outside safe hours"
        )

    bucket = channel.rate_bucket
    if bucket:
        wait = rate_limit_take(
            name=bucket,
            rate_per_minute=_rate_limit_per_minute(),
            max_wait=settings.MESSAGING_RATE_MAX_WAIT_SECONDS,
        )
        if wait > 0:
            until = timezone.now() + dt.timedelta(seconds=wait)
            return _release(message, worker_id=worker_id, until=until, detail="rate limit")

    if not _move(
        message.pk,
        source=Status.CLAIMED,
        target=Status.SENDING,
        by=EventSource.WORKER,
        worker_id=worker_id,
        only_if=mine,
        lease_until=timezone.now() + _lease(),
    ):
        return SendOutcome("lost_lease", str(message.pk))

    failure = {"source": Status.SENDING, "worker_id": worker_id, "bucket": bucket}
    try:
        provider_id = channel.send(message)
    except ChannelError as error:
        return _record_failure(message, error=error, **failure)
    except Exception as exc:
        # A bug or an unexpected library error: the outcome is unknown, so the
        # row is retried (after a look-up) rather than left in `sending`.
        log.error("messaging.send_crashed", message_id=str(message.pk), error=type(exc).__name__)
        error = ChannelError(FailureKind.UNCERTAIN, f"unexpected {type(exc).__name__}")
        return _record_failure(message, error=error, **failure)
    _fault_point("after_send")

    now = timezone.now()
    recorded = _move(
        message.pk,
        source=Status.SENDING,
        target=Status.SENT,
        by=EventSource.PROVIDER,
        worker_id=worker_id,
        only_if=mine,
        now=now,
        provider_id=provider_id[:100],
        sent_at=now,
        lease_until=None,
        last_error="",
    )
    log.info("messaging.sent", message_id=str(message.pk), channel=channel.name)
    if recorded and getattr(channel, "delivers_at_once", False):
        _move(
            message.pk,
            source=Status.SENT,
            target=Status.DELIVERED,
            by=EventSource.PROVIDER,
            worker_id=worker_id,
            detail="delivered to the local outbox",
            now=now,
            completed_at=now,
        )
    elif recorded:
        _apply_held_receipts(message.pk)
    return SendOutcome("sent" if recorded else "lost_lease", str(message.pk), provider_id)


@dataclass
class SweepResult:
    rung: list[str] = field(default_factory=list)
    needs_attention: list[str] = field(default_factory=list)


def messages_sweep_once(*, now: dt.datetime | None = None) -> SweepResult:
    """Re-ring due rows whose doorbell is missing or stale; give up on exhausted rows.

    Due rows are pending/temporarily failed rows past next_attempt_at and
    claimed/sending rows past their lease. A due row at the attempt limit, or
    older than MESSAGING_MAX_AGE_HOURS, moves to needs_attention (for a
    `sending` row the provider's outcome is then unknown, and the detail says
    so). Others get a new doorbell unless one was rung since they became due
    and less than the grace period ago. Idempotent; safe on several workers.
    """
    now = now or timezone.now()
    grace = now - dt.timedelta(seconds=settings.MESSAGING_DOORBELL_GRACE_SECONDS)
    too_old = now - dt.timedelta(hours=settings.MESSAGING_MAX_AGE_HOURS)
    due_now = Q(status__in=CLAIMABLE_WHEN_DUE, next_attempt_at__lte=now)
    lease_expired = Q(status__in=CLAIMABLE_WHEN_LEASE_EXPIRED, lease_until__lt=now)
    rows = (
        OutboundMessage.objects.filter(due_now | lease_expired)
        .order_by("next_attempt_at")
        .values_list(
            "pk",
            "status",
            "attempts",
            "created_at",
            "doorbell_at",
            "next_attempt_at",
            "lease_until",
        )
    )[:SWEEP_BATCH]
    result = SweepResult()
    for pk, status, attempts, created_at, doorbell_at, next_attempt_at, lease_until in rows:
        exhausted = attempts >= settings.MESSAGING_MAX_ATTEMPTS
        if exhausted or created_at < too_old:
            reason = "max attempts" if exhausted else "max age"
            if status == Status.SENDING:
                reason += "; provider outcome unknown, look the reference up"
            if _move(
                pk,
                source=status,
                target=Status.NEEDS_ATTENTION,
                by=EventSource.SWEEP,
                detail=reason,
                only_if=due_now | lease_expired,
                now=now,
                last_error=reason[:200],
                lease_until=None,
            ):
                result.needs_attention.append(str(pk))
            continue
        became_due = next_attempt_at if status in CLAIMABLE_WHEN_DUE else lease_until
        if doorbell_at is None or doorbell_at <= grace or doorbell_at < became_due:
            result.rung.append(str(pk))
    if result.needs_attention:
        log.warning("messaging.needs_attention", count=len(result.needs_attention))
    if result.rung:
        messages_doorbell_ring(message_ids=result.rung)
    log.info("messaging.swept", rung=len(result.rung), needs_attention=len(result.needs_attention))
    return result
