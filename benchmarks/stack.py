"""Start the production processes on this machine, for benchmarks and fault tests.

    with Stack(production_env(var_dir=…, database_url=…), web_port=8710) as stack:
        … load against stack.base_url …

`Stack` starts, each in its own process group with its output in
`<var_dir>/logs/`:
- a Notify-compatible server (`victimcare notify-stub`) that posts a
  "delivered" receipt back to the web app for every message it accepts, as
  GOV.UK Notify does;
- the web app as deployed (`victimcare serve --no-worker --no-migrate
  --no-collectstatic`: gunicorn, `web_processes` processes × 4 threads);
- `workers` × `victimcare worker` (task runner + scheduler thread each).
It waits until `/readyz` answers 200 and a worker's heartbeat is there, and
on exit sends SIGTERM to every group, then SIGKILL to any still running after
the grace time. Nothing here needs Docker or anything outside the venv.

`production_env` is the documented production environment
(docs/operations.md, `VICTIMCARE_ENV=production`) with the deviations that
plain http on loopback needs, each listed in `DEVIATIONS`.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent

# Fake values for a Notify stub on loopback (never a real service).
SMS_TEMPLATE_ID = "00000000-0000-4000-8000-00000000a001"
EMAIL_TEMPLATE_ID = "00000000-0000-4000-8000-00000000a002"
LETTER_TEMPLATE_ID = "00000000-0000-4000-8000-00000000a003"
CALLBACK_TOKEN = "load-test-callback-token"  # noqa: S105 - loopback stub only

# What differs from docs/operations.md's production environment, and why.
DEVIATIONS = {
    "SECURE_SSL_REDIRECT": ("false", "plain http on loopback: no TLS terminator in front"),
    "SECURE_COOKIES": (
        "false",
        "the load generator speaks http, so `Secure` cookies would not come back",
    ),
    "SECURE_HSTS_SECONDS": ("0", "no TLS, so no HSTS"),
    "ALLOWED_HOSTS": ("127.0.0.1", "the loopback address instead of the service's name"),
    "TRUSTED_PROXY_COUNT": (
        "1",
        "as behind one reverse proxy: each simulated person's X-Forwarded-For is their "
        "own address, so per-address rate limits see many people, not one",
    ),
    "WEBHOOKS_ALLOW_LOOPBACK": ("true", "partner webhook receivers, if any, are on loopback"),
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def kept_secrets(var_dir: Path) -> dict[str, str]:
    """The secrets the embedded mode generated into `var_dir` (so data encrypted while
    generating in embedded mode decrypts in production mode)."""
    names = ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY")
    missing = [n for n in names if not (var_dir / n.lower()).exists()]
    if missing:
        raise SystemExit(f"{var_dir} holds no {', '.join(missing)}: generate the data first")
    return {n: (var_dir / n.lower()).read_text().strip() for n in names}


def production_env(
    *, var_dir: Path, database_url: str, notify_url: str = "", **extra: str
) -> dict[str, str]:
    """The production environment for processes on loopback, over `database_url`,
    with the secrets kept in `var_dir`, sending messages to `notify_url` (empty: set
    by `Stack` once the stub has a port)."""
    from victimcare.messaging.notify_stub import DEV_API_KEY

    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_", "VICTIMCARE_", "NOTIFY_", "MESSAGING_", "SECURE_"))
        and k not in {"DEBUG", "ALLOWED_HOSTS", "SECRET_KEY", "TRUSTED_PROXY_COUNT"}
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "VICTIMCARE_ENV": "production",
        **kept_secrets(var_dir),
        "VICTIMCARE_VAR_DIR": str(var_dir),
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "LOG_LEVEL": "INFO",
        "LOG_JSON": "true",
        "MESSAGING_CHANNEL": "notify",
        "NOTIFY_BASE_URL": notify_url,
        "NOTIFY_API_KEY": DEV_API_KEY,
        "NOTIFY_SMS_TEMPLATE_ID": SMS_TEMPLATE_ID,
        "NOTIFY_EMAIL_TEMPLATE_ID": EMAIL_TEMPLATE_ID,
        "NOTIFY_LETTER_TEMPLATE_ID": LETTER_TEMPLATE_ID,
        "NOTIFY_CALLBACK_BEARER_TOKEN": CALLBACK_TOKEN,
        "NOTIFY_TIMEOUT_SECONDS": "10",
        **{name: value for name, (value, _why) in DEVIATIONS.items()},
    }
    env |= extra
    return env


def _http_get(port: int, path: str, timeout: float = 3) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


class Stack:
    """The production processes on loopback: Notify stub, gunicorn, workers."""

    def __init__(
        self,
        env: dict[str, str],
        *,
        web_port: int | None = None,
        web_processes: int = 2,
        workers: int = 2,
        log_dir: Path | None = None,
    ) -> None:
        self.env = dict(env)
        self.web_port = web_port or free_port()
        self.stub_port = free_port()
        self.web_processes = web_processes
        self.workers = workers
        self.log_dir = log_dir or Path(env["VICTIMCARE_VAR_DIR"]) / "logs"
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self._logs: list[IO[bytes]] = []

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def stub_url(self) -> str:
        return f"http://127.0.0.1:{self.stub_port}"

    def _start(self, name: str, args: list[str]) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = (self.log_dir / f"{name}.log").open("ab")
        self._logs.append(log)
        self.procs[name] = subprocess.Popen(  # noqa: S603 - our own command, fixed arguments
            [sys.executable, "-m", "victimcare", *args],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start(self, *, timeout: float = 120) -> Stack:
        self.env["NOTIFY_BASE_URL"] = self.stub_url
        self._start(
            "notify-stub",
            [
                "notify-stub",
                "--port",
                str(self.stub_port),
                "--callback-url",
                f"{self.base_url}/callbacks/notify/delivery-status/",
                "--callback-token",
                CALLBACK_TOKEN,
            ],
        )
        self._start(
            "web",
            [
                "serve",
                "--no-worker",
                "--no-migrate",
                "--no-collectstatic",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.web_port),
                "--workers",
                str(self.web_processes),
            ],
        )
        for n in range(1, self.workers + 1):
            self._start(f"worker-{n}", ["worker"])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    self.stop()
                    raise SystemExit(f"{name} exited at start; see {self.log_dir}/{name}.log")
            try:
                status, body = _http_get(self.web_port, "/readyz")
                worker = json.loads(body).get("worker") or {}
                age = worker.get("age_seconds")
                # A fresh heartbeat: one left by an earlier run would be older.
                if status == 200 and age is not None and age < 20:
                    return self
            except (OSError, ValueError):
                pass
            time.sleep(0.5)
        self.stop()
        raise SystemExit(f"the stack did not become healthy in {timeout:.0f} s")

    def alive(self) -> dict[str, bool]:
        return {name: proc.poll() is None for name, proc in self.procs.items()}

    def stop(self, *, grace: float = 40) -> dict[str, int | None]:
        """SIGTERM every process group (workers first, then web, then the stub);
        SIGKILL what is left after `grace` seconds. Returns the exit codes."""
        order = [n for n in self.procs if n.startswith("worker")]
        order += [n for n in ("web", "notify-stub") if n in self.procs]
        for name in order:
            proc = self.procs[name]
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + grace
        codes: dict[str, int | None] = {}
        for name in order:
            proc = self.procs[name]
            try:
                codes[name] = proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                codes[name] = proc.wait()
        for log in self._logs:
            log.close()
        self._logs.clear()
        return codes

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
