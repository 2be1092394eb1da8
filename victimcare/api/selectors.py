"""Reads of the partner API that the domain selectors do not provide.

The crime readers take an already authorised object (from
`cases.selectors.access_crime`) and only narrow it, so nothing here widens
what a token may see. The token readers are for the tokens pages and the
`token` command; secrets are never stored, so none can be shown.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from victimcare.accounts.models import User
from victimcare.cases.models import Crime, JourneyEvent, Victim
from victimcare.integrations.permissions_tokens import MANAGE_TOKENS

from .models import ApiToken


def crime_victim(*, crime: Crime, victim_id: int) -> Victim | None:
    """The victim with `victim_id` if they are linked to `crime`, else None."""
    return Victim.objects.filter(pk=victim_id, crime_links__crime=crime).first()


def crime_event(*, crime: Crime, event_id: int) -> JourneyEvent | None:
    """The event with `event_id` if it is on `crime`, else None."""
    return JourneyEvent.objects.filter(pk=event_id, crime=crime).first()


def token_list() -> QuerySet[ApiToken]:
    """Every token, newest first per organisation, for operators (no secrets exist to show)."""
    return ApiToken.objects.select_related("organisation", "user", "rotated_from").order_by(
        "organisation__code", "-created_at"
    )


def token_list_for_user(*, user: User) -> QuerySet[ApiToken]:
    """The tokens `user` may manage (every token for a token administrator,
    none for anyone else), by organisation name then newest first."""
    if not user.has_perm(MANAGE_TOKENS):
        return ApiToken.objects.none()
    return ApiToken.objects.select_related("organisation", "user", "rotated_from").order_by(
        "organisation__name", "name", "-created_at"
    )


def access_token(*, user: User, pk: int) -> ApiToken:
    """The token `pk` if `user` may manage it; Http404 for missing and forbidden alike."""
    token = token_list_for_user(user=user).filter(pk=pk).first()
    if token is None:
        raise Http404("No such token.")
    return token
