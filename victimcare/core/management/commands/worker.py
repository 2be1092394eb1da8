"""`victimcare worker`: runs background jobs (django.tasks, database backend) and the scheduler.

One process = one task runner in the main thread plus, unless --no-scheduler, a
scheduler thread that beats the heartbeat and claims due periodic jobs. Any
number may run (separate hosts, separate PostgreSQL connections): task claims
use SKIP LOCKED on PostgreSQL and periodic claims are conditional updates.
SIGTERM/SIGINT: finish the task in hand, then exit (a second signal aborts it).

A database outage does not end the process: the task runner and the scheduler
thread log the error class, close the connection and try again (backing off
from 1 s to `--max-backoff` seconds; back to 1 s as soon as the database
answers). A task cut short by the outage is put back to ready once the database
answers, so nothing is left claimed by a worker that has moved on; if the worker
is stopped before that, it tries once (bounded by the connect and statement
timeouts) on its way out, and if the database is still gone the orphaned-task
sweep (core.tasks_recovery) puts the task back once this worker's heartbeat is
stale. `victimcare scheduler` runs the scheduler loop alone.

The worker id (host, pid and a random suffix, so a restarted process with a
recycled pid is a new worker) is both the heartbeat's `worker_id` and what
django-tasks-db appends to `worker_ids` on each task it claims: that is how the
sweep knows whose task a RUNNING row is.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import socket
import threading
import time
from argparse import ArgumentParser
from dataclasses import dataclass
from typing import Any

import structlog
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections, connection, transaction
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from victimcare.core.models import WorkerHeartbeat
from victimcare.core.scheduler import discover_jobs, jobs_claim_due

# Also registers the orphaned-task sweep in every process that claims periodic jobs.
from victimcare.core.tasks_recovery import task_release

log = structlog.get_logger("victimcare.worker")

# Errors that mean "the database is not answering" (refused, dropped, timed out).
DATABASE_OUTAGE_ERRORS = (DatabaseError,)
# The most a stopping worker waits on one statement releasing its interrupted task
# (connecting is bounded by the connect timeout, docs/operations.md).
SHUTDOWN_RELEASE_TIMEOUT_MS = 5000


def worker_id_new() -> str:
    """This process's worker id: at most 40 + 1 + 7 + 1 + 6 characters (the heartbeat
    and django-tasks-db allow 64)."""
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{secrets.token_hex(3)}"


def database_ping() -> None:
    """Raise a DatabaseError unless the database answers a trivial query now."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


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


@dataclass(frozen=True)
class Claim:
    """A task this worker claimed: its id and the started_at its claim set."""

    task_id: Any
    started_at: dt.datetime | None


class ResilientWorker(Worker):
    """django-tasks-db's worker, remembering the task in hand so that a task cut
    short by a database outage can be put back to ready."""

    current: Claim | None = None  # the task in hand
    interrupted: Claim | None = None  # cut short by an outage, not yet put back

    def run_task(self, db_task_result: DBTaskResult) -> None:
        # Left set if the run ends in a database error (run_until_stopped reads it).
        self.current = Claim(task_id=db_task_result.pk, started_at=db_task_result.started_at)
        super().run_task(db_task_result)
        self.current = None

    def run_until_stopped(self, *, max_backoff: float) -> None:
        """Run; on a database outage wait (1 s, doubling to `max_backoff`) and run
        again, until a signal stops the worker or batch mode finds nothing to do.
        The wait goes back to 1 s as soon as the database answers again."""
        backoff = 1.0
        while self.running:
            try:
                database_ping()
                backoff = 1.0  # the next outage starts again from a short wait
                self.release_interrupted()
                self.run()
                return
            except DATABASE_OUTAGE_ERRORS as exc:
                self.interrupted = self.interrupted or self.current
                self.current = None
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

    def release_interrupted(self) -> None:
        """Put the task an outage cut short back to ready (if it is still this
        worker's claim). Raises a DatabaseError if the database does not answer."""
        claim = self.interrupted
        if claim is None:
            return
        if task_release(task_id=claim.task_id, started_at=claim.started_at):
            log.warning("worker.task_released", task_id=str(claim.task_id))
        self.interrupted = None

    def release_on_shutdown(self) -> None:
        """On the way out: try once, bounded, to put back a task an outage cut
        short. If the database is still gone, log it and leave it to the
        orphaned-task sweep (it recovers the task once this worker's heartbeat
        is stale). Never raises a database error."""
        claim = self.interrupted
        if claim is None:
            return
        try:
            with transaction.atomic():
                if connection.vendor == "postgresql":
                    with connection.cursor() as cursor:
                        cursor.execute(
                            "SELECT set_config('statement_timeout', %s, true)",
                            [str(SHUTDOWN_RELEASE_TIMEOUT_MS)],
                        )
                self.release_interrupted()
        except DATABASE_OUTAGE_ERRORS as exc:
            log.warning(
                "worker.task_release_failed",
                task_id=str(claim.task_id),
                error_class=type(exc).__name__,
                left_to="tasks_orphaned_sweep",
            )
            connection_discard()


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
        worker_id = worker_id_new()
        discover_jobs()
        scheduler = SchedulerThread(
            worker_id=worker_id,
            tick=opts["tick"],
            # In batch mode the thread only beats, so a long task's worker stays alive
            # in the orphaned-task sweep's eyes; due jobs are claimed once, below.
            schedule=not opts["no_scheduler"] and not opts["batch"],
        )
        if opts["batch"]:
            heartbeat_beat(worker_id=worker_id, started_at=timezone.now())
            if not opts["no_scheduler"]:
                jobs_claim_due()
        scheduler.start()
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
            runner.release_on_shutdown()
            scheduler.stopping.set()
            if scheduler.is_alive():
                scheduler.join(timeout=10)
            log.info("worker.stopped", worker_id=worker_id)
