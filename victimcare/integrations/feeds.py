"""Feed health (filled in by the feeds part of issue 10)."""

from __future__ import annotations

from victimcare.cases.models import JourneyEvent


def feed_heard(*, event: JourneyEvent) -> None:
    """Note that the recording organisation's feeds delivering `event` are alive."""
