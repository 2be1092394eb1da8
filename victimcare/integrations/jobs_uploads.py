"""Periodic jobs of bulk uploads (registered with core.scheduler.periodic).
Logs carry counts only."""

from __future__ import annotations

import datetime as dt

import structlog
from django.utils import timezone

from victimcare.core.scheduler import periodic

log = structlog.get_logger(__name__)

STUCK_AFTER = dt.timedelta(hours=1)


@periodic("integrations_bulk_uploads_sweep", every=dt.timedelta(minutes=15))
def integrations_bulk_uploads_sweep(*, now: dt.datetime | None = None) -> int:
    """Uploads left "being checked" for over an hour (the worker died; an error
    would have finished them) are rejected with UPLOAD_FAILED, so the uploader
    sees it failed and uploads again. Nothing of them was recorded: applying is
    one transaction. Returns how many."""
    from .bulk import bulk_uploads_stuck_reject

    swept = bulk_uploads_stuck_reject(started_before=(now or timezone.now()) - STUCK_AFTER)
    if swept:
        log.warning("integrations.bulk_uploads_stuck", uploads=swept)
    return swept
