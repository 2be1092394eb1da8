"""Fault tests: real worker processes, killed and cut off, against the Notify-compatible server.

Workers are `victimcare send-messages` subprocesses. They share the test
database, so the scenarios with subprocesses need PostgreSQL (the SQLite test
database is in memory). So does the receipt scenario, whose callbacks arrive
concurrently at a live server (test_receipts.py covers its rules on both). After
each scenario: every expected message is settled (sent or delivered), the
server accepted at most one request per reference (exactly one for each sent
message), and nothing reached it for a message that had to be stopped.
Everything polls against a deadline; nothing sleeps for luck.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from django.conf import settings as django_settings
from django.db import connection

from victimcare.messaging.constants import EventSource, RecipientKind, Status
from victimcare.messaging.models import DeliveryReceipt, MessageStatusEvent, OutboundMessage
from victimcare.messaging.notify_stub import NotifyStub
from victimcare.messaging.services import FAULT_POINT_ENV, message_send

from .conftest import (
    CLIENT_TIMEOUT,
    EMAIL_TEMPLATE_ID,
    LETTER_TEMPLATE_ID,
    SMS_TEMPLATE_ID,
    enqueue_sms,
)

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
TOKEN = "fault-test-callback-token"
LEASE_SECONDS = 2
needs_shared_db = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="worker subprocesses need a database shared between processes (PostgreSQL)",
)
# The SQLite test database is in memory with a shared cache, where a reader meets
# a writer's table lock with an immediate "table is locked": concurrent callbacks
# need PostgreSQL. (tests/messaging/test_receipts.py covers the same rules on both.)
needs_concurrent_writers = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent callbacks need a database with concurrent writers (PostgreSQL)",
)


class Harness:
    """The stub, the worker processes and the three ledgers' invariants."""

    def __init__(self, stub: NotifyStub, tmp_path: Path) -> None:
        self.stub = stub
        self.tmp_path = tmp_path
        self.workers: list[subprocess.Popen[bytes]] = []

    def env(self, **extra: str) -> dict[str, str]:
        db = connection.settings_dict
        url = (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        )
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": url,
            "VICTIMCARE_VAR_DIR": str(django_settings.VAR_DIR),
            "MESSAGING_CHANNEL": "notify",
            "NOTIFY_BASE_URL": self.stub.url,
            "NOTIFY_API_KEY": self.stub.api_key,
            "NOTIFY_TIMEOUT_SECONDS": str(CLIENT_TIMEOUT),
            "NOTIFY_SMS_TEMPLATE_ID": SMS_TEMPLATE_ID,
            "NOTIFY_EMAIL_TEMPLATE_ID": EMAIL_TEMPLATE_ID,
            "NOTIFY_LETTER_TEMPLATE_ID": LETTER_TEMPLATE_ID,
            "MESSAGING_LEASE_SECONDS": str(LEASE_SECONDS),
            "MESSAGING_RETRY_BASE_SECONDS": "1",
            "MESSAGING_RETRY_MAX_SECONDS": "1",
            "MESSAGING_RATE_PER_MINUTE": "0",
            "MESSAGING_RATE_MAX_WAIT_SECONDS": "0.5",
            "MESSAGING_RATE_429_BACKOFF_SECONDS": "0.5",
            "DATABASE_CONN_MAX_AGE": "0",
        }
        env.pop(FAULT_POINT_ENV, None)
        return env | extra

    def start_worker(self, **extra: str) -> subprocess.Popen[bytes]:
        n = len(self.workers)
        log = (self.tmp_path / f"worker-{n}.log").open("wb")
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "victimcare.cli",
                "send-messages",
                "--interval",
                "0.05",
                "--max-seconds",
                "40",
            ],
            cwd=ROOT,
            env=self.env(**extra),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.workers.append(process)
        return process

    def logs(self) -> str:
        return "\n".join(p.read_text()[-3000:] for p in sorted(self.tmp_path.glob("worker-*.log")))

    def wait_for(self, what: str, condition: Callable[[], bool], seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}\n{self.logs()}")

    def stop(self) -> None:
        for process in self.workers:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.workers:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def statuses(self, messages: list[OutboundMessage]) -> dict[str, str]:
        rows = OutboundMessage.objects.filter(pk__in=[m.pk for m in messages])
        return {str(pk): status for pk, status in rows.values_list("pk", "status")}

    def all_in(self, messages: list[OutboundMessage], wanted: set[str]) -> bool:
        return set(self.statuses(messages).values()) <= wanted

    def assert_invariants(
        self, messages: list[OutboundMessage], forbidden: list[OutboundMessage] = ()
    ) -> None:  # type: ignore[assignment]
        statuses = self.statuses(messages)
        assert set(statuses.values()) <= {Status.SENT, Status.DELIVERED}, statuses
        for message in messages:
            assert self.stub.accepted(message.reference) == 1, "exactly one accepted request"
        with self.stub.state.lock:
            assert max(self.stub.state.accepted.values(), default=0) <= 1
        for message in forbidden:
            assert self.stub.attempted(message.reference) == 0


@pytest.fixture
def harness(
    settings, transactional_db, notify_stub: NotifyStub, tmp_path: Path
) -> Iterator[Harness]:  # type: ignore[no-untyped-def]
    # The doorbell rings nowhere: the worker processes drain the outbox themselves.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    settings.MESSAGING_CHANNEL = "notify"
    settings.NOTIFY_BASE_URL = notify_stub.url
    settings.NOTIFY_API_KEY = notify_stub.api_key
    settings.NOTIFY_TIMEOUT_SECONDS = CLIENT_TIMEOUT
    settings.NOTIFY_TEMPLATE_IDS = {
        "sms": SMS_TEMPLATE_ID,
        "email": EMAIL_TEMPLATE_ID,
        "letter": LETTER_TEMPLATE_ID,
    }
    h = Harness(notify_stub, tmp_path)
    try:
        yield h
    finally:
        h.stop()


def enqueue_many(n: int, prefix: str) -> list[OutboundMessage]:
    return [enqueue_sms(f"{prefix}-{i}:update:v1:sms") for i in range(n)]


@needs_shared_db
def test_a_worker_killed_after_the_server_accepted_is_reconciled_without_a_second_request(
    harness: Harness,
) -> None:
    messages = enqueue_many(3, "accepted-then-killed")

    doomed = harness.start_worker(**{FAULT_POINT_ENV: "after_send"})
    assert doomed.wait(timeout=30) == -signal.SIGKILL, harness.logs()
    [in_flight] = OutboundMessage.objects.filter(status=Status.SENDING)
    assert harness.stub.accepted(in_flight.reference) == 1, (
        "the server has it; we never recorded it"
    )

    harness.start_worker()
    harness.wait_for("every message sent", lambda: harness.all_in(messages, {Status.SENT}))

    harness.assert_invariants(messages)
    assert harness.stub.attempted(in_flight.reference) == 1, "no second request"
    in_flight.refresh_from_db()
    assert in_flight.attempts == 2
    assert MessageStatusEvent.objects.filter(
        message=in_flight, source=EventSource.RECONCILE, to_status=Status.SENT
    ).exists()


@needs_shared_db
def test_a_worker_killed_after_its_claim_leaves_exactly_one_request(harness: Harness) -> None:
    messages = enqueue_many(3, "claimed-then-killed")

    doomed = harness.start_worker(**{FAULT_POINT_ENV: "after_claim"})
    assert doomed.wait(timeout=30) == -signal.SIGKILL, harness.logs()
    [claimed] = OutboundMessage.objects.filter(status=Status.CLAIMED)
    assert harness.stub.attempted(claimed.reference) == 0

    harness.start_worker()
    harness.wait_for("every message sent", lambda: harness.all_in(messages, {Status.SENT}))

    harness.assert_invariants(messages)
    assert harness.stub.attempted(claimed.reference) == 1, "exactly one request"


@needs_shared_db
def test_database_connections_cut_and_an_outage_during_sending_every_message_still_ends_sent(
    harness: Harness,
) -> None:
    messages = enqueue_many(30, "db-cut")
    forbidden = enqueue_sms("db-cut-unsafe:update:v1:sms", recipient_kind=RecipientKind.VICTIM)
    harness.stub.set_fault("stall", stall_seconds=0.03)  # each send takes a little while
    harness.start_worker()
    harness.start_worker()
    harness.wait_for("sending under way", lambda: sum(harness.stub.state.accepted.values()) >= 3)

    cuts = 0
    deadline = time.monotonic() + 20
    with connection.cursor() as cursor:
        while time.monotonic() < deadline and cuts < 6:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            cuts += cursor.fetchone()[0] > 0
            time.sleep(0.25)
    assert cuts >= 3, "the workers' connections were cut while they sent"
    # Then an outage, as while the server restarts: every connection dropped and
    # nobody able to connect for two seconds (only this test database, so the
    # shared server and other work on it are left alone).
    db = connection.settings_dict
    name = db["NAME"]
    # A database cannot refuse its own session's connections: act from another one.
    with psycopg.connect(
        host=db["HOST"],
        port=db["PORT"] or 5432,
        user=db["USER"],
        dbname="postgres",
        password=db["PASSWORD"] or None,
        autocommit=True,
    ) as admin:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        try:
            admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            )
            time.sleep(2)
        finally:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    connection.close()  # this test's own session was dropped too
    harness.wait_for(
        "every message settled",
        lambda: (
            harness.all_in(messages, {Status.SENT})
            and harness.all_in([forbidden], {Status.CANCELLED})
        ),
        seconds=40,
    )

    harness.assert_invariants(messages, forbidden=[forbidden])


@needs_shared_db
def test_a_429_storm_and_stalls_deliver_everything_and_never_exceed_the_rate(
    harness: Harness,
) -> None:
    per_minute = 600  # 10 a second
    messages = enqueue_many(20, "storm")
    harness.stub.set_fault("429", count=5)
    env = {"MESSAGING_RATE_PER_MINUTE": str(per_minute)}
    harness.start_worker(**env)
    harness.start_worker(**env)
    harness.wait_for("the 429 storm", lambda: sum(harness.stub.state.attempted.values()) >= 5)
    harness.stub.set_fault("stall", count=2, stall_seconds=1.0)  # accept, answer too late

    harness.wait_for(
        "every message sent", lambda: harness.all_in(messages, {Status.SENT}), seconds=40
    )

    harness.assert_invariants(messages)
    times = sorted(harness.stub.post_times())
    busiest = max(sum(1 for u in times[i:] if u < t + 1.0) for i, t in enumerate(times))
    assert busiest <= per_minute / 60, f"{busiest} requests in one second"
    assert (
        OutboundMessage.objects.filter(pk__in=[m.pk for m in messages], attempts__gt=3).count() == 0
    )


@needs_concurrent_writers
def test_replayed_late_and_out_of_order_receipts_leave_every_status_monotonic(
    settings, live_server, notify_stub: NotifyStub
) -> None:  # type: ignore[no-untyped-def]
    settings.MESSAGING_CHANNEL = "notify"
    settings.NOTIFY_BASE_URL = notify_stub.url
    settings.NOTIFY_API_KEY = notify_stub.api_key
    settings.NOTIFY_TIMEOUT_SECONDS = CLIENT_TIMEOUT
    settings.NOTIFY_TEMPLATE_IDS = {"sms": SMS_TEMPLATE_ID}
    settings.NOTIFY_CALLBACK_BEARER_TOKEN = TOKEN
    url = f"{live_server.url}/callbacks/notify/delivery-status/"

    # Duplicated and out of order: delivered first, then Notify's earlier failure.
    notify_stub.set_callbacks(
        url, token=TOKEN, statuses=["delivered", "temporary-failure"], repeat=2
    )
    first = [enqueue_sms(f"receipts-a-{i}:update:v1:sms") for i in range(3)]
    # Failed for a while, then delivered late.
    notify_stub.set_callbacks(
        url, token=TOKEN, statuses=["technical-failure", "delivered"], delay=0.2
    )
    second = [enqueue_sms(f"receipts-b-{i}:update:v1:sms") for i in range(3)]
    messages = first + second
    for message in messages:  # the doorbell already sent them; this is a no-op
        message_send(message_id=message.pk, worker_id="test")

    def delivered() -> bool:
        return set(
            OutboundMessage.objects.filter(pk__in=[m.pk for m in messages]).values_list(
                "status", flat=True
            )
        ) == {Status.DELIVERED}

    deadline = time.monotonic() + 20
    while not delivered() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert delivered()
    expected_receipts = 4 * len(first) + 2 * len(second)
    deadline = time.monotonic() + 20
    while DeliveryReceipt.objects.count() < expected_receipts and time.monotonic() < deadline:
        time.sleep(0.05)
    # Replays long after the fact.
    for message in messages:
        provider_id = notify_stub.id_for(message.reference)
        assert provider_id
        assert notify_stub.send_receipt(provider_id, "permanent-failure") == 200
        assert notify_stub.send_receipt(provider_id, "delivered") == 200

    assert delivered()
    assert DeliveryReceipt.objects.count() == expected_receipts + 2 * len(messages)
    assert not DeliveryReceipt.objects.filter(message__isnull=True).exists()
    for message in messages:
        assert notify_stub.accepted(message.reference) == 1
        path = list(
            MessageStatusEvent.objects.filter(message=message)
            .order_by("occurred_at", "id")
            .values_list("to_status", flat=True)
        )
        assert path[-1] == Status.DELIVERED and path.count(Status.DELIVERED) == 1, path
    assert OutboundMessage.objects.filter(
        pk__in=[m.pk for m in second], events__to_status=Status.NEEDS_ATTENTION
    ).count() == len(second)
