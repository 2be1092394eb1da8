"""The fault tests' rig, one per session: a private PostgreSQL cluster (data on a
small tmpfs), a private Redis, the Notify-compatible stub on loopback, and the
real service (`victimcare serve --no-worker`, two web processes, and two
`victimcare worker`s, restarted by a supervisor thread when they die), with the
demo data (`victimcare demo --seed 1 --crimes N`) and a partner API token.

These tests run only when asked for (`pytest -m faults`, as scripts/faults.sh
does): they start servers and take minutes. Everything started here is stopped
in finalizers, and the tmpfs is always unmounted.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from victimcare.messaging.notify_stub import NotifyStub

from .harness import (
    PG_BIN,
    PG_PORTS,
    REDIS_PORTS,
    ROOT,
    Cluster,
    Redis,
    Service,
    free_port,
    wait_for,
)

SCALE = os.environ.get("FAULT_SCALE", "small")
FULL = SCALE == "full"
CRIMES = 1000 if FULL else 100
INVITATIONS = 7 * 40  # tests/faults/test_faults.py: LINKS_PER_TEST each
DISK_MB = 192 if FULL else 128
# The client timeout is short so a stall is over quickly; the lease must be at
# least twice it (messaging.checks).
CLIENT_TIMEOUT = 1.0
LEASE_SECONDS = 4
START_SECONDS = 120
SMS_TEMPLATE_ID = "f33517ff-2a88-4f6e-b855-c550268ce08a"
EMAIL_TEMPLATE_ID = "a2d4f1a6-9bd0-4a2b-8f0e-4c54a0e3b1a1"
LETTER_TEMPLATE_ID = "0c5b6a2e-8f1d-4f57-9b55-5a7cbb3c4d21"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Only when selected by marker: the other phases of scripts/test.sh run
    # `-m "not browser"`, and these start servers and take minutes.
    if "faults" in (config.option.markexpr or "") and "not faults" not in config.option.markexpr:
        return
    skip = pytest.mark.skip(reason="fault tests run with -m faults (scripts/faults.sh)")
    for item in items:
        if "faults" in item.keywords:
            item.add_marker(skip)


@dataclass
class Rig:
    cluster: Cluster
    redis: Redis
    stub: NotifyStub
    service: Service
    seed: dict[str, Any]
    token: str
    base: Path

    @property
    def db_url(self) -> str:
        return self.cluster.url()

    def take_links(self, n: int) -> list[dict[str, Any]]:
        """`n` unused feedback links, never handed out twice."""
        taken, self.seed["tokens"] = self.seed["tokens"][:n], self.seed["tokens"][n:]
        return taken


def _environment(base: Path, cluster: Cluster, redis: Redis, stub: NotifyStub) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DEBUG", "VICTIMCARE_ENV", "PYTEST_ADDOPTS"}
        and not k.startswith("PYTEST_")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        VICTIMCARE_VAR_DIR=str(base / "var"),
        STATIC_BUILD_DIR=str(ROOT / "var" / "static-build"),
        PYTHONDONTWRITEBYTECODE="1",
        DATABASE_URL=cluster.url(),
        DATABASE_CONNECT_TIMEOUT="2",
        DATABASE_STATEMENT_TIMEOUT_MS="5000",
        DATABASE_WORKER_STATEMENT_TIMEOUT_MS="15000",
        RATELIMIT_BACKEND="redis",
        RATELIMIT_REDIS_URL=redis.url,
        # The load comes from one address and one token: lift the limits far
        # above it, so every answer is about the fault, not a limit.
        API_RATE_LIMIT="100000/min",
        FEEDBACK_RATE_ADDRESS="100000",
        AXES_FAILURE_LIMIT="1000",
        MESSAGING_CHANNEL="notify",
        NOTIFY_BASE_URL=stub.url,
        NOTIFY_API_KEY=stub.api_key,
        NOTIFY_TIMEOUT_SECONDS=str(CLIENT_TIMEOUT),
        NOTIFY_SMS_TEMPLATE_ID=SMS_TEMPLATE_ID,
        NOTIFY_EMAIL_TEMPLATE_ID=EMAIL_TEMPLATE_ID,
        NOTIFY_LETTER_TEMPLATE_ID=LETTER_TEMPLATE_ID,
        MESSAGING_LEASE_SECONDS=str(LEASE_SECONDS),
        MESSAGING_RETRY_BASE_SECONDS="1",
        MESSAGING_RETRY_MAX_SECONDS="2",
        MESSAGING_RATE_MAX_WAIT_SECONDS="0.5",
        MESSAGING_RATE_429_BACKOFF_SECONDS="0.5",
        MESSAGING_DOORBELL_GRACE_SECONDS="2",
        WORKER_HEARTBEAT_SECONDS="1",
        LOG_LEVEL="WARNING",
    )
    return env


@pytest.fixture(scope="session")
def rig() -> Iterator[Rig]:
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise
    if (
        os.geteuid() != 0
        or not (PG_BIN / "initdb").exists()
        or shutil.which("redis-server") is None
    ):
        pytest.skip("fault tests need root (tmpfs), PostgreSQL 15's binaries and redis-server")
    base = Path(tempfile.mkdtemp(prefix="victimcare-faults-"))
    cluster = Cluster(base=base, port=free_port(PG_PORTS), disk_mb=DISK_MB)
    redis = Redis(base=base, port=free_port(REDIS_PORTS))
    stub = NotifyStub()
    service: Service | None = None
    try:
        cluster.create()
        redis.start()
        stub.start()
        (base / "var").mkdir()
        # Static files are collected once into the cache (see _collectstatic).
        (_cache_dir() / "static").mkdir(exist_ok=True)
        (base / "var" / "static").symlink_to(_cache_dir() / "static", target_is_directory=True)
        env = _environment(base, cluster, redis, stub)
        service = Service(base=base, env=env, web_port=free_port())
        timings: dict[str, float] = {}
        started = time.monotonic()
        _migrate(service, cluster)
        timings["migrate"] = time.monotonic() - started
        _collectstatic(service)
        timings["collectstatic"] = time.monotonic() - started - sum(timings.values())
        service.run("demo", "--seed", "1", "--crimes", str(CRIMES), "--quiet")
        timings["demo"] = time.monotonic() - started - sum(timings.values())
        created = service.run(
            "token",
            "create",
            "--org",
            "met-central-east-response",
            "--name",
            "faults",
            "--scopes",
            "events:read,events:write,crimes:read",
        )
        token = next(w for w in created.stdout.split() if w.startswith("vc_"))
        seeded = subprocess_json(service, "--invitations", str(INVITATIONS))
        assert seeded["pages"] and seeded["targets"] and seeded["tokens"], seeded
        timings["token and seed"] = time.monotonic() - started - sum(timings.values())
        service.start()
        wait_for(
            "the service to answer /healthz",
            lambda: service.status("/healthz") == 200,
            START_SECONDS,
        )
        timings["service start"] = time.monotonic() - started - sum(timings.values())
        print(f"rig ready: {', '.join(f'{k} {v:.1f} s' for k, v in timings.items())}")  # noqa: T201
        yield Rig(cluster, redis, stub, service, seeded, token, base)
    finally:
        if service is not None:
            service.stop()
        stub.stop()
        redis.kill()
        cluster.destroy()
        _keep_logs(base)
        shutil.rmtree(base, ignore_errors=True)


def _cache_dir() -> Path:
    cache = (Path(os.environ.get("VICTIMCARE_VAR_DIR", ROOT / "var")) / "faults-cache").resolve()
    cache.mkdir(parents=True, exist_ok=True)
    return cache


def _migrate(service: Service, cluster: Cluster) -> None:
    """Apply the migrations, or restore the schema they made last time.

    The migrated, empty database is kept as a pg_dump named by a hash of every
    migration file, so it is rebuilt whenever a migration changes; restoring it
    takes seconds where migrating takes a minute on a busy machine."""
    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("victimcare/*/migrations/*.py")):
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    dump = _cache_dir() / f"migrated-{digest.hexdigest()[:16]}.dump"
    if dump.exists():
        restored = subprocess.run(  # noqa: S603 - PostgreSQL's own tool
            [str(PG_BIN / "pg_restore"), "--no-owner", "-d", cluster.url(), str(dump)],
            capture_output=True,
            text=True,
            check=False,
        )
        if restored.returncode == 0:
            return
        raise RuntimeError(f"pg_restore of {dump.name} failed:\n{restored.stderr[-2000:]}")
    service.run("manage", "migrate", "-v0")
    for old in _cache_dir().glob("migrated-*.dump"):
        old.unlink()
    subprocess.run(  # noqa: S603 - PostgreSQL's own tool
        [str(PG_BIN / "pg_dump"), "-Fc", "-f", str(dump), cluster.url()],
        check=True,
        capture_output=True,
    )


def _collectstatic(service: Service) -> None:
    """Collected static files, reused while no built asset is newer than them."""
    static = _cache_dir() / "static"
    manifest = static / "staticfiles.json"
    built = ROOT / "var" / "static-build"
    newest = max((p.stat().st_mtime for p in built.rglob("*") if p.is_file()), default=0.0)
    if manifest.exists() and manifest.stat().st_mtime > newest:
        return
    service.run("manage", "collectstatic", "--noinput", "-v0")


def _keep_logs(base: Path) -> None:
    """Copy the processes' logs into VICTIMCARE_VAR_DIR/faults-logs for a failed run."""
    keep = Path(os.environ.get("VICTIMCARE_VAR_DIR", ROOT / "var")) / "faults-logs"
    shutil.rmtree(keep, ignore_errors=True)
    keep.mkdir(parents=True, exist_ok=True)
    for log in [*base.glob("*.log"), base / "pglog" / "postgres.log"]:
        if log.exists():
            shutil.copy(log, keep / log.name)


def subprocess_json(service: Service, *args: str) -> dict[str, Any]:
    result = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, "-m", "tests.faults.seed", *args],
        env=service.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"seeding failed:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])
