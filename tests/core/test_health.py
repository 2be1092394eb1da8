from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import pytest
from django.utils import timezone

from victimcare.core.models import WorkerHeartbeat


def test_health_is_ok_with_the_database_and_reports_the_last_worker_heartbeat(client, db):
    seen = timezone.now() - dt.timedelta(seconds=20)
    WorkerHeartbeat.objects.create(worker_id="w1", started_at=seen, last_seen=seen)

    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["worker"]["last_heartbeat"] == seen.isoformat()
    assert 19 <= body["worker"]["age_seconds"] < 60
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_health_says_no_worker_has_beaten_yet(client, db):
    body = client.get("/healthz").json()
    assert body["worker"] == {"last_heartbeat": None, "age_seconds": None}


@pytest.mark.parametrize(
    "database_url",
    [
        "sqlite:////nonexistent-folder/victimcare.sqlite3",
        "postgres://postgres@127.0.0.1:1/victimcare",
    ],
    ids=["sqlite-missing", "postgres-refused"],
)
def test_health_answers_503_with_json_when_the_database_is_unreachable(database_url, tmp_path):
    # A separate process whose database really is unreachable: nothing of ours is replaced.
    script = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/healthz', HTTP_HOST='localhost');"
        "print(json.dumps({'status': r.status_code, 'type': r['Content-Type'], 'body': r.json()}))"
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

    assert result["status"] == 503
    assert result["type"] == "application/json"
    assert result["body"] == {"status": "error", "database": "unreachable"}
