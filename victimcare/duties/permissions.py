"""Who may act on a duty (rules predicates). Default: deny.

- ``duties.view_duty`` (duty): may view its crime (the case policy decides).
- ``duties.act_on_duty`` (duty): may view its crime, and is the person who owes
  it, a member of the organisation that owes it, a supervisor of that
  organisation (or above it), or — for police duties — a Victim Focus Desk
  agent, who gives victims updates on the police's behalf.
- ``duties.view_team_duties``: supervisors (their organisation and below).
- ``duties.view_worklist``: people whose work is cases (officers, supervisors,
  desk agents, partner and support caseworkers); not analysts or administrators.
- ``duties.view_compliance``: analysts and supervisors (counts only).
"""

from __future__ import annotations

from typing import Any

import rules

from victimcare.accounts.constants import OrganisationKind, Role
from victimcare.accounts.permissions import has_role, is_active_staff
from victimcare.cases.permissions import organisation_chain, works_on_cases

from .constants import Owner


@rules.predicate
def may_view_duty(user: Any, duty: Any) -> bool:
    return duty is not None and bool(user.has_perm("cases.view_crime", duty.crime))


@rules.predicate
def owes_duty(user: Any, duty: Any) -> bool:
    if duty is None or not user.is_authenticated or user.organisation_id is None:
        return False
    if user.pk == duty.assignee_id or user.organisation_id == duty.owner_organisation_id:
        return True
    if user.role == Role.SUPERVISOR and any(
        org.pk == user.organisation_id for org in organisation_chain(duty.owner_organisation)
    ):
        return True
    return bool(
        duty.owner == Owner.POLICE
        and user.role == Role.DESK_AGENT
        and user.organisation.kind == OrganisationKind.VICTIM_FOCUS_DESK
    )


rules.add_perm("duties.view_duty", is_active_staff & may_view_duty)
rules.add_perm("duties.act_on_duty", is_active_staff & may_view_duty & owes_duty)
rules.add_perm("duties.view_team_duties", has_role(Role.SUPERVISOR))
# A worklist for everyone whose work is cases (the same people who may search them).
rules.add_perm("duties.view_worklist", is_active_staff & works_on_cases)
# Aggregate figures: analysts (the force) and supervisors (their organisation and
# below); compliance.compliance_figures scopes what each sees.
rules.add_perm("duties.view_compliance", has_role(Role.ANALYST, Role.SUPERVISOR))
