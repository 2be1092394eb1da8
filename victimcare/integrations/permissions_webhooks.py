"""Who may manage webhooks (rules predicates).

`integrations.manage_webhooks`: supervisors of a partner organisation (Witness
Care Unit, CPS, court, probation, support organisation) for their own
organisation's subscriptions, and administrators of a police force for all.
Which subscriptions each may see is `webhooks_services.subscription_list_for_user`.
"""

from __future__ import annotations

from typing import Any

import rules

from victimcare.accounts.constants import OrganisationKind, Role
from victimcare.accounts.permissions import is_active_staff

PARTNER_SUPERVISOR_KINDS = frozenset(
    {
        OrganisationKind.WITNESS_CARE_UNIT,
        OrganisationKind.CPS,
        OrganisationKind.COURT,
        OrganisationKind.PROBATION,
        OrganisationKind.SUPPORT_ORGANISATION,
    }
)


def _kind(user: Any) -> str:
    organisation = getattr(user, "organisation", None)
    return getattr(organisation, "kind", "") if organisation is not None else ""


@rules.predicate
def is_partner_supervisor(user: Any) -> bool:
    return user.role == Role.SUPERVISOR and _kind(user) in PARTNER_SUPERVISOR_KINDS


@rules.predicate
def is_force_administrator(user: Any) -> bool:
    return user.role == Role.ADMINISTRATOR and _kind(user) == OrganisationKind.POLICE_FORCE


rules.set_perm(
    "integrations.manage_webhooks",
    is_active_staff & (is_partner_supervisor | is_force_administrator),
)
