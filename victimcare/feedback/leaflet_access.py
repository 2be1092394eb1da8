"""Who may print a police force's QR leaflet (rules predicate). Default: deny.

``feedback.print_force_leaflet`` (force or None): an active administrator or
supervisor in a police force, or in one of its BCUs or teams, for that force
only. Without an object it says whether the person may open the page at all.
Anyone else gets the same 404 as for a force that does not exist.
"""

from __future__ import annotations

from typing import Any

import rules
from django.http import Http404

from victimcare.accounts.constants import POLICE_KINDS, OrganisationKind, Role
from victimcare.accounts.models import Organisation
from victimcare.accounts.permissions import is_active_staff
from victimcare.cases.permissions import organisation_chain

LEAFLET_ROLES = frozenset({Role.ADMINISTRATOR, Role.SUPERVISOR})


def leaflet_force_for(user: Any) -> Organisation | None:
    """The police force whose leaflet `user` may print, or None."""
    if not is_active_staff(user) or user.role not in LEAFLET_ROLES:
        return None
    organisation = user.organisation
    if organisation is None or organisation.kind not in POLICE_KINDS:
        return None
    for org in organisation_chain(organisation):
        if org.kind == OrganisationKind.POLICE_FORCE and org.active:
            return org
    return None


@rules.predicate
def may_print_force_leaflet(user: Any, force: Any) -> bool:
    own = leaflet_force_for(user)
    if own is None:
        return False
    return force is None or (isinstance(force, Organisation) and force.pk == own.pk)


rules.add_perm("feedback.print_force_leaflet", may_print_force_leaflet)


def access_force_for_leaflet(user: Any, force_id: int) -> Organisation:
    """The force `force_id` if `user` may print its leaflet; Http404 for a
    missing force and a forbidden one alike."""
    force = Organisation.objects.filter(
        pk=force_id, kind=OrganisationKind.POLICE_FORCE, active=True
    ).first()
    if force is None or not user.has_perm("feedback.print_force_leaflet", force):
        raise Http404("No such page.")
    return force
