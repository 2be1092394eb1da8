"""Periodic jobs of feedback: urgent items past their deadline.

Logs carry counts only.
"""

from __future__ import annotations

import datetime as dt

import structlog
from django.utils import timezone

from victimcare.core.scheduler import periodic

from .review import urgent_overdue_notify

log = structlog.get_logger(__name__)


@periodic("feedback_urgent_overdue_sweep", every=dt.timedelta(minutes=15))
def feedback_urgent_overdue_sweep(*, now: dt.datetime | None = None) -> int:
    """Email the supervisors once more about each urgent review item past its
    deadline and still open (once per item and person: the outbox's idempotency
    key). Returns emails queued."""
    queued = urgent_overdue_notify(now=now or timezone.now())
    if queued:
        log.info("feedback.urgent_overdue_notified", emails=queued)
    return queued
