"""Housekeeping jobs every deployment needs."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from . import tasks_recovery  # noqa: F401 - registers tasks_orphaned_sweep
from .models import WorkerHeartbeat
from .scheduler import periodic


@periodic("sessions_clear_expired", every=dt.timedelta(hours=1))
def sessions_clear_expired() -> None:
    Session.objects.filter(expire_date__lt=timezone.now()).delete()


@periodic("task_results_prune", every=dt.timedelta(hours=6))
def task_results_prune() -> None:
    # Finished doorbell rows are not a ledger (the outbox rows are): keep a week.
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - dt.timedelta(days=7)
    DBTaskResult.objects.filter(finished_at__lt=cutoff).delete()


@periodic("heartbeats_prune", every=dt.timedelta(hours=1))
def heartbeats_prune() -> None:
    """Forget workers not heard for 40 beats, except one still named on a running
    task: its stale beat is how tasks_orphaned_sweep knows that task's worker died
    (without it the task would wait for the sweep's one-hour limit)."""
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - dt.timedelta(seconds=settings.WORKER_HEARTBEAT_SECONDS * 40)
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
    holding = {ids[-1] for ids in running.values_list("worker_ids", flat=True) if ids}
    WorkerHeartbeat.objects.filter(last_seen__lt=cutoff).exclude(worker_id__in=holding).delete()


@periodic("ratecounters_purge", every=dt.timedelta(hours=1))
def ratecounters_purge() -> None:
    # Rate-limit windows last at most a day; older counters only take space.
    from .ratelimit import ratecounters_purge as purge

    purge()


@periodic("retention_sweep", every=dt.timedelta(minutes=30))
def retention_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Apply the retention table (core.retention) once a night: claimed every
    30 minutes so one claim always falls in the hour RETENTION_HOUR (London),
    and run then only if no run was recorded in the last 12 hours. Bounded
    batches; one audit entry per rule. Returns rows done per rule ({} if not due)."""
    from .retention import retention_run, retention_sweep_due

    now = now or timezone.now()
    if not retention_sweep_due(now=now):
        return {}
    return {outcome.rule: outcome.done for outcome in retention_run(now=now)}
