"""The shared token bucket, and the checks message_send makes right before the provider call."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone

from victimcare.messaging import safety
from victimcare.messaging.constants import EventSource, RecipientKind, Status
from victimcare.messaging.models import MessageStatusEvent, OutboundMessage, RateLimitBucket
from victimcare.messaging.notify_stub import NotifyStub
from victimcare.messaging.ratelimit import (
    effective_rate_per_second,
    rate_limit_penalise,
    rate_limit_take,
    rate_limit_try_take,
)
from victimcare.messaging.services import message_send

from .conftest import enqueue_sms

pytestmark = pytest.mark.django_db
WORKER = "worker-test"


def test_no_limit_means_no_bucket() -> None:
    assert effective_rate_per_second(0) is None and effective_rate_per_second(None) is None
    assert rate_limit_try_take(name="b", rate_per_minute=0) == 0.0
    assert not RateLimitBucket.objects.exists()


def test_the_bucket_pays_out_one_token_per_interval_below_the_limit(settings) -> None:  # type: ignore[no-untyped-def]
    settings.MESSAGING_RATE_HEADROOM = 0.1
    rate = effective_rate_per_second(3000)
    assert rate == pytest.approx(45.0), "3,000 a minute less 10% headroom"
    now = timezone.now()

    first = rate_limit_try_take(name="notify:s", rate_per_minute=3000, now=now)
    second = rate_limit_try_take(name="notify:s", rate_per_minute=3000, now=now)
    later = rate_limit_try_take(
        name="notify:s", rate_per_minute=3000, now=now + dt.timedelta(seconds=1 / 45)
    )

    assert first == 0.0
    assert second == pytest.approx(1 / 45)
    assert later == 0.0
    # An idle bucket does not save up a burst: it holds one token at most.
    idle = now + dt.timedelta(minutes=5)
    assert rate_limit_try_take(name="notify:s", rate_per_minute=3000, now=idle) == 0.0
    assert rate_limit_try_take(name="notify:s", rate_per_minute=3000, now=idle) > 0


def test_a_clock_behind_the_bucket_gets_no_extra_tokens() -> None:
    now = timezone.now()
    assert rate_limit_try_take(name="skew", rate_per_minute=600, now=now) == 0.0
    behind = now - dt.timedelta(seconds=30)
    assert rate_limit_try_take(name="skew", rate_per_minute=600, now=behind) > 0


def test_taking_with_waits_paces_requests(settings) -> None:  # type: ignore[no-untyped-def]
    settings.MESSAGING_RATE_HEADROOM = 0.0
    started = time.monotonic()
    for _ in range(5):
        assert rate_limit_take(name="pace", rate_per_minute=1200, max_wait=1) == 0.0
    assert time.monotonic() - started >= 4 / 20 - 0.01


def test_a_429_empties_the_bucket_for_the_back_off() -> None:
    rate_limit_penalise(name="notify:s", rate_per_minute=600, seconds=2)
    wait = rate_limit_try_take(name="notify:s", rate_per_minute=600)
    assert wait == pytest.approx(2 + 1 / 9, abs=0.05)


def test_no_token_postpones_the_message_without_counting_an_attempt(
    notify: NotifyStub, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.MESSAGING_RATE_PER_MINUTE = 60
    settings.MESSAGING_RATE_MAX_WAIT_SECONDS = 0
    first = enqueue_sms("crime-1:charged:v1:sms")
    second = enqueue_sms("crime-2:charged:v1:sms")

    assert message_send(message_id=first.pk, worker_id=WORKER).result == "sent"
    outcome = message_send(message_id=second.pk, worker_id=WORKER)

    second.refresh_from_db()
    assert outcome.result == "postponed" and outcome.detail == "rate limit"
    assert (second.status, second.attempts, second.claimed_by) == (Status.PENDING, 0, "")
    assert second.next_attempt_at > timezone.now() + dt.timedelta(seconds=0.5)
    assert notify.attempted(second.reference) == 0
    assert list(
        MessageStatusEvent.objects.filter(message=second).values_list("to_status", flat=True)
    ) == [Status.PENDING, Status.CLAIMED, Status.PENDING]


def test_a_message_to_a_victim_the_rules_forbid_is_cancelled_and_never_reaches_notify(
    notify: NotifyStub,
) -> None:
    # No victim on the row: the send-time verdict (safety.py) refuses it.
    message = enqueue_sms(recipient_kind=RecipientKind.VICTIM)

    outcome = message_send(message_id=message.pk, worker_id=WORKER)

    message.refresh_from_db()
    assert outcome.result == "cancelled"
    assert message.status == Status.CANCELLED
    assert message.safety_reason and message.safety_reason == outcome.detail
    assert notify.attempted(message.reference) == 0


def test_outside_safe_hours_the_claim_is_released_until_then(
    notify: NotifyStub, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    # The verdict is another module's seam: here it answers "not before 7am".
    seven_am = timezone.now() + dt.timedelta(hours=3)
    monkeypatch.setattr(
        safety,
        "send_time_verdict",
        lambda *, message, now=None: safety.Verdict(allowed=True, not_before=seven_am),
    )
    message = enqueue_sms()

    outcome = message_send(message_id=message.pk, worker_id=WORKER)

    message.refresh_from_db()
    assert outcome.result == "postponed"
    assert (message.status, message.attempts, message.next_attempt_at) == (
        Status.PENDING,
        0,
        seven_am,
    )
    assert notify.attempted(message.reference) == 0
    assert MessageStatusEvent.objects.filter(
        message=message, source=EventSource.WORKER, detail="outside safe hours"
    ).exists()


def test_a_safety_check_that_crashes_never_lets_the_message_go(
    notify: NotifyStub, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    def crash(**kwargs: object) -> safety.Verdict:
        raise LookupError("rules unreadable")

    monkeypatch.setattr(safety, "send_time_verdict", crash)
    message = enqueue_sms()

    assert message_send(message_id=message.pk, worker_id=WORKER).result == "failed"
    message.refresh_from_db()
    assert message.status == Status.TEMPORARY_FAILURE
    assert message.last_error == "safety check failed (LookupError)"
    assert notify.attempted(message.reference) == 0
    assert OutboundMessage.objects.filter(status=Status.SENT).count() == 0
