"""The sweep: lost doorbells are rung again, exhausted messages go to a person."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from victimcare.messaging.constants import Status
from victimcare.messaging.jobs import messages_sweep
from victimcare.messaging.models import OutboundMessage
from victimcare.messaging.services import messages_sweep_once

from .conftest import enqueue_sms

pytestmark = pytest.mark.django_db


def test_a_message_whose_doorbell_was_lost_is_sent_by_the_sweep() -> None:
    # No on_commit callback runs here: as if the process died right after COMMIT.
    message = enqueue_sms()

    assert messages_sweep() == {"rung": 1, "needs_attention": 0}

    message.refresh_from_db()
    assert message.status == Status.SENT


def test_a_recently_rung_message_is_left_to_its_doorbell() -> None:
    message = enqueue_sms()
    OutboundMessage.objects.filter(pk=message.pk).update(doorbell_at=timezone.now())

    assert messages_sweep_once().rung == []
    later = timezone.now() + dt.timedelta(minutes=5)
    assert messages_sweep_once(now=later).rung == [str(message.pk)]


def test_a_message_out_of_attempts_needs_attention(settings) -> None:  # type: ignore[no-untyped-def]
    message = enqueue_sms()
    OutboundMessage.objects.filter(pk=message.pk).update(
        status=Status.TEMPORARY_FAILURE, attempts=settings.MESSAGING_MAX_ATTEMPTS
    )

    assert messages_sweep_once().needs_attention == [str(message.pk)]
    message.refresh_from_db()
    assert message.status == Status.NEEDS_ATTENTION
    assert message.last_error == "max attempts"


def test_a_message_stuck_sending_too_long_needs_attention_with_its_outcome_unknown(
    settings,
) -> None:  # type: ignore[no-untyped-def]
    message = enqueue_sms()
    old = timezone.now() - dt.timedelta(hours=settings.MESSAGING_MAX_AGE_HOURS + 1)
    OutboundMessage.objects.filter(pk=message.pk).update(
        status=Status.SENDING, attempts=1, created_at=old, lease_until=old
    )

    messages_sweep_once()

    message.refresh_from_db()
    assert message.status == Status.NEEDS_ATTENTION
    assert "outcome unknown" in message.last_error


def test_the_sweep_is_registered_with_the_scheduler() -> None:
    from victimcare.core.scheduler import discover_jobs

    assert "messages_sweep" in discover_jobs()


def test_a_lease_that_ran_out_after_its_doorbell_is_rung_again() -> None:
    message = enqueue_sms()
    now = timezone.now()
    OutboundMessage.objects.filter(pk=message.pk).update(
        status=Status.CLAIMED,
        attempts=1,
        doorbell_at=now - dt.timedelta(seconds=30),
        lease_until=now - dt.timedelta(seconds=1),
    )

    assert messages_sweep_once().rung == [str(message.pk)]
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.SENT, 2)


def test_a_lease_shorter_than_twice_the_client_timeout_fails_the_system_check(settings) -> None:  # type: ignore[no-untyped-def]
    from victimcare.messaging.checks import messaging_settings_check

    settings.MESSAGING_LEASE_SECONDS = 40
    settings.NOTIFY_TIMEOUT_SECONDS = 30
    assert [error.id for error in messaging_settings_check()] == ["messaging.E002"]


def test_the_doorbell_time_is_written_before_the_send_task_exists(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A worker may take the task the instant it exists; the doorbell's own write
    must be over by then, or its row lock makes the worker's SKIP LOCKED claim
    pass the message by (the load test saw messages wait for the sweep)."""
    from victimcare.messaging import tasks
    from victimcare.messaging.services import messages_doorbell_ring

    message = enqueue_sms()
    seen = []

    def enqueue(*, message_id: str) -> None:
        seen.append(OutboundMessage.objects.get(pk=message_id).doorbell_at)

    monkeypatch.setattr(tasks, "message_send_task", SimpleNamespace(enqueue=enqueue))
    assert messages_doorbell_ring(message_ids=[str(message.pk)]) == 1
    assert len(seen) == 1 and seen[0] is not None


def test_a_doorbell_that_could_not_enqueue_is_left_for_the_next_sweep(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from victimcare.messaging import tasks
    from victimcare.messaging.services import messages_doorbell_ring

    message = enqueue_sms()

    def enqueue(*, message_id: str) -> None:
        raise ConnectionError("queue unavailable")

    monkeypatch.setattr(tasks, "message_send_task", SimpleNamespace(enqueue=enqueue))
    assert messages_doorbell_ring(message_ids=[str(message.pk)]) == 0
    message.refresh_from_db()
    assert message.doorbell_at is None
    assert messages_sweep_once().rung == [str(message.pk)]
