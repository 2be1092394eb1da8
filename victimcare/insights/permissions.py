"""Who may see and do what in insights (rules predicates). Default: deny; a
view checks a permission named here and anything not granted is a 404.

- `insights.view`: the dashboards. Analysts of the force, a BCU or the
  oversight body; administrators of the force or the oversight body; and
  supervisors of a BCU (borough commanders), who see only their own BCU's
  boroughs (`scope.visible_area_ids`). Aggregate figures only.
- `insights.set_targets`: analysts and administrators of the oversight body.
- `insights.import_survey` and `insights.publish`: analysts of the force or
  the oversight body.
"""

from __future__ import annotations

from typing import Any

import rules

from victimcare.accounts.constants import OrganisationKind as K
from victimcare.accounts.constants import Role
from victimcare.accounts.permissions import is_active_staff

VIEW = "insights.view"
SET_TARGETS = "insights.set_targets"
IMPORT_SURVEY = "insights.import_survey"
PUBLISH = "insights.publish"

FORCE_WIDE_KINDS = frozenset({K.POLICE_FORCE, K.OVERSIGHT_BODY})


def _kind(user: Any) -> str | None:
    organisation = getattr(user, "organisation", None)
    return organisation.kind if organisation is not None else None


@rules.predicate
def may_view_insights(user: Any) -> bool:
    kind = _kind(user)
    if user.role == Role.ANALYST:
        return kind in (K.POLICE_FORCE, K.BCU, K.OVERSIGHT_BODY)
    if user.role == Role.ADMINISTRATOR:
        return kind in FORCE_WIDE_KINDS
    if user.role == Role.SUPERVISOR:
        return kind == K.BCU
    return False


@rules.predicate
def is_oversight_target_setter(user: Any) -> bool:
    return user.role in (Role.ANALYST, Role.ADMINISTRATOR) and _kind(user) == K.OVERSIGHT_BODY


@rules.predicate
def is_force_wide_analyst(user: Any) -> bool:
    return user.role == Role.ANALYST and _kind(user) in FORCE_WIDE_KINDS


rules.add_perm(VIEW, is_active_staff & may_view_insights)
rules.add_perm(SET_TARGETS, is_active_staff & is_oversight_target_setter)
rules.add_perm(IMPORT_SURVEY, is_active_staff & is_force_wide_analyst)
rules.add_perm(PUBLISH, is_active_staff & is_force_wide_analyst)
