"""Sending webhook deliveries: claim, POST, record the outcome.

A worker claims due deliveries one by one with a conditional UPDATE (pending
and due, or sending with an expired lease → sending under a new lease), so two
workers never both win the same row. The POST is made outside any transaction
(stdlib `urllib.request`, 10 s timeout, no redirects followed). Outcomes:

- 2xx: delivered, never sent again;
- 4xx other than 408 and 429: failed at once (the receiver refuses it);
- anything else (5xx, 408, 429, timeout, no connection): tried again after
  1 min, 5 min, 30 min, 2 h, 6 h, 12 h, then failed.

A worker killed mid-send leaves its lease; when it expires the delivery is
claimed again and sent again with the same `Victimcare-Webhook-Id` (receivers
de-duplicate on it). Each delivery that ends failed adds one to its
subscription's `consecutive_failures` (a success resets it); at
`WEBHOOK_DISABLE_AFTER` (default 10) the subscription is disabled, its waiting
deliveries cancelled and its organisation's supervisors emailed.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

import structlog
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from victimcare.accounts.constants import Role
from victimcare.accounts.models import User
from victimcare.messaging.constants import Channel, RecipientKind
from victimcare.messaging.services import message_enqueue

from .constants import DeliveryStatus
from .models import WebhookDelivery, WebhookSubscription
from .signing import ID_HEADER, SIGNATURE_HEADER, signature_header
from .webhooks_services import subscription_disable

log = structlog.get_logger(__name__)

TIMEOUT_SECONDS = 10
LEASE = dt.timedelta(minutes=2)
BACKOFF = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=6),
    dt.timedelta(hours=12),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
BATCH = 50
DEFAULT_DISABLE_AFTER = 10
USER_AGENT = "victimcare-webhooks/1"

DISABLED_REASON = "Turned off after {count} deliveries in a row failed."
DISABLED_TEMPLATE = "staff_webhook_disabled"
DISABLED_SUBJECT = "A webhook has been turned off: {name}"
DISABLED_BODY = (
    "victimcare turned off the webhook '{name}' because {count} deliveries in a row "
    "failed. Partner systems using it are no longer told about changes to cases.\n\n"
    "Check the receiving system, then turn the webhook back on and send any failed "
    "deliveries again: {url}"
)


def disable_after() -> int:
    return int(getattr(settings, "WEBHOOK_DISABLE_AFTER", DEFAULT_DISABLE_AFTER))


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def _due(now: dt.datetime) -> Q:
    return Q(subscription__active=True) & (
        Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        | Q(status=DeliveryStatus.SENDING, lease_until__lte=now)
    )


def deliveries_claim(
    *, worker: str, now: dt.datetime | None = None, limit: int = BATCH
) -> list[WebhookDelivery]:
    """Claim up to `limit` due deliveries for `worker` (each under a lease).

    Each row is won by one conditional UPDATE that re-checks it is still due, so
    of two workers racing for a row exactly one wins it."""
    now = now or timezone.now()
    candidates = list(
        WebhookDelivery.objects.filter(_due(now))
        .order_by("next_attempt_at", "created_at")
        .values_list("pk", flat=True)[:limit]
    )
    claimed: list[WebhookDelivery] = []
    for pk in candidates:
        won = WebhookDelivery.objects.filter(_due(now), pk=pk).update(
            status=DeliveryStatus.SENDING,
            lease_until=now + LEASE,
            claimed_by=worker,
            attempts=F("attempts") + 1,
        )
        if won:
            claimed.append(WebhookDelivery.objects.select_related("subscription").get(pk=pk))
    return claimed


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str = ""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is an answer (3xx), not somewhere to resend the body


_OPENER = urllib.request.build_opener(_NoRedirect)


def body_bytes(payload: dict[str, Any]) -> bytes:
    """The exact bytes sent (and signed): compact JSON, keys sorted."""
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode("utf-8")


def delivery_post(*, delivery: WebhookDelivery, now: dt.datetime | None = None) -> Outcome:
    """POST one delivery, signed; return the status code or the error's type."""
    subscription = delivery.subscription
    body = body_bytes(delivery.payload)
    timestamp = int((now or timezone.now()).timestamp())
    request = urllib.request.Request(  # noqa: S310 (https, or loopback http when allowed)
        subscription.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            ID_HEADER: str(delivery.pk),
            SIGNATURE_HEADER: signature_header(subscription.secret, body, timestamp),
        },
    )
    try:
        with _OPENER.open(request, timeout=TIMEOUT_SECONDS) as response:
            return Outcome(status_code=response.status)
    except urllib.error.HTTPError as error:
        return Outcome(status_code=error.code, error=f"HTTP {error.code}")
    except (urllib.error.URLError, OSError, ValueError) as error:
        return Outcome(status_code=None, error=type(error).__name__)


def _permanent(code: int | None) -> bool:
    return code is not None and 400 <= code < 500 and code not in (408, 429)


def _supervisors_tell(subscription: WebhookSubscription, *, count: int) -> int:
    """Email the organisation's supervisors through the outbox (no personal data)."""
    url = settings.VICTIMCARE_BASE_URL.rstrip("/") + f"/integrations/webhooks/{subscription.pk}/"
    people = User.objects.filter(
        organisation_id=subscription.organisation_id, role=Role.SUPERVISOR, is_active=True
    ).only("pk", "email")
    stamp = int(subscription.disabled_at.timestamp()) if subscription.disabled_at else 0
    sent = 0
    for person in people:
        if not person.email:
            continue
        message_enqueue(
            channel=Channel.EMAIL,
            recipient_kind=RecipientKind.STAFF,
            recipient=person.email,
            subject=DISABLED_SUBJECT.format(name=subscription.name),
            body=DISABLED_BODY.format(name=subscription.name, count=count, url=url),
            template_code=DISABLED_TEMPLATE,
            idempotency_key=f"webhook-disabled:{subscription.pk}:{stamp}:{person.pk}",
        )
        sent += 1
    return sent


def _failed(delivery: WebhookDelivery, *, now: dt.datetime) -> None:
    WebhookSubscription.objects.filter(pk=delivery.subscription_id).update(
        consecutive_failures=F("consecutive_failures") + 1, updated_at=now
    )
    subscription = WebhookSubscription.objects.get(pk=delivery.subscription_id)
    limit = disable_after()
    if subscription.active and subscription.consecutive_failures >= limit:
        if subscription_disable(
            subscription=subscription, reason=DISABLED_REASON.format(count=limit), now=now
        ):
            _supervisors_tell(subscription, count=limit)
            log.warning("webhooks.subscription_disabled", subscription_id=subscription.pk)


def outcome_record(
    *, delivery: WebhookDelivery, outcome: Outcome, now: dt.datetime | None = None
) -> str:
    """Record what happened to a claimed delivery; return its new status.

    Only a row still `sending` changes (a delivery cancelled meanwhile stays cancelled)."""
    now = now or timezone.now()
    code = outcome.status_code
    with transaction.atomic():
        current = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        if current.status != DeliveryStatus.SENDING:
            return current.status
        common: dict[str, Any] = {"lease_until": None, "last_status_code": code}
        if code is not None and 200 <= code < 300:
            status = DeliveryStatus.DELIVERED
            common.update(delivered_at=now, last_error="")
        elif _permanent(code) or current.attempts >= MAX_ATTEMPTS:
            status = DeliveryStatus.FAILED
            common.update(last_error=outcome.error[:200])
        else:
            status = DeliveryStatus.PENDING
            wait = BACKOFF[min(max(current.attempts, 1), len(BACKOFF)) - 1]
            common.update(last_error=outcome.error[:200], next_attempt_at=now + wait)
        WebhookDelivery.objects.filter(pk=current.pk).update(status=status, **common)
        if status == DeliveryStatus.DELIVERED:
            WebhookSubscription.objects.filter(pk=current.subscription_id).update(
                consecutive_failures=0, updated_at=now
            )
        elif status == DeliveryStatus.FAILED:
            _failed(current, now=now)
    log.info(
        "webhooks.delivery_outcome",
        delivery_id=str(delivery.pk),
        subscription_id=delivery.subscription_id,
        status=status,
        status_code=code,
    )
    return status


def deliveries_send(*, now: dt.datetime | None = None, limit: int = BATCH) -> dict[str, int]:
    """Claim and send the due deliveries; return how many ended in each status."""
    worker = worker_name()
    counts: dict[str, int] = {}
    for delivery in deliveries_claim(worker=worker, now=now, limit=limit):
        outcome = delivery_post(delivery=delivery)
        status = outcome_record(delivery=delivery, outcome=outcome, now=now)
        counts[status] = counts.get(status, 0) + 1
    return counts
