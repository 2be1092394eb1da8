"""One private PostgreSQL per test session for the process tests, with a migrated
template database; each test gets its own copy (CREATE DATABASE … TEMPLATE).

These tests start real processes (`victimcare worker`, `scheduler`, `serve`,
`demo`, pg_dump) and stop the database under them, so they run once, in the
PostgreSQL phase of the suite, and never touch the shared server."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path

import pytest
from psycopg import sql

from . import pgcluster

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = "victimcare_template"
_copies = itertools.count(1)


@pytest.fixture(scope="session")
def ops_cluster(tmp_path_factory):  # type: ignore[no-untyped-def]
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL phase")
    if not pgcluster.binaries_available():
        pytest.skip("PostgreSQL server binaries not installed")
    cluster = pgcluster.PrivateCluster()
    try:
        cluster.start()
        cluster.create_database(TEMPLATE)
        var = tmp_path_factory.mktemp("ops-template")
        subprocess.run(
            [sys.executable, "-m", "victimcare", "manage", "migrate", "--run-syncdb", "-v0"],
            env=ops_env(cluster.url(TEMPLATE), var),
            cwd=ROOT,
            check=True,
            timeout=600,
            capture_output=True,
        )
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture
def ops_database(ops_cluster, tmp_path):  # type: ignore[no-untyped-def]
    """A fresh migrated database on the private cluster, and the environment for
    processes that use it: `(cluster, url, env)`."""
    name = f"victimcare_{os.getpid()}_{next(_copies)}"
    url = ops_cluster.create_database(name, template=TEMPLATE)
    yield ops_cluster, url, ops_env(url, tmp_path / "var")
    for database in (name, f"{name}_restored"):
        ops_cluster.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))
        )


def ops_env(url: str, var: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.ops.settings",
        "DATABASE_URL": url,
        "VICTIMCARE_VAR_DIR": str(var),
        "WORKER_HEARTBEAT_SECONDS": "1",
        "PYTHONUNBUFFERED": "1",
    }
