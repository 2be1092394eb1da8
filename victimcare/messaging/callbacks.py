"""Delivery receipts and inbound texts from GOV.UK Notify, and the poll for lost receipts.

A receipt is stored exactly as received (DeliveryReceipt) in its own commit
before anything is done with it, then applied to its message through the same
conditional status moves as the workers use, so duplicates, late and
out-of-order receipts cannot move a message backwards:

- `delivered` / `permanent-failure`: the terminal status (from `sent`, or from
  `needs_attention`: a late receipt still counts).
- `temporary-failure` / `technical-failure`: `needs_attention` (Notify gave up
  after accepting; resending under the same reference would be reconciled away,
  so a person decides).
- A receipt for a message still `claimed`/`sending` (its worker died, or has
  not recorded the reply yet) first marks it `sent`: the receipt proves Notify
  has it. A receipt for a message `pending`/`temporary_failure` (an unknown
  outcome not yet reconciled) is held (applied=False) and applied when the
  message is marked sent.
- A terminal status is never left; a receipt that would change it is kept with
  the outcome "ignored".
- An unknown reference is kept with the outcome "unknown reference"; the
  endpoint still answers 200, because the reference never becomes known later
  (our row and its UUID are committed before Notify is called) and a non-2xx
  answer only makes Notify retry the same callback.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

import structlog
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .channels import ChannelError, NotifyChannel, channel_name_for
from .constants import TERMINAL, EventSource, ReceiptStatus, Status, transition_allowed
from .models import DeliveryReceipt, InboundSms, OutboundMessage
from .ratelimit import rate_limit_take
from .services import _move, _rate_limit_per_minute
from .signals import inbound_sms_received

log = structlog.get_logger(__name__)

# What each Notify status means for the message (None: no change).
RECEIPT_TARGETS: dict[str, str | None] = {
    ReceiptStatus.DELIVERED: Status.DELIVERED,
    ReceiptStatus.PERMANENT_FAILURE: Status.PERMANENT_FAILURE,
    ReceiptStatus.TEMPORARY_FAILURE: Status.NEEDS_ATTENTION,
    ReceiptStatus.TECHNICAL_FAILURE: Status.NEEDS_ATTENTION,
    ReceiptStatus.SENDING: None,
    ReceiptStatus.SENT: None,
}
UNKNOWN_REFERENCE = "unknown reference"
HELD = "held: message not yet marked sent"


class InvalidCallback(ValueError):
    """A callback body we cannot use (not a JSON object, or a required field missing)."""


def parse_callback_body(raw: bytes) -> dict[str, Any]:
    """The JSON object of a callback body, or InvalidCallback."""
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidCallback("body is not JSON") from exc
    if not isinstance(body, dict):
        raise InvalidCallback("body is not a JSON object")
    return body


def _when(value: object) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        return None
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, dt.UTC)
    return parsed


def _find_message(*, reference: str, provider_id: str) -> OutboundMessage | None:
    try:
        message_id = uuid.UUID(reference) if reference else None
    except ValueError:
        message_id = None
    if not message_id and not provider_id:
        return None
    query = Q(pk=message_id) if message_id else Q(pk__in=[])
    if provider_id:
        query |= Q(provider_id=provider_id)
    return OutboundMessage.objects.filter(query).first()


def provider_status_apply(
    *,
    message_id: uuid.UUID | str,
    provider_status: str,
    provider_id: str = "",
    completed_at: dt.datetime | None = None,
    by: EventSource = EventSource.RECEIPT,
    raw: str | None = None,
) -> tuple[bool, str]:
    """Apply Notify's status of a message; returns (applied, outcome).

    `applied` is False only for a receipt held until the message is marked
    sent. Safe to call again with the same status (the second call changes
    nothing), from several processes at once.
    """
    target = RECEIPT_TARGETS.get(provider_status, None)
    if provider_status not in RECEIPT_TARGETS:
        return True, f"ignored: unknown status {provider_status[:32]!r}"
    for _ in range(5):
        row = OutboundMessage.objects.filter(pk=message_id).values_list("status", flat=True).first()
        if row is None:
            return True, UNKNOWN_REFERENCE
        current = str(row)
        if current in (Status.CLAIMED, Status.SENDING):
            now = timezone.now()
            fields: dict[str, Any] = {"sent_at": now, "lease_until": None, "last_error": ""}
            if provider_id:
                fields["provider_id"] = provider_id[:100]
            if not _move(
                message_id,
                source=current,
                target=Status.SENT,
                by=by,
                detail=f"provider reported {provider_status}: it has the message",
                now=now,
                **fields,
            ):
                continue
            current = Status.SENT
        if target is None:
            return True, f"no change ({provider_status})"
        if current == target:
            return True, f"duplicate: already {current}"
        if current in TERMINAL:
            return True, f"ignored: already {current}"
        if current in (Status.PENDING, Status.TEMPORARY_FAILURE):
            return False, HELD
        if not transition_allowed(current, target):
            return True, f"ignored: {current} cannot become {target}"
        now = timezone.now()
        extra: dict[str, Any] = {}
        if target in TERMINAL:
            extra["completed_at"] = completed_at or now
        if target == Status.NEEDS_ATTENTION:
            extra["last_error"] = f"provider {provider_status}"
        elif target == Status.PERMANENT_FAILURE:
            extra["last_error"] = "provider permanent-failure"
        if _move(
            message_id,
            source=current,
            target=target,
            by=by,
            detail=f"provider {provider_status}",
            now=now,
            raw=raw,
            **extra,
        ):
            return True, f"{current} -> {target}"
    return True, "not applied: the message kept changing"


def receipt_record(*, body: dict[str, Any], raw: str) -> DeliveryReceipt:
    """Store a delivery-status callback, then apply it. Called by the callback view.

    The stored row is committed before it is applied, so a crash while applying
    loses nothing (the poll job finds the message still `sent`).
    """
    receipt = DeliveryReceipt.objects.create(
        provider_id=str(body.get("id") or "")[:100],
        reference=str(body.get("reference") or "")[:100],
        status=str(body.get("status") or "")[:32],
        raw=raw,
        provider_completed_at=_when(body.get("completed_at")),
    )
    message = _find_message(reference=receipt.reference, provider_id=receipt.provider_id)
    if message is None:
        receipt.outcome = UNKNOWN_REFERENCE
        receipt.save(update_fields=["outcome"])
        log.warning("messaging.receipt_unknown_reference", receipt_id=receipt.pk)
        return receipt
    receipt.message = message
    receipt.applied, receipt.outcome = provider_status_apply(
        message_id=message.pk,
        provider_status=receipt.status,
        provider_id=receipt.provider_id,
        completed_at=receipt.provider_completed_at,
    )
    receipt.save(update_fields=["message", "applied", "outcome"])
    log.info(
        "messaging.receipt",
        message_id=str(message.pk),
        status=receipt.status,
        outcome=receipt.outcome,
    )
    return receipt


def receipts_apply_held(*, message_id: uuid.UUID | str) -> int:
    """Apply the receipts held for a message that has now been marked sent.

    Returns how many were applied (in the order they were received).
    """
    applied = 0
    held = DeliveryReceipt.objects.filter(message_id=message_id, applied=False).order_by(
        "received_at", "id"
    )
    for receipt in held:
        done, outcome = provider_status_apply(
            message_id=message_id,
            provider_status=receipt.status,
            provider_id=receipt.provider_id,
            completed_at=receipt.provider_completed_at,
        )
        if done:
            DeliveryReceipt.objects.filter(pk=receipt.pk, applied=False).update(
                applied=True, outcome=f"applied late: {outcome}"[:100]
            )
            applied += 1
    return applied


def inbound_sms_record(*, body: dict[str, Any], raw: str) -> tuple[InboundSms, bool]:
    """Store an inbound text once per Notify id; returns (row, created).

    Notify's inbound callback: {id, source_number, destination_number, message,
    date_received}. A replayed callback answers the row already stored.
    """
    provider_id = str(body.get("id") or "")[:100]
    if not provider_id:
        raise InvalidCallback("no id")
    existing = InboundSms.objects.filter(provider_id=provider_id).first()
    if existing is not None:
        return existing, False
    sms = InboundSms(
        provider_id=provider_id,
        from_number=str(body.get("source_number") or ""),
        content=str(body.get("message") or ""),
        raw=raw,
        received_at=_when(body.get("date_received")) or timezone.now(),
    )
    try:
        with transaction.atomic():
            sms.save(force_insert=True)
    except IntegrityError:
        return InboundSms.objects.get(provider_id=provider_id), False
    log.info("messaging.inbound_sms", inbound_id=sms.pk)
    transaction.on_commit(
        lambda: inbound_sms_received.send(sender=InboundSms, sms=sms), robust=True
    )
    return sms, True


@dataclass
class PollResult:
    asked: int = 0
    changed: int = 0
    unknown: int = 0
    stopped: str = ""


def messages_receipts_poll_once(*, now: dt.datetime | None = None) -> PollResult:
    """Ask Notify about messages `sent` more than MESSAGING_RECEIPT_POLL_AFTER_HOURS
    ago whose receipt never came, and apply what it says.

    Takes one token per question from the shared bucket, waiting for it as a
    worker does (no token within MESSAGING_RATE_MAX_WAIT_SECONDS: the poll
    stops and the next run continues), so polling never pushes sends over the limit. A message still
    undecided at Notify gets its `updated_at` touched, so the next run asks
    about others first. Idempotent.
    """
    now = now or timezone.now()
    result = PollResult()
    if channel_name_for("sms") != "notify" and channel_name_for("email") != "notify":
        return result
    cutoff = now - dt.timedelta(hours=settings.MESSAGING_RECEIPT_POLL_AFTER_HOURS)
    rows = (
        OutboundMessage.objects.filter(status=Status.SENT, sent_at__lte=cutoff)
        .exclude(provider_id="")
        .order_by("updated_at")
        .values_list("pk", "channel", "provider_id")
    )[: settings.MESSAGING_RECEIPT_POLL_BATCH]
    channel = NotifyChannel()
    for pk, message_channel, provider_id in rows:
        if channel_name_for(message_channel) != "notify":
            continue
        if rate_limit_take(
            name=channel.rate_bucket,
            rate_per_minute=_rate_limit_per_minute(),
            max_wait=settings.MESSAGING_RATE_MAX_WAIT_SECONDS,
        ):
            result.stopped = "rate limit"
            break
        try:
            answer = channel.status(provider_id)
        except ChannelError as error:
            result.stopped = error.detail
            log.warning("messaging.poll_failed", detail=error.detail)
            break
        result.asked += 1
        changed = False
        if answer is None:
            result.unknown += 1
        else:
            raw = json.dumps({"id": provider_id, **answer})
            _, outcome = provider_status_apply(
                message_id=pk,
                provider_status=answer["status"],
                provider_id=provider_id,
                completed_at=_when(answer["completed_at"]),
                by=EventSource.RECONCILE,
                raw=raw,
            )
            changed = "->" in outcome
        if changed:
            result.changed += 1
        else:
            OutboundMessage.objects.filter(pk=pk, status=Status.SENT).update(
                updated_at=timezone.now()
            )
    log.info(
        "messaging.receipts_polled",
        asked=result.asked,
        changed=result.changed,
        unknown=result.unknown,
        stopped=result.stopped,
    )
    return result
