"""victimcare send-messages: a worker that drains the outbox directly.

It claims the next due message (pending or temporarily failed and due, or whose
lease expired) and sends it, over and over, without going through the task
queue: the outbox row is the work item, so no doorbell is needed. Any number
may run, on any hosts. A lost database connection is logged (error class only)
and the loop carries on with a new one; the message in hand is left to its
lease and reconciled by reference when re-claimed. SIGTERM/SIGINT: finish the
message in hand, then exit.
"""

from __future__ import annotations

import signal
import time
from typing import Any

import structlog
from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError, close_old_connections, connection

from victimcare.messaging.services import message_send, worker_identity

log = structlog.get_logger("victimcare.messaging.worker")


class Command(BaseCommand):
    help = "Send due outbox messages until stopped (or idle/time limits are reached)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval", type=float, default=0.5, help="Seconds to wait when nothing is due."
        )
        parser.add_argument(
            "--idle-exit",
            type=float,
            default=None,
            help="Exit after this many seconds with nothing due (for tests and batch runs).",
        )
        parser.add_argument(
            "--max-seconds", type=float, default=None, help="Exit after this many seconds."
        )

    def handle(
        self,
        *args: Any,
        interval: float,
        idle_exit: float | None,
        max_seconds: float | None,
        **options: Any,
    ) -> None:
        stopping = False

        def stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        worker_id = worker_identity()
        started = idle_since = time.monotonic()
        counts: dict[str, int] = {}
        log.info("messaging.worker_started", worker_id=worker_id)
        while not stopping:
            now = time.monotonic()
            if max_seconds is not None and now - started > max_seconds:
                break
            try:
                close_old_connections()
                result = message_send(worker_id=worker_id).result
            except DatabaseError as exc:
                log.warning("messaging.worker_database_error", error=type(exc).__name__)
                connection.close()
                time.sleep(interval)
                continue
            counts[result] = counts.get(result, 0) + 1
            if result != "not_claimed":
                idle_since = now
                continue
            if idle_exit is not None and now - idle_since > idle_exit:
                break
            time.sleep(interval)
        connection.close()
        log.info("messaging.worker_stopped", worker_id=worker_id, **counts)
