"""Periodic job of feed health: the sweep that notices partner feeds gone quiet."""

from __future__ import annotations

import datetime as dt

from victimcare.core.scheduler import periodic

from .feeds_sweep import feeds_sweep


@periodic("feeds_sweep", every=dt.timedelta(minutes=15))
def feeds_sweep_job() -> int:
    """Open outages for silent feeds (feeds_sweep); return how many were opened."""
    return len(feeds_sweep())
