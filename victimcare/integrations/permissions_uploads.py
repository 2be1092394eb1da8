"""Who may upload journey events in bulk (rules predicates). Default: deny; a
view checks UPLOAD_EVENTS and anything not granted is a 404.

- `integrations.upload_events`: partner caseworkers and supervisors of a
  Witness Care Unit, the CPS, a court or probation, and police officers and
  supervisors (force, BCU or team). Each row is then checked exactly as
  recording that event by hand: the crime must be one the uploader may view
  and the event one their organisation records (`cases.services.event_record`).
  Desk agents, support caseworkers, analysts and administrators may not.
"""

from __future__ import annotations

from typing import Any

import rules

from victimcare.accounts.constants import PARTNER_KINDS, POLICE_KINDS, Role
from victimcare.accounts.permissions import is_active_staff

UPLOAD_EVENTS = "integrations.upload_events"

UPLOAD_ROLES_BY_KIND: dict[str, frozenset[str]] = {
    **{kind: frozenset({Role.OFFICER, Role.SUPERVISOR}) for kind in POLICE_KINDS},
    **{kind: frozenset({Role.PARTNER_CASEWORKER, Role.SUPERVISOR}) for kind in PARTNER_KINDS},
}


@rules.predicate
def may_upload_events(user: Any) -> bool:
    organisation = getattr(user, "organisation", None)
    if organisation is None:
        return False
    return user.role in UPLOAD_ROLES_BY_KIND.get(organisation.kind, frozenset())


rules.add_perm(UPLOAD_EVENTS, is_active_staff & may_upload_events)
