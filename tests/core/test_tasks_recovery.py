"""A task left "running" by a worker that died is put back to ready once the
worker's heartbeat is stale, at most TASK_MAX_STARTS times, then failed where an
administrator sees it; two sweeps never recover one task twice. A worker waits
1 s again after the database comes back, and a worker stopped during an outage
tries once to put its interrupted task back.

Real tasks and task rows (django-tasks-db), real heartbeats; only the clock
(time-machine) and, for an outage, the database driver are replaced. The same
stories with real processes and a real PostgreSQL: tests/ops/test_orphaned_tasks.py.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Callable, Iterator

import pytest
import time_machine
from django.conf import settings
from django.db import OperationalError, connection
from django.db.backends import utils as db_utils
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from tests.core.test_audit_search import sign_in_with_second_factor
from tests.testapp.models import ContactRecord
from victimcare.core.management.commands.worker import Claim, ResilientWorker
from victimcare.core.models import WorkerHeartbeat
from victimcare.core.scheduler import discover_jobs
from victimcare.core.tasks_recovery import (
    ABANDONED_EXCEPTION_PATH,
    ORPHAN_HEARTBEATS_MISSED,
    TASK_MAX_STARTS,
    UNKNOWN_WORKER_LIMIT,
    Outcome,
    Reason,
    task_orphan_recover,
    task_release,
    tasks_orphaned_find,
    tasks_orphaned_sweep,
)

T0 = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)
BEAT = dt.timedelta(seconds=settings.WORKER_HEARTBEAT_SECONDS)
STALE = BEAT * ORPHAN_HEARTBEATS_MISSED
DEAD = 'connection to server at "127.0.0.1", port 5432 failed: Connection refused'


def _task(label: str, *, earlier_starts: int = 0) -> DBTaskResult:
    """A ready task row for the test-only record_task, as `enqueue` writes it, already
    started `earlier_starts` times by workers that did not finish it."""
    return DBTaskResult.objects.create(
        task_path="tests.testapp.tasks.record_task",
        args_kwargs={"args": [], "kwargs": {"label": label, "seconds": 0.0}},
        backend_name="default",
        run_after=get_date_max(),
        worker_ids=[f"host-{n}-0a0a0a" for n in range(earlier_starts)],
    )


def _worker_alive(worker_id: str) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id, defaults={"started_at": T0, "last_seen": dt.datetime.now(dt.UTC)}
    )


def _claimed_by(worker_id: str, label: str = "call-back", **kwargs: int) -> DBTaskResult:
    """A task claimed now by `worker_id`, as django-tasks-db's worker claims it."""
    row = _task(label, **kwargs)
    row.claim(worker_id)
    return row


def _events(capfd: pytest.CaptureFixture[str]) -> list[dict]:
    lines = capfd.readouterr().err.splitlines()
    return [json.loads(line) for line in lines if line.strip().startswith("{")]


def _run_worker_batch() -> None:
    ResilientWorker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="host-9-b0b0b0",
        excluded_queue_names=[],
    ).run_until_stopped(max_backoff=1)


# --- The sweep ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_task_whose_worker_stopped_beating_goes_back_to_ready_and_another_worker_runs_it_once(
    capfd,
):
    with time_machine.travel(T0, tick=False) as clock:
        _worker_alive("host-1-a1a1a1")
        row = _claimed_by("host-1-a1a1a1")
        capfd.readouterr()

        # The worker is killed now. Until it has missed three beats it may be alive.
        clock.move_to(T0 + STALE - dt.timedelta(seconds=1))
        assert tasks_orphaned_sweep()[Outcome.RECOVERED] == 0
        assert DBTaskResult.objects.get(pk=row.pk).status == TaskResultStatus.RUNNING

        clock.move_to(T0 + STALE + dt.timedelta(seconds=1))
        counts = tasks_orphaned_sweep()
        again = tasks_orphaned_sweep()

    assert counts[Outcome.RECOVERED] == 1
    assert again[Outcome.RECOVERED] == 0  # already ready: nothing to do
    row.refresh_from_db()
    assert (row.status, row.started_at, row.worker_ids) == (
        TaskResultStatus.READY,
        None,
        ["host-1-a1a1a1"],  # who ran it before is kept: it counts the starts
    )
    recovered = [e for e in _events(capfd) if e["event"] == "tasks.orphan_recovered"]
    assert len(recovered) == 1
    assert recovered[0]["task_id"] == str(row.pk)
    assert recovered[0]["worker_id"] == "host-1-a1a1a1"
    assert recovered[0]["reason"] == Reason.HEARTBEAT_STALE
    assert recovered[0]["task"] == "record_task"
    assert "call-back" not in json.dumps(recovered)  # never the task's arguments

    _run_worker_batch()

    row.refresh_from_db()
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert row.worker_ids == ["host-1-a1a1a1", "host-9-b0b0b0"]
    assert ContactRecord.objects.filter(label="call-back").count() == 1


@pytest.mark.django_db
def test_a_long_task_of_a_worker_that_still_beats_is_left_running():
    with time_machine.travel(T0, tick=False) as clock:
        _worker_alive("host-1-a1a1a1")
        row = _claimed_by("host-1-a1a1a1")
        clock.move_to(T0 + dt.timedelta(hours=5))
        _worker_alive("host-1-a1a1a1")  # its heartbeat thread beats while the task runs
        clock.move_to(T0 + dt.timedelta(hours=5) + BEAT)

        counts = tasks_orphaned_sweep()

    assert counts == {Outcome.RECOVERED: 0, Outcome.FAILED: 0, Outcome.GONE: 0}
    assert DBTaskResult.objects.get(pk=row.pk).status == TaskResultStatus.RUNNING


@pytest.mark.django_db
def test_a_task_of_a_worker_with_no_heartbeat_is_recovered_only_after_the_generous_limit():
    with time_machine.travel(T0, tick=False) as clock:
        row = _claimed_by("other-process-without-heartbeat")
        clock.move_to(T0 + UNKNOWN_WORKER_LIMIT - dt.timedelta(minutes=1))
        early = tasks_orphaned_find(now=dt.datetime.now(dt.UTC))
        clock.move_to(T0 + UNKNOWN_WORKER_LIMIT + dt.timedelta(minutes=1))
        late = tasks_orphaned_find(now=dt.datetime.now(dt.UTC))
        counts = tasks_orphaned_sweep()

    assert early == []
    assert [(o.task_id, o.reason) for o in late] == [(row.pk, Reason.WORKER_UNKNOWN)]
    assert counts[Outcome.RECOVERED] == 1
    assert DBTaskResult.objects.get(pk=row.pk).status == TaskResultStatus.READY


@pytest.mark.django_db
def test_a_task_that_keeps_killing_its_worker_is_failed_after_the_last_start_and_reported(
    capfd, client, administrator
):
    with time_machine.travel(T0, tick=False) as clock:
        _worker_alive("host-5-e5e5e5")
        last_chance = _claimed_by("host-5-e5e5e5", "one-more", earlier_starts=TASK_MAX_STARTS - 2)
        worn_out = _claimed_by("host-5-e5e5e5", "worn-out", earlier_starts=TASK_MAX_STARTS - 1)
        capfd.readouterr()
        clock.move_to(T0 + STALE + dt.timedelta(seconds=1))

        counts = tasks_orphaned_sweep()

    assert counts == {Outcome.RECOVERED: 1, Outcome.FAILED: 1, Outcome.GONE: 0}
    assert DBTaskResult.objects.get(pk=last_chance.pk).status == TaskResultStatus.READY
    worn_out.refresh_from_db()
    assert worn_out.status == TaskResultStatus.FAILED
    assert worn_out.finished_at == T0 + STALE + dt.timedelta(seconds=1)
    assert worn_out.exception_class_path == ABANDONED_EXCEPTION_PATH
    assert f"started {TASK_MAX_STARTS} times" in worn_out.traceback
    errors = [e for e in _events(capfd) if e.get("level") == "error"]
    assert [(e["event"], e["task_id"], e["starts"]) for e in errors] == [
        ("tasks.orphan_failed", str(worn_out.pk), TASK_MAX_STARTS)
    ]

    # An administrator finds it among the failed tasks in the admin, with the reason.
    sign_in_with_second_factor(client, administrator)
    listing = client.get("/admin/django_tasks_database/dbtaskresult/?status__exact=FAILED")
    detail = client.get(f"/admin/django_tasks_database/dbtaskresult/{worn_out.pk}/change/")
    assert listing.status_code == 200
    assert str(worn_out.pk) in listing.content.decode()
    assert str(last_chance.pk) not in listing.content.decode()
    assert detail.status_code == 200
    assert f"started {TASK_MAX_STARTS} times" in detail.content.decode()


@pytest.mark.django_db
def test_two_sweeps_racing_over_the_same_task_recover_it_once():
    with time_machine.travel(T0, tick=False) as clock:
        _worker_alive("host-1-a1a1a1")
        row = _claimed_by("host-1-a1a1a1")
        clock.move_to(T0 + STALE + dt.timedelta(seconds=1))
        now = dt.datetime.now(dt.UTC)

        # Two schedulers' sweeps both read the task as orphaned, then both act.
        seen_by_first = tasks_orphaned_find(now=now)
        seen_by_second = tasks_orphaned_find(now=now)
        second = [task_orphan_recover(orphan=o, now=now) for o in seen_by_second]
        first = [task_orphan_recover(orphan=o, now=now) for o in seen_by_first]

    assert (second, first) == ([Outcome.RECOVERED], [Outcome.GONE])
    assert DBTaskResult.objects.get(pk=row.pk).status == TaskResultStatus.READY


@pytest.mark.django_db
def test_a_slow_sweep_does_not_take_a_task_back_from_the_worker_that_claimed_it_since():
    with time_machine.travel(T0, tick=False) as clock:
        _worker_alive("host-1-a1a1a1")
        row = _claimed_by("host-1-a1a1a1")
        clock.move_to(T0 + STALE + dt.timedelta(seconds=1))
        now = dt.datetime.now(dt.UTC)
        slow = tasks_orphaned_find(now=now)
        tasks_orphaned_sweep()  # a faster sweep puts it back…
        clock.move_to(now + dt.timedelta(seconds=1))
        _worker_alive("host-2-c2c2c2")
        DBTaskResult.objects.get(pk=row.pk).claim("host-2-c2c2c2")  # …and a live worker takes it

        late = [task_orphan_recover(orphan=o, now=now) for o in slow]
        # The dead worker's own late release (had it come back) frees nothing either.
        released = task_release(task_id=row.pk, started_at=slow[0].started_at)

    assert late == [Outcome.GONE]
    assert released is False
    row.refresh_from_db()
    assert row.status == TaskResultStatus.RUNNING
    assert row.worker_ids == ["host-1-a1a1a1", "host-2-c2c2c2"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sweeps_in_four_threads_at_once_recover_each_task_exactly_once():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    started = dt.datetime.now(dt.UTC) - STALE * 2
    WorkerHeartbeat.objects.create(worker_id="host-1-a1a1a1", started_at=started, last_seen=started)
    rows = [_claimed_by("host-1-a1a1a1", f"task-{n}") for n in range(20)]
    DBTaskResult.objects.filter(pk__in=[r.pk for r in rows]).update(started_at=started)
    barrier = threading.Barrier(4)
    results: list[dict[str, int]] = []

    def sweep() -> None:
        try:
            barrier.wait(timeout=30)
            results.append(tasks_orphaned_sweep())
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(results) == 4
    assert sum(r[Outcome.RECOVERED] for r in results) == 20
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {TaskResultStatus.READY}


def test_every_process_that_claims_periodic_jobs_knows_the_sweep():
    # `victimcare worker` and `victimcare scheduler` both find it (the worker command imports it).
    jobs = discover_jobs()
    assert jobs["tasks_orphaned_sweep"].every == dt.timedelta(minutes=1)
    assert jobs["tasks_orphaned_sweep"].func is tasks_orphaned_sweep


# --- The worker: back-off and shutdown during an outage --------------------------------


@pytest.fixture
def outage(monkeypatch) -> dict[str, bool]:
    """`outage["down"] = True` makes every statement from then on fail like a dead server."""
    state = {"down": False}
    execute, executemany = db_utils.CursorWrapper.execute, db_utils.CursorWrapper.executemany

    def guarded(real: Callable[..., object]) -> Callable[..., object]:
        def run(self: db_utils.CursorWrapper, *args: object, **kwargs: object) -> object:
            if state["down"]:
                raise OperationalError(DEAD)
            return real(self, *args, **kwargs)

        return run

    monkeypatch.setattr(db_utils.CursorWrapper, "execute", guarded(execute))
    monkeypatch.setattr(db_utils.CursorWrapper, "executemany", guarded(executemany))
    return state


def _worker(interval: float = 0.5) -> ResilientWorker:
    return ResilientWorker(
        queue_names=["*"],
        interval=interval,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="host-3-d3d3d3",
        excluded_queue_names=[],
    )


@pytest.mark.django_db(transaction=True)
def test_the_wait_goes_back_to_one_second_once_the_database_answers_again(outage, monkeypatch):
    worker = _worker(interval=0.5)
    waits: list[float] = []

    def clock_sleep(seconds: float) -> None:
        """The worker's waits. Polling for work (the interval) is when the second
        outage begins; the database comes back after the third back-off wait."""
        if seconds == worker.interval:
            outage["down"] = True
            return
        waits.append(seconds)
        if len(waits) == 3:
            outage["down"] = False
        if len(waits) == 4:
            worker.running = False

    monkeypatch.setattr(time, "sleep", clock_sleep)
    outage["down"] = True

    worker.run_until_stopped(max_backoff=30)

    # First outage: 1, 2, 4; the database answered; second outage: 1 again (not 8).
    assert waits == [1.0, 2.0, 4.0, 1.0]


@pytest.fixture
def interrupted_task(transactional_db) -> Iterator[tuple[ResilientWorker, DBTaskResult]]:
    """A worker whose task in hand was cut short by a database outage."""
    with time_machine.travel(T0, tick=False):
        _worker_alive("host-3-d3d3d3")
        row = _claimed_by("host-3-d3d3d3")
    worker = _worker()
    worker.interrupted = Claim(task_id=row.pk, started_at=row.started_at)
    yield worker, row


def test_a_worker_stopping_after_the_database_returned_puts_its_interrupted_task_back(
    interrupted_task, capfd
):
    worker, row = interrupted_task

    worker.release_on_shutdown()

    row.refresh_from_db()
    assert (row.status, row.started_at) == (TaskResultStatus.READY, None)
    assert worker.interrupted is None
    assert "worker.task_released" in [e["event"] for e in _events(capfd)]


def test_a_worker_stopping_while_the_database_is_gone_leaves_its_task_to_the_sweep(
    interrupted_task, outage, capfd
):
    worker, row = interrupted_task
    capfd.readouterr()
    outage["down"] = True

    worker.release_on_shutdown()  # tries once, does not raise, does not wait

    outage["down"] = False
    events = _events(capfd)
    assert [(e["event"], e["error_class"], e["left_to"]) for e in events] == [
        ("worker.task_release_failed", "OperationalError", "tasks_orphaned_sweep")
    ]
    assert DEAD not in json.dumps(events)
    assert DBTaskResult.objects.get(pk=row.pk).status == TaskResultStatus.RUNNING

    with time_machine.travel(T0 + STALE + dt.timedelta(seconds=1), tick=False):
        counts = tasks_orphaned_sweep()

    assert counts[Outcome.RECOVERED] == 1
    assert DBTaskResult.objects.get(pk=row.pk).status == TaskResultStatus.READY


@pytest.mark.django_db
def test_pruning_keeps_the_beat_of_a_dead_worker_still_named_on_a_running_task():
    """All workers were down for longer than the prune age: the first one back must
    not forget the dead worker whose stale beat tells the sweep its task is orphaned."""
    from victimcare.core.jobs import heartbeats_prune

    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(
        seconds=settings.WORKER_HEARTBEAT_SECONDS * 41
    )
    for worker_id in ("host-1-dead00", "host-2-gone00"):
        WorkerHeartbeat.objects.create(worker_id=worker_id, started_at=long_ago, last_seen=long_ago)
    _claimed_by("host-1-dead00")

    heartbeats_prune()

    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["host-1-dead00"]
