"""Periodic jobs of insights: keep the rollups fresh. Logs carry counts only."""

from __future__ import annotations

import datetime as dt

import structlog

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
