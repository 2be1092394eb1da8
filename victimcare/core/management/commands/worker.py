"""`victimcare worker`: runs background jobs (django.tasks, database backend) and the scheduler.

One process = one task runner in the main thread plus, unless --no-scheduler, a
scheduler thread that beats the heartbeat and claims due periodic jobs. Any
number may run (separate hosts, separate PostgreSQL connections): task claims
use SKIP LOCKED on PostgreSQL and periodic claims are conditional updates.
SIGTERM/SIGINT: finish the task in hand, then exit (a second signal aborts it).
"""

from __future__ import annotations

import os
import socket
import threading
from argparse import ArgumentParser
from typing import Any

import structlog
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker

from victimcare.core.models import WorkerHeartbeat
from victimcare.core.scheduler import discover_jobs, jobs_claim_due

log = structlog.get_logger("victimcare.worker")


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
            except Exception:
                # A database outage must not kill the scheduler: log and try again next tick.
                log.exception("scheduler.tick_failed")
                connection.close()
            self.stopping.wait(self.tick)
        connection.close()


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
        runner = Worker(
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
            runner.run()
        finally:
            scheduler.stopping.set()
            if scheduler.is_alive():
                scheduler.join(timeout=10)
            log.info("worker.stopped", worker_id=worker_id)
