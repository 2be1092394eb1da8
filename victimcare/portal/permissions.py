"""Who may handle complaints made through the portal (rules predicates). Default: deny.

There is no professional standards organisation kind (accounts.constants), so
the queue lives at the force: ``portal.handle_complaint`` is held by
supervisors and administrators whose organisation is the police force itself
(force headquarters, where the professional standards department sits), for
complaints routed to that force. Nobody in a BCU, a team, the desk or a
partner holds it: a complaint may be about them. Without an object it says
whether the person may open the queue at all; the queue is scoped to their
force by the selectors.
"""

from __future__ import annotations

from typing import Any

import rules

from victimcare.accounts.constants import OrganisationKind, Role
from victimcare.accounts.permissions import is_active_staff

HANDLER_ROLES = frozenset({Role.SUPERVISOR, Role.ADMINISTRATOR})


@rules.predicate
def is_force_complaint_handler(user: Any) -> bool:
    return bool(
        is_active_staff(user)
        and user.role in HANDLER_ROLES
        and user.organisation.kind == OrganisationKind.POLICE_FORCE
        and user.organisation.active
    )


@rules.predicate
def complaint_of_own_force(user: Any, complaint: Any) -> bool:
    if complaint is None:
        return True  # the queue page; what it lists is scoped by the selectors
    return getattr(complaint, "force_id", None) == user.organisation_id


PERMISSIONS: dict[str, rules.Predicate] = {
    "portal.handle_complaint": is_active_staff
    & is_force_complaint_handler
    & complaint_of_own_force,
}

for _name, _predicate in PERMISSIONS.items():
    rules.set_perm(_name, _predicate)
