"""`victimcare serve`: the web app (gunicorn), plus one worker on the embedded default.

On the embedded SQLite default it first applies migrations and collects static
files, then supervises two children: gunicorn and one `victimcare worker`
(restarted if it dies). In production run web and workers as separate units
(docs/operations.md): `victimcare serve --no-worker --no-migrate`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from argparse import ArgumentParser, BooleanOptionalAction
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the web app (and, on the embedded default, one background worker)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        embedded = settings.EMBEDDED_DATABASE
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("WEB_CONCURRENCY", "2")),
            help="gunicorn processes",
        )
        parser.add_argument("--threads", type=int, default=4)
        parser.add_argument(
            "--migrate",
            action=BooleanOptionalAction,
            default=embedded,
            help="apply migrations first (default on SQLite)",
        )
        parser.add_argument(
            "--worker",
            action=BooleanOptionalAction,
            default=embedded,
            help="start one background worker beside the web process (default on SQLite)",
        )
        parser.add_argument("--collectstatic", action=BooleanOptionalAction, default=embedded)

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        if opts["collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)

        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings"),
        }
        # The web role: settings give web processes the statement timeout.
        web_env = {**env, "VICTIMCARE_PROCESS": "web"}
        web_cmd = [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"{opts['host']}:{opts['port']}",
            "--workers",
            str(opts["workers"]),
            "--threads",
            str(opts["threads"]),
            "--graceful-timeout",
            "20",
            "--timeout",
            "60",
            "--error-logfile",
            "-",
            "--log-level",
            "warning",
            # No gunicorn access log: it would carry raw paths and query strings.
        ]
        worker_cmd = [sys.executable, "-m", "victimcare", "worker"]
        children: dict[str, subprocess.Popen[bytes]] = {
            "web": subprocess.Popen(web_cmd, env=web_env)  # fixed argv, no shell  # nosec B603
        }
        if opts["worker"]:
            children["worker"] = subprocess.Popen(worker_cmd, env=env)  # fixed argv, no shell  # nosec B603

        stopping = False

        def stop(signum: int, _frame: object) -> None:
            nonlocal stopping
            stopping = True
            for child in children.values():
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(
            f"victimcare is running at http://{opts['host']}:{opts['port']}/ (Ctrl+C to stop)"
        )
        sys.stdout.flush()

        code = 0
        while True:
            web_code = children["web"].poll()
            if web_code is not None:
                code = 0 if stopping else (web_code or 1)
                break
            worker = children.get("worker")
            if worker is not None and worker.poll() is not None and not stopping:
                self.stderr.write("The background worker stopped unexpectedly; restarting it.")
                time.sleep(2)
                children["worker"] = subprocess.Popen(worker_cmd, env=env)  # fixed argv, no shell  # nosec B603
            time.sleep(0.5)
        stop(signal.SIGTERM, None)
        for child in children.values():
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
        sys.exit(code)
