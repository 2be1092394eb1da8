"""Starting `victimcare` processes for the ops tests and reading what they log."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 90  # the longest any wait here may take on a loaded 2-core machine


class Process:
    """A `victimcare …` subprocess whose output (stdout and stderr together) is
    collected line by line in the background."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.popen = subprocess.Popen(  # noqa: S603 - our own command line
            [sys.executable, "-m", "victimcare", *args],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def stop(self, timeout: float = 60) -> int:
        if self.popen.poll() is None:
            self.popen.terminate()
        try:
            code = self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            code = self.popen.wait(timeout=10)
        self._reader.join(timeout=10)
        return code


def wait_for(what: str, check: Callable[[], object]) -> object:
    """Poll `check` until it returns something truthy; fail after WAIT_SECONDS."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        try:
            value = check()
        except psycopg.OperationalError:
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.2)


def query(url: str, statement: str, params: tuple | None = None) -> list[tuple]:
    with psycopg.connect(url, connect_timeout=5, autocommit=True) as conn:
        return conn.execute(statement, params).fetchall()  # type: ignore[arg-type]


def enqueue(env: dict[str, str], *, label: str, seconds: float = 0.0) -> None:
    """Enqueue the test-only record_task as the application does (a separate process)."""
    script = (
        "import django; django.setup();"
        "from tests.testapp.tasks import record_task;"
        f"record_task.enqueue(label={label!r}, seconds={seconds!r})"
    )
    subprocess.run(  # noqa: S603 - our own command line
        [sys.executable, "-c", script], env=env, cwd=ROOT, check=True, timeout=120
    )
