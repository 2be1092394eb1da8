"""`victimcare scheduler`: the scheduler alone (heartbeat + periodic job claims), no task runner.

For deployments that run the scheduler as its own unit beside `victimcare
worker --no-scheduler` processes. Running two (or a worker's scheduler thread
beside it) is safe: each due job is claimed by one conditional UPDATE, so it
runs once per period. The loop survives database outages (it logs the error
class and tries again next tick). SIGTERM/SIGINT: stop after the current tick.
"""

from __future__ import annotations

import os
import signal
import socket
from argparse import ArgumentParser
from typing import Any

import structlog
from django.core.management.base import BaseCommand

from victimcare.core.scheduler import discover_jobs

from .worker import SchedulerThread

log = structlog.get_logger("victimcare.scheduler")


class Command(BaseCommand):
    help = "Run the scheduler only: heartbeat and periodic job claims (no tasks)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--tick", type=float, default=5.0, help="Scheduler tick in seconds.")

    def handle(self, *args: Any, **opts: Any) -> None:
        scheduler_id = f"{socket.gethostname()[:40]}-{os.getpid()}-scheduler"
        discover_jobs()
        loop = SchedulerThread(worker_id=scheduler_id, tick=opts["tick"], schedule=True)

        def stop(signum: int, _frame: object) -> None:
            log.info("scheduler.stopping", signal=signal.Signals(signum).name)
            loop.stopping.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        log.info("scheduler.started", scheduler_id=scheduler_id)
        loop.run()  # in this thread: the process is the loop
        log.info("scheduler.stopped", scheduler_id=scheduler_id)
