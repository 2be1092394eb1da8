"""Which boroughs a person's insights cover."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from victimcare.accounts.constants import OrganisationKind as K
from victimcare.accounts.models import Area, User

from .permissions import VIEW


def visible_area_ids(user: User) -> frozenset[int] | None:
    """None for the whole force (every borough, and figures whose borough is
    not known); else the ids of the boroughs policed by the person's BCU.
    PermissionDenied for anyone without `insights.view`."""
    if not user.has_perm(VIEW):
        raise PermissionDenied
    organisation = user.organisation
    if organisation is not None and organisation.kind == K.BCU:
        return frozenset(Area.objects.filter(bcu=organisation).values_list("pk", flat=True))
    return None
