"""Reads of the partner API that the domain selectors do not provide.

Each takes an already authorised object (from `cases.selectors.access_crime`)
and only narrows it, so nothing here widens what a token may see.
"""

from __future__ import annotations

from django.db.models import QuerySet

from victimcare.cases.models import Crime, JourneyEvent, Victim

from .models import ApiToken


def crime_victim(*, crime: Crime, victim_id: int) -> Victim | None:
    """The victim with `victim_id` if they are linked to `crime`, else None."""
    return Victim.objects.filter(pk=victim_id, crime_links__crime=crime).first()


def crime_event(*, crime: Crime, event_id: int) -> JourneyEvent | None:
    """The event with `event_id` if it is on `crime`, else None."""
    return JourneyEvent.objects.filter(pk=event_id, crime=crime).first()


def token_list() -> QuerySet[ApiToken]:
    """Every token, newest first per organisation, for operators (no secrets exist to show)."""
    return ApiToken.objects.select_related("organisation", "user").order_by(
        "organisation__code", "-created_at"
    )
