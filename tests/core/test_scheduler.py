"""Periodic jobs run once per period however many schedulers run, and a worker process
really runs them through django.tasks."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from victimcare.core import scheduler
from victimcare.core.models import PeriodicJob
from victimcare.core.scheduler import JobSpec, discover_jobs, jobs_claim_due

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def counting_job(monkeypatch):
    runs: list[str] = []
    registry = {
        "count": JobSpec(
            name="count", every=dt.timedelta(minutes=10), func=lambda: runs.append("ran")
        )
    }
    monkeypatch.setattr(scheduler, "REGISTRY", registry)
    return runs


def test_a_due_job_runs_once_and_not_again_within_its_period(db, counting_job):
    start = timezone.now()

    assert jobs_claim_due(now=start) == ["count"]
    assert jobs_claim_due(now=start + dt.timedelta(minutes=9)) == []
    assert jobs_claim_due(now=start + dt.timedelta(minutes=10)) == ["count"]

    assert counting_job == ["ran", "ran"]
    job = PeriodicJob.objects.get(name="count")
    assert job.last_finished_at is not None and job.last_error == ""


def test_two_schedulers_ticking_at_the_same_moment_run_the_job_once(db, counting_job):
    now = timezone.now()
    first = jobs_claim_due(now=now)
    second = jobs_claim_due(now=now)  # a second scheduler, same instant
    assert (first, second) == (["count"], [])
    assert counting_job == ["ran"]


def test_a_failing_job_records_its_error_class_and_does_not_block_the_next_period(db, monkeypatch):
    def broken() -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(
        scheduler,
        "REGISTRY",
        {"broken": JobSpec(name="broken", every=dt.timedelta(minutes=1), func=broken)},
    )
    now = timezone.now()
    assert jobs_claim_due(now=now) == ["broken"]  # the immediate test backend runs it in-line

    assert PeriodicJob.objects.get(name="broken").last_error == "RuntimeError"
    assert jobs_claim_due(now=now + dt.timedelta(minutes=1)) == ["broken"]


def test_the_housekeeping_jobs_are_registered_and_clear_expired_sessions(db):
    jobs = discover_jobs()
    assert {"sessions_clear_expired", "task_results_prune", "heartbeats_prune"} <= set(jobs)
    past = timezone.now() - dt.timedelta(days=1)
    Session.objects.create(session_key="expired", session_data="", expire_date=past)
    Session.objects.create(
        session_key="live", session_data="", expire_date=timezone.now() + dt.timedelta(hours=1)
    )

    jobs["sessions_clear_expired"].func()

    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]


@pytest.mark.slow
def test_a_worker_process_beats_and_runs_periodic_jobs_through_the_task_queue(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "VICTIMCARE_VAR_DIR": str(tmp_path),
        "WORKER_HEARTBEAT_SECONDS": "1",
    }
    env.pop("DATABASE_URL", None)  # its own embedded database
    vc = [sys.executable, "-m", "victimcare"]
    subprocess.run([*vc, "manage", "migrate", "-v0"], env=env, cwd=ROOT, check=True, timeout=120)
    worker = subprocess.Popen(
        [*vc, "worker", "--tick", "0.2", "--interval", "0.1"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        query = (
            "from victimcare.core.models import PeriodicJob, WorkerHeartbeat;"
            "print(WorkerHeartbeat.objects.count(), PeriodicJob.objects.filter(last_finished_at__isnull=False).count())"
        )
        deadline = time.monotonic() + 60
        beats = finished = 0
        while time.monotonic() < deadline:
            out = subprocess.run(
                [*vc, "manage", "shell", "-c", query],
                env=env,
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=60,
            )
            if out.returncode == 0 and out.stdout.strip():
                beats, finished = (int(x) for x in out.stdout.split()[-2:])
                if beats >= 1 and finished >= 3:
                    break
            time.sleep(0.5)
        assert beats == 1, "the worker never wrote its heartbeat"
        assert finished >= 3, "the periodic jobs never ran through the queue"
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=30)
    assert worker.returncode == 0, output
    assert "worker.stopped" in output
