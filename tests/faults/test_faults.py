"""Fault tests (issue 11 item 5; notes/reliability.md C.3 F4–F6, F8, F9, F11, F12).

The real service runs against a private PostgreSQL cluster while a small mixed
workload (an officer reading case pages, a partner posting events with
Idempotency-Keys, victims posting feedback) runs through each fault. After
each: no answer was a 500 (a database outage answers 503), the service came
back by itself, every acknowledged write is stored once with its duties,
nothing is half-written, every message settled and reached the provider at
most once, and the audit chain verifies (checks.assert_all_hold).

Everything polls against a deadline. The only fixed waits are the faults
themselves (a 30-second freeze, a kill every 2 seconds).
"""

from __future__ import annotations

import signal
import time

import pytest

from .checks import (
    assert_all_hold,
    assert_messages_settled,
    assert_no_server_errors,
)
from .conftest import FULL, Rig
from .harness import connect, wait_for
from .load import Load, running

pytestmark = [pytest.mark.faults, pytest.mark.slow]

FREEZE_SECONDS = 30
OUTAGE_503_SECONDS = 30
RESUME_SECONDS = 90
LINKS_PER_TEST = 40
# Successful requests to see before a fault and after it (FAULT_SCALE=full: a longer load).
STEADY = 100 if FULL else 20


def _load(rig: Rig, tag: str) -> Load:
    return Load(
        url=rig.service.url,
        seed=rig.seed,
        token=rig.token,
        tag=f"{tag}-{int(time.time())}",
        links=rig.take_links(LINKS_PER_TEST),
    )


def _messages(rig: Rig) -> int:
    with connect(rig.db_url) as conn:
        row = conn.execute("SELECT count(*) FROM messaging_outboundmessage").fetchone()
    return int(row[0]) if row else 0


def test_postgresql_killed_and_restarted_under_load_pages_answer_503_and_nothing_is_lost(
    rig: Rig,
) -> None:
    load = _load(rig, "pg-kill")
    with running(load):
        load.wait_for_successes(STEADY, RESUME_SECONDS)
        rig.cluster.stop("immediate")
        down = time.monotonic()
        try:
            wait_for(
                "pages and API calls to answer 503 while the database is down",
                lambda: load.count(503, since=down) >= 5,
                OUTAGE_503_SECONDS,
            )
            assert_no_server_errors(load)
        finally:
            rig.cluster.start()
        load.wait_for_successes(STEADY, RESUME_SECONDS)

    assert_all_hold(rig, load)


def test_postgresql_frozen_for_30_seconds_the_service_resumes_without_500s(rig: Rig) -> None:
    load = _load(rig, "pg-freeze")
    with running(load):
        load.wait_for_successes(STEADY, RESUME_SECONDS)
        assert rig.cluster.signal_all(signal.SIGSTOP) > 1
        frozen = time.monotonic()
        try:
            load.stopping.wait(FREEZE_SECONDS)  # the fault itself: 30 s of a hung server
        finally:
            rig.cluster.signal_all(signal.SIGCONT)
        thawed = time.monotonic()
        load.wait_for_successes(STEADY, RESUME_SECONDS)
    during = load.statuses(frozen, thawed)
    print(f"answers while frozen: {dict(during)}")  # noqa: T201 - recorded in the results

    assert_all_hold(rig, load)


def test_a_worker_killed_repeatedly_while_messages_drain_is_restarted_and_none_is_sent_twice(
    rig: Rig,
) -> None:
    rig.stub.set_fault("stall", stall_seconds=0.2)  # each send takes a while: kills land mid-send
    load = _load(rig, "worker-kill")
    before = _messages(rig)
    restarts = rig.service.roles["worker-1"].restarts
    try:
        with running(load):
            wait_for(
                "messages queued by the events",
                lambda: _messages(rig) >= before + 5,
                RESUME_SECONDS,
            )
            for _ in range(4):
                pid = rig.service.kill("worker-1")
                wait_for(
                    "the supervisor to restart the worker",
                    lambda pid=pid: (
                        rig.service.alive("worker-1") and rig.service.pid("worker-1") != pid
                    ),
                    30,
                )
                load.stopping.wait(2)  # the fault's rhythm: a kill every 2 seconds
            load.wait_for_successes(STEADY // 2, RESUME_SECONDS)
    finally:
        rig.stub.set_fault("none")

    assert rig.service.roles["worker-1"].restarts >= restarts + 4
    assert_all_hold(rig, load)


def test_the_scheduler_killed_the_other_workers_scheduler_still_claims_due_jobs(rig: Rig) -> None:
    role = rig.service.roles["worker-1"]
    with connect(rig.db_url) as conn:
        wait_for(
            "the schedulers to register their jobs",
            lambda: conn.execute("SELECT count(*) FROM core_periodicjob").fetchone()[0] > 0,
            60,
        )
        (job,) = conn.execute("SELECT name FROM core_periodicjob ORDER BY name LIMIT 1").fetchone()
    role.supervised = False
    try:
        killed = rig.service.kill("worker-1")
        wait_for("the worker to die", lambda: not rig.service.alive("worker-1"), 10)
        with connect(rig.db_url) as conn:
            # Due now: as if its period had passed while its scheduler was dead.
            conn.execute(
                "UPDATE core_periodicjob SET last_started_at = NULL, last_finished_at = NULL"
                " WHERE name = %s",
                [job],
            )

            def claimed_and_run() -> bool:
                row = conn.execute(
                    "SELECT last_started_at, last_finished_at FROM core_periodicjob WHERE name = %s",
                    [job],
                ).fetchone()
                return (
                    row is not None
                    and row[0] is not None
                    and row[1] is not None
                    and row[1] >= row[0]
                )

            wait_for(f"the surviving scheduler to claim and run {job}", claimed_and_run, 60)
            (started,) = conn.execute(
                "SELECT last_started_at FROM core_periodicjob WHERE name = %s", [job]
            ).fetchone()

            def beats_since_claim() -> list[str]:
                rows = conn.execute(
                    "SELECT worker_id FROM core_workerheartbeat WHERE last_seen > %s", [started]
                ).fetchall()
                return [w for (w,) in rows]

            wait_for("the surviving worker to beat again", lambda: bool(beats_since_claim()), 30)
            beating = beats_since_claim()
        assert all(not w.endswith(f"-{killed}") for w in beating), (
            "nothing beats for the killed one"
        )
    finally:
        role.supervised = True
    wait_for("the supervisor to restart the worker", lambda: rig.service.alive("worker-1"), 30)
    assert_messages_settled(rig)


def test_redis_gone_rate_limits_fall_back_and_nothing_answers_500(rig: Rig) -> None:
    load = _load(rig, "redis-gone")
    try:
        with running(load):
            load.wait_for_successes(STEADY, RESUME_SECONDS)
            rig.redis.kill()
            gone = time.monotonic()
            load.wait_for_successes(STEADY * 2, RESUME_SECONDS)
            after = load.statuses(since=gone)
        assert any(kind == "feedback-post" and s == 200 for (kind, s) in after), after
        assert any(kind == "event-post" and s in (200, 201) for (kind, s) in after), after
    finally:
        rig.redis.start()

    assert_all_hold(rig, load)


def test_notify_429s_errors_and_stalls_every_message_delivered_once(rig: Rig) -> None:
    load = _load(rig, "notify-faults")
    before = _messages(rig)
    try:
        with running(load):
            rig.stub.set_fault("429", count=10)
            wait_for(
                "messages queued by the events",
                lambda: _messages(rig) >= before + 3,
                RESUME_SECONDS,
            )
            wait_for("the 429s to be met", lambda: rig.stub.state.fault == "none", RESUME_SECONDS)
            rig.stub.set_fault("500", count=10)
            wait_for("the 500s to be met", lambda: rig.stub.state.fault == "none", RESUME_SECONDS)
            # Accepted, then answered after the client gave up: the ambiguous case.
            rig.stub.set_fault("stall", count=4, stall_seconds=3)
            wait_for("the stalls to be met", lambda: rig.stub.state.fault == "none", RESUME_SECONDS)
            load.wait_for_successes(STEADY // 2, RESUME_SECONDS)
    finally:
        rig.stub.set_fault("none")

    assert_all_hold(rig, load)


def test_disk_full_writes_fail_cleanly_and_the_service_recovers_when_space_is_freed(
    rig: Rig,
) -> None:
    load = _load(rig, "disk-full")
    try:
        with running(load):
            load.wait_for_successes(STEADY, RESUME_SECONDS)
            rig.cluster.fill_disk()
            full = time.monotonic()
            wait_for(
                "writes to be refused with 503 on the full disk",
                lambda: load.count(503, since=full) >= 3,
                RESUME_SECONDS,
            )
            assert_no_server_errors(load)
            rig.cluster.free_disk()
            load.wait_for_successes(STEADY, RESUME_SECONDS)
    finally:
        rig.cluster.free_disk()

    assert_all_hold(rig, load)
