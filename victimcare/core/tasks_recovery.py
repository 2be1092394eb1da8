"""Tasks a dead worker left "running": found by a sweep and put back to ready.

django-tasks-db marks a task RUNNING when a worker claims it and appends that
worker's id to the row's `worker_ids` (`victimcare worker` uses the id it beats
`WorkerHeartbeat` with). A worker that dies without finishing the task (`kill
-9`, a crash, the host lost, a shutdown while the database was gone) leaves the
row RUNNING for ever: no worker takes a RUNNING task again.

`tasks_orphaned_sweep` (every minute) judges each RUNNING task's worker — its
last claimer — dead when its heartbeat is older than ORPHAN_HEARTBEATS_MISSED
beats, or, when it has no heartbeat row at all (pruned, or a process that never
beats), when the task has been running longer than UNKNOWN_WORKER_LIMIT. Such a
task goes back to ready and runs again: tasks are idempotent (STYLE.md "Tasks
take ids, reload, call a service, and are idempotent").

The number of starts is bounded: a task already started TASK_MAX_STARTS times
(the length of `worker_ids`: every claim adds one) is not started again but
marked failed as `TaskAbandoned`, with a plain explanation in its traceback
field, an error log line `tasks.orphan_failed`, and a row in the admin's Task
Results list (filter: status Failed), so that a person looks at why it keeps
stopping its worker.

Every change is one conditional UPDATE on (id, RUNNING, the started_at the sweep
saw): when two sweeps race, or a worker re-claimed the task in between, only one
UPDATE matches and nothing is recovered twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import structlog
from django.conf import settings
from django.db.models import QuerySet
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from .models import WorkerHeartbeat
from .scheduler import periodic

log = structlog.get_logger(__name__)

# A worker beats every WORKER_HEARTBEAT_SECONDS (15 s); three missed beats mean dead.
ORPHAN_HEARTBEATS_MISSED = 3
# A RUNNING task whose worker has no heartbeat row at all is left alone this long.
UNKNOWN_WORKER_LIMIT = dt.timedelta(hours=1)
# A task started this many times without finishing is failed, not started again.
TASK_MAX_STARTS = 5
# RUNNING rows looked at per sweep (the rest wait for the next sweep).
SWEEP_BATCH = 200
SWEEP_EVERY = dt.timedelta(minutes=1)

ABANDONED_EXCEPTION_PATH = "victimcare.core.tasks_recovery.TaskAbandoned"
ABANDONED_TEXT = (
    "Not run again automatically: this task was started {starts} times and each time the "
    "worker running it stopped (killed, crashed, lost or shut down while the database was "
    "unavailable) before it finished. Find out why it stops its worker, then enqueue it "
    "again (tasks are safe to run again)."
)


class TaskAbandoned(Exception):
    """What a task failed by the sweep is recorded as (never raised)."""


class Outcome:
    RECOVERED = "recovered"
    FAILED = "failed"
    GONE = "gone"  # finished, released or re-claimed since the sweep looked


class Reason:
    HEARTBEAT_STALE = "heartbeat_stale"
    WORKER_UNKNOWN = "worker_unknown"


@dataclass(frozen=True)
class OrphanedTask:
    """A RUNNING task whose worker is judged dead, as the sweep saw it."""

    task_id: Any
    started_at: dt.datetime | None
    worker_id: str
    starts: int
    task_path: str
    reason: str

    @property
    def task_name(self) -> str:
        return self.task_path.rsplit(".", 1)[-1]


def _still_claimed(*, task_id: Any, started_at: dt.datetime | None) -> QuerySet[DBTaskResult]:
    """The row, only while it is still the same claim: RUNNING, same started_at."""
    rows = DBTaskResult.objects.filter(pk=task_id, status=TaskResultStatus.RUNNING)
    if started_at is None:
        return rows.filter(started_at__isnull=True)
    return rows.filter(started_at=started_at)


def task_release(*, task_id: Any, started_at: dt.datetime | None) -> bool:
    """Put a claimed task back to ready, but only if it is still that claim (a
    sweep may have recovered it and another worker claimed it since). Used by a
    worker for a task it could not finish. Returns whether it released it."""
    released = _still_claimed(task_id=task_id, started_at=started_at).update(
        status=TaskResultStatus.READY, started_at=None
    )
    return bool(released)


def tasks_orphaned_find(*, now: dt.datetime) -> list[OrphanedTask]:
    """RUNNING tasks whose worker is judged dead at `now` (see the module
    docstring), oldest first, at most SWEEP_BATCH. Reads only."""
    stale_before = now - dt.timedelta(
        seconds=settings.WORKER_HEARTBEAT_SECONDS * ORPHAN_HEARTBEATS_MISSED
    )
    running = list(
        DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
        .order_by("started_at")
        .values("pk", "started_at", "worker_ids", "task_path")[:SWEEP_BATCH]
    )
    workers = {row["worker_ids"][-1] for row in running if row["worker_ids"]}
    last_seen = dict(
        WorkerHeartbeat.objects.filter(worker_id__in=workers).values_list("worker_id", "last_seen")
    )
    orphans = []
    for row in running:
        worker_id = row["worker_ids"][-1] if row["worker_ids"] else ""
        seen = last_seen.get(worker_id)
        started_at = row["started_at"]
        if seen is not None:
            if seen >= stale_before:
                continue  # the worker is alive: its task may take as long as it needs
            reason = Reason.HEARTBEAT_STALE
        else:
            if started_at is not None and started_at > now - UNKNOWN_WORKER_LIMIT:
                continue
            reason = Reason.WORKER_UNKNOWN
        orphans.append(
            OrphanedTask(
                task_id=row["pk"],
                started_at=started_at,
                worker_id=worker_id,
                starts=len(row["worker_ids"]),
                task_path=row["task_path"],
                reason=reason,
            )
        )
    return orphans


def task_orphan_recover(*, orphan: OrphanedTask, now: dt.datetime) -> str:
    """Put one orphaned task back to ready, or fail it once it has been started
    TASK_MAX_STARTS times. One conditional UPDATE: returns Outcome.GONE (and
    changes nothing) if the row is no longer the claim `orphan` describes."""
    rows = _still_claimed(task_id=orphan.task_id, started_at=orphan.started_at)
    fields = {
        "task_id": str(orphan.task_id),
        "task": orphan.task_name,
        "worker_id": orphan.worker_id,
        "starts": orphan.starts,
        "reason": orphan.reason,
    }
    if orphan.starts >= TASK_MAX_STARTS:
        failed = rows.update(
            status=TaskResultStatus.FAILED,
            finished_at=now,
            return_value=None,
            exception_class_path=ABANDONED_EXCEPTION_PATH,
            traceback=ABANDONED_TEXT.format(starts=orphan.starts),
        )
        if not failed:
            return Outcome.GONE
        # A person must look: the error line is for alerting, the failed row for the admin.
        log.error("tasks.orphan_failed", **fields)
        return Outcome.FAILED
    if not rows.update(status=TaskResultStatus.READY, started_at=None):
        return Outcome.GONE
    log.warning("tasks.orphan_recovered", **fields)
    return Outcome.RECOVERED


@periodic("tasks_orphaned_sweep", every=SWEEP_EVERY)
def tasks_orphaned_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Recover (or, past TASK_MAX_STARTS, fail) every task a dead worker left
    RUNNING. Safe to run anywhere and concurrently. Returns counts per outcome."""
    now = now or timezone.now()
    counts = {Outcome.RECOVERED: 0, Outcome.FAILED: 0, Outcome.GONE: 0}
    for orphan in tasks_orphaned_find(now=now):
        counts[task_orphan_recover(orphan=orphan, now=now)] += 1
    if counts[Outcome.RECOVERED] or counts[Outcome.FAILED]:
        log.info("tasks.orphaned_sweep", **counts)
    return counts
