"""Who may coordinate the Victim Voice Forum (rules predicates). Default: deny.

The forum is run by the force with the Mayor's Office for Policing and Crime
(seeds/004: "established in collaboration with the mayor's Office for Police
and Crime"), so ``forum.coordinate`` is held by:

- administrators and analysts at an oversight body (MOPAC), who run the
  forum's engagement work; and
- administrators at the police force itself (force headquarters), who run it
  with them.

Nobody in a BCU, a team, the desk, a partner agency or a support organisation
holds it: volunteers agreed to share their details with the forum's
coordinator, not with the officers or agencies who handled their case. The
permission has no object: volunteers belong to the deployment, not to an
organisation, and what each one shows is limited by their own choices
(selectors.volunteer_rows).
"""

from __future__ import annotations

from typing import Any

import rules

from victimcare.accounts.constants import OrganisationKind, Role
from victimcare.accounts.permissions import is_active_staff

COORDINATOR_ROLES: dict[str, frozenset[str]] = {
    OrganisationKind.OVERSIGHT_BODY: frozenset({Role.ADMINISTRATOR, Role.ANALYST}),
    OrganisationKind.POLICE_FORCE: frozenset({Role.ADMINISTRATOR}),
}


@rules.predicate
def is_forum_coordinator(user: Any) -> bool:
    if not is_active_staff(user):
        return False
    organisation = user.organisation
    return bool(
        organisation.active and user.role in COORDINATOR_ROLES.get(organisation.kind, frozenset())
    )


PERMISSIONS: dict[str, rules.Predicate] = {
    "forum.coordinate": is_active_staff & is_forum_coordinator,
}

for _name, _predicate in PERMISSIONS.items():
    rules.set_perm(_name, _predicate)
