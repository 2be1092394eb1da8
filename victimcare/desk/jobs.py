"""Periodic jobs of the desk: flagging call backs that are past due.

Idempotent and set-based: one conditional UPDATE marks each open call back
past its `due_at` once (`overdue_flagged_at`), so running twice, or on two
workers at once, changes nothing the second time. The queue page works out
"overdue" from `due_at` itself; the flag records when the desk's workload
first counted it late (for the workload figures). Logs carry counts only.
"""

from __future__ import annotations

import datetime as dt

import structlog
from django.utils import timezone

from victimcare.core.scheduler import periodic

from .constants import CallBackState
from .models import CallBack

log = structlog.get_logger(__name__)


@periodic("desk_call_backs_overdue", every=dt.timedelta(minutes=5))
def call_backs_overdue_flag(*, now: dt.datetime | None = None) -> int:
    """Flag open call backs past their due time; return how many were flagged."""
    now = now or timezone.now()
    flagged = CallBack.objects.filter(
        state=CallBackState.OPEN, due_at__lt=now, overdue_flagged_at__isnull=True
    ).update(overdue_flagged_at=now)
    if flagged:
        log.info("desk.call_backs_overdue_flagged", count=flagged)
    return flagged
