"""Periodic jobs of insights: keep the rollups fresh. Logs carry counts only."""

from __future__ import annotations

import datetime as dt

import structlog
from django.utils import timezone

from victimcare.core.scheduler import periodic

from .rollups import rollups_refresh

log = structlog.get_logger(__name__)


@periodic("insights_rollups_refresh", every=dt.timedelta(minutes=15))
def insights_rollups_refresh() -> int:
    """The recent months and any month with new raw rows. Returns rows written."""
    result = rollups_refresh()
    log.info("insights.rollups_refreshed", rows=result.rows, seconds=round(result.seconds, 2))
    return result.rows


@periodic("insights_rollups_rebuild", every=dt.timedelta(hours=24))
def insights_rollups_rebuild() -> int:
    """Every month, so late changes to old duties are counted too."""
    result = rollups_refresh(full=True)
    log.info("insights.rollups_rebuilt", rows=result.rows, seconds=round(result.seconds, 2))
    return result.rows


STUCK_AFTER = dt.timedelta(hours=1)


@periodic("insights_survey_imports_sweep", every=dt.timedelta(minutes=15))
def insights_survey_imports_sweep(*, now: dt.datetime | None = None) -> int:
    """Survey imports left "being checked" for over an hour (the worker died
    mid-file; an error would have finished them) are rejected with
    IMPORT_FAILED, so the analyst sees it failed and uploads again. Nothing of
    them was imported: the import is one transaction. Returns how many."""
    from .imports import survey_imports_stuck_reject

    swept = survey_imports_stuck_reject(started_before=(now or timezone.now()) - STUCK_AFTER)
    if swept:
        log.warning("insights.survey_imports_stuck", imports=swept)
    return swept
