"""Liveness (/healthz: the process answers, nothing else) and readiness (/readyz:
the database answers, migrations are applied, Redis if used)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import pytest
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from victimcare.core import health, ratelimit
from victimcare.core.models import WorkerHeartbeat


@pytest.fixture(autouse=True)
def fresh_readiness():
    health.readiness_reset()
    ratelimit.redis_reset()
    yield
    health.readiness_reset()
    ratelimit.redis_reset()


def test_liveness_answers_ok_without_touching_the_database(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_readiness_is_ready_with_the_database_and_reports_the_last_worker_heartbeat(client, db):
    seen = timezone.now() - dt.timedelta(seconds=20)
    WorkerHeartbeat.objects.create(worker_id="w1", started_at=seen, last_seen=seen)

    response = client.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["database"] == "ok"
    assert body["migrations"] == "ok"
    assert body["redis"] == "not used"
    assert body["worker"]["last_heartbeat"] == seen.isoformat()
    assert 19 <= body["worker"]["age_seconds"] < 60
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_readiness_says_no_worker_has_beaten_yet(client, db):
    body = client.get("/readyz").json()
    assert body["worker"] == {"last_heartbeat": None, "age_seconds": None}


def test_readiness_is_not_ready_while_a_migration_of_the_code_is_unapplied(client, db):
    # The release's code is newer than the database: one migration not yet recorded.
    latest = MigrationRecorder.Migration.objects.filter(app="core").order_by("-id").first()
    assert latest is not None
    latest.delete()

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["status"] == "not ready"
    assert response.json()["migrations"] == "pending"


def test_readiness_stays_ready_but_degraded_when_the_configured_redis_is_down(client, db, settings):
    settings.RATELIMIT_BACKEND = "redis"
    settings.RATELIMIT_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["redis"] == "unreachable"


def test_readiness_pings_the_configured_redis(client, db, settings):
    settings.RATELIMIT_BACKEND = "redis"
    settings.RATELIMIT_REDIS_URL = "redis://127.0.0.1:6379/13"
    try:
        ratelimit._redis().ping()
    except Exception:  # noqa: BLE001 - any failure means there is no Redis here
        pytest.skip("no Redis on 127.0.0.1:6379")

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["status"] == "ready"
    assert response.json()["redis"] == "ok"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statement timeout")
def test_readiness_bounds_its_database_query_with_a_transaction_local_timeout(client, db):
    # The probe's timeout must not leak into the connection's later work
    # (behind pgbouncer in transaction mode a session SET would reach other clients).
    assert client.get("/readyz").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        after = cursor.fetchone()[0]
    assert after != "2s"


@pytest.mark.parametrize(
    "database_url",
    [
        "sqlite:////nonexistent-folder/victimcare.sqlite3",
        "postgres://postgres@127.0.0.1:1/victimcare",
    ],
    ids=["sqlite-missing", "postgres-refused"],
)
def test_when_the_database_is_unreachable_liveness_holds_and_readiness_answers_503(
    database_url, tmp_path
):
    # A separate process whose database really is unreachable: nothing of ours is replaced.
    script = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "c = Client();"
        "out = {};"
        "exec(\"for p in ('/healthz', '/readyz'):\\n"
        " r = c.get(p, HTTP_HOST='localhost')\\n"
        " out[p] = {'status': r.status_code, 'type': r['Content-Type'], 'body': r.json()}\");"
        "print(json.dumps(out))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url,
        "VICTIMCARE_VAR_DIR": str(tmp_path),
        "LOG_LEVEL": "CRITICAL",
    }
    out = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])

    assert result["/healthz"] == {
        "status": 200,
        "type": "application/json",
        "body": {"status": "ok"},
    }
    assert result["/readyz"]["status"] == 503
    assert result["/readyz"]["type"] == "application/json"
    assert result["/readyz"]["body"]["status"] == "not ready"
    assert result["/readyz"]["body"]["database"] == "unreachable"
