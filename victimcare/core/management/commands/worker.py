"""`victimcare worker`: runs background jobs (django.tasks, database backend) and the scheduler.

One process = one task runner in the main thread plus, unless --no-scheduler, a
scheduler thread that beats the heartbeat and claims due periodic jobs. Any
number may run (separate hosts, separate PostgreSQL connections): task claims
use SKIP LOCKED on PostgreSQL and periodic claims are conditional updates.
SIGTERM/SIGINT: finish the task in hand, then exit (a second signal aborts it).

A database outage does not end the process: the task runner and the scheduler
thread log the error class, close the connection and try again (backing off to
`--max-backoff` seconds). A task cut short by the outage is put back to ready
once the database answers, so nothing is left claimed by a worker that has
moved on. `victimcare scheduler` runs the scheduler loop alone.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from argparse import ArgumentParser
from typing import Any

import structlog
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections, connection
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from victimcare.core.models import WorkerHeartbeat
from victimcare.core.scheduler import discover_jobs, jobs_claim_due

log = structlog.get_logger("victimcare.worker")

# Errors that mean "the database is not answering" (refused, dropped, timed out).
DATABASE_OUTAGE_ERRORS = (DatabaseError,)


def connection_discard() -> None:
    """Drop this thread's database connection, whatever state it is in; the next
    query opens a new one."""
    try:
        connection.close()
    except DatabaseError:
        # Closing a connection to a dead server can fail; it is gone either way.
        connection.connection = None


def heartbeat_beat(*, worker_id: str, started_at: Any) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id, defaults={"last_seen": timezone.now(), "started_at": started_at}
    )


class SchedulerThread(threading.Thread):
    """Beats the heartbeat and claims due periodic jobs every `tick` seconds."""

    def __init__(self, *, worker_id: str, tick: float, schedule: bool) -> None:
        super().__init__(name="victimcare-scheduler", daemon=True)
        self.worker_id = worker_id
        self.tick = tick
        self.schedule = schedule
        self.stopping = threading.Event()
        self.started_at = timezone.now()

    def run(self) -> None:
        last_beat = 0.0
        while not self.stopping.is_set():
            try:
                close_old_connections()
                now = timezone.now().timestamp()
                if now - last_beat >= settings.WORKER_HEARTBEAT_SECONDS:
                    heartbeat_beat(worker_id=self.worker_id, started_at=self.started_at)
                    last_beat = now
                if self.schedule:
                    claimed = jobs_claim_due()
                    if claimed:
                        log.info("scheduler.claimed", jobs=claimed)
            except DATABASE_OUTAGE_ERRORS as exc:
                # A database outage must not kill the scheduler: try again next tick.
                log.error("scheduler.database_unavailable", error_class=type(exc).__name__)
                connection_discard()
            except Exception:
                log.exception("scheduler.tick_failed")
                connection_discard()
            self.stopping.wait(self.tick)
        connection_discard()


class ResilientWorker(Worker):
    """django-tasks-db's worker, remembering the task in hand so that a task cut
    short by a database outage can be put back to ready."""

    current_task_id: Any = None

    def run_task(self, db_task_result: DBTaskResult) -> None:
        # Left set if the run ends in a database error (run_until_stopped reads it).
        self.current_task_id = db_task_result.pk
        super().run_task(db_task_result)
        self.current_task_id = None

    def run_until_stopped(self, *, max_backoff: float) -> None:
        """Run; on a database outage wait (1 s, doubling to `max_backoff`) and run
        again, until a signal stops the worker or batch mode finds nothing to do."""
        backoff = 1.0
        interrupted: Any = None
        while self.running:
            try:
                if interrupted is not None:
                    task_release(task_id=interrupted)
                    interrupted = None
                self.run()
                return
            except DATABASE_OUTAGE_ERRORS as exc:
                interrupted = interrupted or self.current_task_id
                self.current_task_id = None
                self.running_task = False
                log.error(
                    "worker.database_unavailable",
                    error_class=type(exc).__name__,
                    retry_in_seconds=backoff,
                )
                connection_discard()
                if not self.running:
                    return
                time.sleep(backoff)
                backoff = min(backoff * 2, max_backoff)


def task_release(*, task_id: Any) -> bool:
    """Put a task this worker claimed but could not finish back to ready (tasks are
    idempotent). Returns whether it was still claimed."""
    released = DBTaskResult.objects.filter(pk=task_id, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.READY, started_at=None
    )
    if released:
        log.warning("worker.task_released", task_id=str(task_id))
    return bool(released)


class Command(BaseCommand):
    help = "Run background jobs and the scheduler."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--queue",
            action="append",
            dest="queues",
            help="Queue(s) to take tasks from (default: all).",
        )
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Seconds to wait when no task is ready."
        )
        parser.add_argument("--tick", type=float, default=5.0, help="Scheduler tick in seconds.")
        parser.add_argument(
            "--no-scheduler", action="store_true", help="Run tasks only; no periodic jobs."
        )
        parser.add_argument(
            "--batch",
            action="store_true",
            help="Exit when no task is ready (for tests and one-off runs).",
        )
        parser.add_argument(
            "--max-backoff",
            type=float,
            default=30.0,
            help="Longest wait between tries while the database is unavailable (seconds).",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        worker_id = f"{socket.gethostname()[:40]}-{os.getpid()}"
        discover_jobs()
        scheduler = SchedulerThread(
            worker_id=worker_id, tick=opts["tick"], schedule=not opts["no_scheduler"]
        )
        if not opts["batch"]:
            scheduler.start()
        else:
            heartbeat_beat(worker_id=worker_id, started_at=timezone.now())
            if not opts["no_scheduler"]:
                jobs_claim_due()
        log.info("worker.started", worker_id=worker_id, scheduler=not opts["no_scheduler"])
        runner = ResilientWorker(
            queue_names=opts["queues"] or ["*"],
            interval=opts["interval"],
            batch=opts["batch"],
            backend_name="default",
            startup_delay=not opts["batch"],
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        runner.configure_signals()
        try:
            runner.run_until_stopped(max_backoff=opts["max_backoff"])
        finally:
            scheduler.stopping.set()
            if scheduler.is_alive():
                scheduler.join(timeout=10)
            log.info("worker.stopped", worker_id=worker_id)
