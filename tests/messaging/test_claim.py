"""Claiming: one worker wins a message; a lease that runs out lets another take over."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from victimcare.messaging.constants import Status
from victimcare.messaging.models import OutboundMessage
from victimcare.messaging.services import message_claim

from .conftest import enqueue_sms

LEASE = dt.timedelta(minutes=2)


@pytest.mark.django_db
def test_of_two_claims_only_the_first_wins() -> None:
    message = enqueue_sms()

    first = message_claim(worker_id="worker-a", lease=LEASE, message_id=message.pk)
    second = message_claim(worker_id="worker-b", lease=LEASE, message_id=message.pk)

    assert first is not None and first.claimed_by == "worker-a"
    assert second is None
    message.refresh_from_db()
    assert (message.status, message.claimed_by, message.attempts) == (
        Status.CLAIMED,
        "worker-a",
        1,
    )


@pytest.mark.django_db
def test_an_expired_lease_can_be_claimed_again() -> None:
    message = enqueue_sms()
    message_claim(worker_id="worker-a", lease=LEASE, message_id=message.pk)
    later = timezone.now() + LEASE + dt.timedelta(seconds=1)

    again = message_claim(worker_id="worker-b", lease=LEASE, message_id=message.pk, now=later)

    assert again is not None
    assert (again.claimed_by, again.attempts) == ("worker-b", 2)


@pytest.mark.django_db
def test_a_message_not_yet_due_is_not_claimed() -> None:
    message = enqueue_sms()
    OutboundMessage.objects.filter(pk=message.pk).update(
        status=Status.TEMPORARY_FAILURE, next_attempt_at=timezone.now() + dt.timedelta(minutes=5)
    )
    assert message_claim(worker_id="worker-a", lease=LEASE) is None


@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_never_claim_the_same_message() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs real concurrent connections (PostgreSQL)")
    messages = [enqueue_sms(f"crime-{n}:charged:v1:sms") for n in range(6)]
    # Outside a test transaction the doorbell ran at once and sent them; queue them again.
    OutboundMessage.objects.update(
        status=Status.PENDING, attempts=0, claimed_by="", lease_until=None
    )
    workers = 4
    barrier = threading.Barrier(workers)
    claims: dict[str, list[str]] = {}
    errors: list[BaseException] = []

    def work(worker_id: str) -> None:
        mine: list[str] = []
        try:
            barrier.wait(timeout=5)
            while (claimed := message_claim(worker_id=worker_id, lease=LEASE)) is not None:
                mine.append(str(claimed.pk))
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            claims[worker_id] = mine
            connection.close()

    threads = [threading.Thread(target=work, args=(f"worker-{n}",)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert not errors
    every_claim = [pk for mine in claims.values() for pk in mine]
    assert sorted(every_claim) == sorted(str(m.pk) for m in messages), "each claimed exactly once"
    assert set(OutboundMessage.objects.values_list("attempts", flat=True)) == {1}
