"""Periodic jobs: the scheduler only rings the doorbell.

Each job is an idempotent "find due work" function registered with `@periodic`.
Every tick, a scheduler claims each due job with one conditional UPDATE on its
PeriodicJob row (only one scheduler's UPDATE matches, so running two schedulers
is safe) and enqueues `periodic_job_task`; whichever worker picks the task up
runs the job and records when it finished, or the error class it raised.
Apps register jobs in a `jobs.py` module, found by autodiscovery.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import structlog
from django.db.models import Q
from django.tasks import task
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from .models import PeriodicJob

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class JobSpec:
    name: str
    every: dt.timedelta
    func: Callable[[], object]


REGISTRY: dict[str, JobSpec] = {}


def periodic(
    name: str, *, every: dt.timedelta
) -> Callable[[Callable[[], object]], Callable[[], object]]:
    """Register `func` to run about once per `every`, on one worker at a time."""

    def register(func: Callable[[], object]) -> Callable[[], object]:
        REGISTRY[name] = JobSpec(name=name, every=every, func=func)
        return func

    return register


def discover_jobs() -> dict[str, JobSpec]:
    autodiscover_modules("jobs")
    return REGISTRY


def jobs_claim_due(*, now: dt.datetime | None = None) -> list[str]:
    """Claim every due job for this scheduler and enqueue it. Returns the names claimed."""
    now = now or timezone.now()
    existing = set(PeriodicJob.objects.filter(name__in=REGISTRY).values_list("name", flat=True))
    PeriodicJob.objects.bulk_create(
        [PeriodicJob(name=n) for n in REGISTRY if n not in existing], ignore_conflicts=True
    )
    claimed = []
    for spec in REGISTRY.values():
        won = (
            PeriodicJob.objects.filter(name=spec.name)
            .filter(Q(last_started_at__isnull=True) | Q(last_started_at__lte=now - spec.every))
            .update(last_started_at=now)
        )
        if won:
            claimed.append(spec.name)
            periodic_job_task.enqueue(name=spec.name)
    return claimed


@task()
def periodic_job_task(*, name: str) -> None:
    """Run one registered job and record the outcome on its PeriodicJob row."""
    spec = REGISTRY.get(name) or discover_jobs().get(name)
    if spec is None:
        log.warning("scheduler.unknown_job", job=name)
        return
    try:
        spec.func()
    except Exception as exc:
        PeriodicJob.objects.filter(name=name).update(
            last_finished_at=timezone.now(), last_error=type(exc).__name__
        )
        log.exception("scheduler.job_failed", job=name)
        raise
    PeriodicJob.objects.filter(name=name).update(last_finished_at=timezone.now(), last_error="")
    log.info("scheduler.job_finished", job=name)
