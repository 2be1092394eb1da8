"""Housekeeping jobs every deployment needs."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

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
    cutoff = timezone.now() - dt.timedelta(seconds=settings.WORKER_HEARTBEAT_SECONDS * 40)
    WorkerHeartbeat.objects.filter(last_seen__lt=cutoff).delete()


@periodic("ratecounters_purge", every=dt.timedelta(hours=1))
def ratecounters_purge() -> None:
    # Rate-limit windows last at most a day; older counters only take space.
    from .ratelimit import ratecounters_purge as purge

    purge()
