"""A task whose worker died is not lost: a worker killed -9 in the middle of a
task, or stopped while the database was gone, leaves the task "running"; once
its heartbeat is stale, the orphaned-task sweep (run by another worker's
scheduler thread, as in production) puts it back and that worker runs it to its
end, once. Real `victimcare worker` processes on a private PostgreSQL."""

from __future__ import annotations

import signal

import pytest

from .processes import Process, enqueue, query, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

WORKER = ["worker", "--tick", "0.2", "--interval", "0.1", "--max-backoff", "1"]
# The ops processes beat every second (WORKER_HEARTBEAT_SECONDS=1): three missed
# beats make a worker dead to the sweep. A margin, for the clock's granularity.
STALE_AFTER = "4 seconds"


def _task(url: str, label: str) -> tuple[str, list[str]] | None:
    rows = query(
        url,
        "SELECT status, worker_ids FROM django_tasks_database_dbtaskresult"
        " WHERE args_kwargs->'kwargs'->>'label' = %s",
        (label,),
    )
    return rows[0] if rows else None


def _records(url: str, label: str) -> int:
    return query(url, "SELECT count(*) FROM testapp_contactrecord WHERE label = %s", (label,))[0][0]


def _running_on(url: str, label: str) -> str | None:
    """The id of the worker running the task, once it is running."""
    task = _task(url, label)
    return task[1][-1] if task and task[0] == "RUNNING" else None


def _heartbeat_stale(url: str, worker_id: str) -> bool:
    return query(
        url,
        f"SELECT now() - last_seen > interval '{STALE_AFTER}' FROM core_workerheartbeat"
        " WHERE worker_id = %s",
        (worker_id,),
    )[0][0]


def _second_worker_recovers_and_runs(url: str, env: dict[str, str], label: str) -> Process:
    """Start a healthy worker (with its scheduler thread), wait until the task has
    run to its end there, and stop the worker."""
    second = Process(WORKER, env)
    try:
        wait_for(
            "the task to run again to its end",
            lambda: (_task(url, label) or ("",))[0] == "SUCCESSFUL",
        )
    finally:
        second.stop()
    return second


def test_a_task_whose_worker_was_killed_mid_task_runs_to_its_end_once_on_another_worker(
    ops_database,
):
    _, url, env = ops_database
    first = Process([*WORKER, "--no-scheduler"], env)
    try:
        enqueue(env, label="killed-mid-task", seconds=8)
        first_id = wait_for("the task to be in hand", lambda: _running_on(url, "killed-mid-task"))
        first.popen.send_signal(signal.SIGKILL)
        first.popen.wait(timeout=30)
    finally:
        first.stop()
    # Nothing finishes it and no worker may take a running task.
    assert _task(url, "killed-mid-task") == ("RUNNING", [first_id])
    wait_for("the killed worker's heartbeat to go stale", lambda: _heartbeat_stale(url, first_id))

    second = _second_worker_recovers_and_runs(url, env, "killed-mid-task")

    assert second.popen.returncode == 0, second.output
    assert _records(url, "killed-mid-task") == 1  # run to its end exactly once
    _, worker_ids = _task(url, "killed-mid-task")  # type: ignore[misc]
    assert worker_ids[0] == first_id and len(worker_ids) == 2  # the second worker ran it
    assert "tasks.orphan_recovered" in second.output
    assert "tasks.orphan_failed" not in second.output


def test_a_worker_stopped_while_the_database_is_gone_leaves_its_task_to_the_sweep(ops_database):
    cluster, url, env = ops_database
    first = Process([*WORKER, "--no-scheduler"], env)
    try:
        enqueue(env, label="cut-short", seconds=3)
        first_id = wait_for("the task to be in hand", lambda: _running_on(url, "cut-short"))

        cluster.stop("immediate")  # the task cannot record its end
        wait_for(
            "the worker to notice the outage",
            lambda: "worker.database_unavailable" in first.output,
        )
        first.popen.send_signal(signal.SIGTERM)  # a deploy, during the outage
        code = first.popen.wait(timeout=60)
    finally:
        first.stop()
        cluster.start()

    assert code == 0, first.output
    # It tried once to put the task back, could not, and said who will.
    assert "worker.task_release_failed" in first.output
    assert "worker.task_released" not in first.output
    assert _task(url, "cut-short") == ("RUNNING", [first_id])
    wait_for("the stopped worker's heartbeat to go stale", lambda: _heartbeat_stale(url, first_id))

    second = _second_worker_recovers_and_runs(url, env, "cut-short")

    assert second.popen.returncode == 0, second.output
    assert _records(url, "cut-short") == 1
    assert "tasks.orphan_recovered" in second.output


def test_a_batch_worker_keeps_beating_while_a_long_task_runs_so_it_is_not_taken_for_dead(
    ops_database,
):
    _, url, env = ops_database
    enqueue(env, label="long-batch-task", seconds=10)
    worker = Process([*WORKER, "--batch", "--no-scheduler"], env)
    try:
        # Its heartbeat moves on well past the task's start while the task still runs.
        wait_for(
            "a beat well after the task started, while it runs",
            lambda: query(
                url,
                "SELECT count(*) FROM django_tasks_database_dbtaskresult t"
                " JOIN core_workerheartbeat h ON h.worker_id = t.worker_ids->>-1"
                f" WHERE t.status = 'RUNNING' AND h.last_seen > t.started_at + interval '{STALE_AFTER}'",
            )[0][0],
        )
        code = worker.popen.wait(timeout=60)  # batch: exits when nothing is left
    finally:
        worker.stop()

    assert code == 0, worker.output
    assert _records(url, "long-batch-task") == 1
