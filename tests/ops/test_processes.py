"""The production processes as an operator runs them, on a private PostgreSQL:
workers outlive a database outage, two schedulers run each job once, and SIGTERM
(a deploy, a reboot) lets work in hand finish."""

from __future__ import annotations

import signal
import socket
import threading
import urllib.request
from pathlib import Path

import pytest

from tests.testapp.views import SLOW_STARTED_FILE

from .processes import Process, enqueue, query, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

WORKER = ["worker", "--tick", "0.2", "--interval", "0.1", "--max-backoff", "1"]


def _recorded(url: str, label: str) -> bool:
    return bool(query(url, "SELECT 1 FROM testapp_contactrecord WHERE label = %s", (label,)))


def _task_states(url: str) -> list[str]:
    return [row[0] for row in query(url, "SELECT status FROM django_tasks_database_dbtaskresult")]


def test_a_worker_outlives_postgresql_going_away_and_runs_work_enqueued_after_it_returns(
    ops_database,
):
    cluster, url, env = ops_database
    worker = Process(WORKER, env)
    try:
        enqueue(env, label="before-the-outage")
        wait_for("the task before the outage", lambda: _recorded(url, "before-the-outage"))
        # A task in hand when the database goes: it cannot record its end.
        enqueue(env, label="in-hand-during-the-outage", seconds=6)
        wait_for("the task to be in hand", lambda: "RUNNING" in _task_states(url))

        cluster.stop("immediate")  # a crash: connections cut, nothing listening
        wait_for(
            "the worker to notice the outage",
            lambda: "worker.database_unavailable" in worker.output,
        )
        assert worker.popen.poll() is None, worker.output
        cluster.start()

        enqueue(env, label="after-the-outage")
        wait_for("the task after the outage", lambda: _recorded(url, "after-the-outage"))
        # The interrupted task was put back to ready and ran again to its end.
        wait_for("the interrupted task", lambda: _recorded(url, "in-hand-during-the-outage"))
        assert worker.popen.poll() is None, worker.output
    finally:
        code = worker.stop()
    assert code == 0, worker.output
    assert "worker.task_released" in worker.output
    assert set(_task_states(url)) == {"SUCCESSFUL"}  # nothing left claimed or failed


def test_two_scheduler_processes_claim_each_due_job_once(ops_database):
    _, url, env = ops_database
    schedulers = [Process(["scheduler", "--tick", "0.1"], env) for _ in range(2)]
    try:
        # Both have beaten (so both are ticking), and every job has been claimed.
        wait_for(
            "both schedulers to beat",
            lambda: query(url, "SELECT count(*) FROM core_workerheartbeat")[0][0] == 2,
        )
        wait_for(
            "every periodic job to be claimed",
            lambda: query(
                url,
                "SELECT count(*) = count(last_started_at) AND count(*) > 0 FROM core_periodicjob",
            )[0][0],
        )
        # Let both tick many more times over the claimed jobs.
        seen = query(url, "SELECT max(last_seen) FROM core_workerheartbeat")[0][0]
        wait_for(
            "more ticks",
            lambda: query(url, "SELECT min(last_seen) > %s FROM core_workerheartbeat", (seen,))[0][
                0
            ],
        )
    finally:
        codes = [s.stop() for s in schedulers]
    assert codes == [0, 0], [s.output for s in schedulers]

    jobs = [row[0] for row in query(url, "SELECT name FROM core_periodicjob")]
    enqueued = [
        row[0]
        for row in query(
            url,
            "SELECT args_kwargs->'kwargs'->>'name' FROM django_tasks_database_dbtaskresult"
            " WHERE task_path LIKE %s",
            ("%periodic_job_task",),
        )
    ]
    assert sorted(enqueued) == sorted(jobs)  # each job once, none twice
    assert all("scheduler.started" in s.output for s in schedulers)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_sigterm_to_the_web_server_lets_the_request_in_hand_finish_then_exits_cleanly(
    ops_database, tmp_path
):
    _, _, env = ops_database
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = Process(
        ["serve", "--port", str(port), "--workers", "1", "--threads", "2"]
        + ["--no-migrate", "--no-worker", "--no-collectstatic"],
        env,
    )
    answer: dict[str, object] = {}

    def slow_request() -> None:
        with urllib.request.urlopen(f"{base}/test-only/slow/?seconds=4", timeout=60) as r:  # noqa: S310 - loopback
            answer.update(status=r.status, body=r.read().decode())

    try:
        wait_for("the server to answer /healthz", lambda: _healthy(base))
        started = Path(env["VICTIMCARE_VAR_DIR"]) / SLOW_STARTED_FILE
        client = threading.Thread(target=slow_request)
        client.start()
        wait_for("the slow request to be in hand", started.exists)

        server.popen.send_signal(signal.SIGTERM)
        client.join(timeout=60)
    finally:
        code = server.stop()

    assert answer == {"status": 200, "body": "finished"}
    assert code == 0, server.output


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=2) as r:  # noqa: S310 - loopback
            return r.status == 200
    except OSError:
        return False


def test_sigterm_to_a_worker_lets_the_task_in_hand_finish_and_leaves_nothing_claimed(
    ops_database,
):
    _, url, env = ops_database
    worker = Process([*WORKER, "--no-scheduler"], env)
    try:
        enqueue(env, label="in-hand", seconds=3)
        wait_for("the task to be in hand", lambda: "RUNNING" in _task_states(url))

        worker.popen.send_signal(signal.SIGTERM)
        code = worker.popen.wait(timeout=60)
    finally:
        worker.stop()

    assert code == 0, worker.output
    assert _recorded(url, "in-hand")
    assert _task_states(url) == ["SUCCESSFUL"]
