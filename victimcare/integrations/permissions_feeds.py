"""Who may see and change partner feeds (rules predicates). Default: deny; a
view checks a permission named here and anything not granted is a 404.

- `integrations.view_feeds`: analysts and administrators of the oversight
  body or the force see every feed; supervisors of a partner organisation see
  their own organisation's feeds. An organisation with no supervisor role
  (a court) is looked after by its caseworkers, who are the ones told about
  its outages, so they see their own feeds too.
- `integrations.manage_feeds`: administrators of the force or the oversight body.
"""

from __future__ import annotations

from typing import Any

import rules

from victimcare.accounts.constants import PARTNER_KINDS, ROLES_BY_KIND, Role
from victimcare.accounts.constants import OrganisationKind as K
from victimcare.accounts.permissions import is_active_staff

VIEW_FEEDS = "integrations.view_feeds"
MANAGE_FEEDS = "integrations.manage_feeds"

ALL_FEEDS_KINDS = frozenset({K.POLICE_FORCE, K.OVERSIGHT_BODY})


def _kind(user: Any) -> str | None:
    organisation = getattr(user, "organisation", None)
    return organisation.kind if organisation is not None else None


def sees_all_feeds(user: Any) -> bool:
    """Analysts and administrators of the force or the oversight body."""
    return user.role in (Role.ANALYST, Role.ADMINISTRATOR) and _kind(user) in ALL_FEEDS_KINDS


def sees_own_feeds(user: Any) -> bool:
    """People looking after a partner organisation's feeds (see the module docstring)."""
    kind = _kind(user)
    if kind not in PARTNER_KINDS:
        return False
    if user.role == Role.SUPERVISOR:
        return True
    no_supervisors = Role.SUPERVISOR not in ROLES_BY_KIND.get(kind, frozenset())
    return no_supervisors and user.role == Role.PARTNER_CASEWORKER


@rules.predicate
def may_view_feeds(user: Any) -> bool:
    return sees_all_feeds(user) or sees_own_feeds(user)


@rules.predicate
def may_manage_feeds(user: Any) -> bool:
    return user.role == Role.ADMINISTRATOR and _kind(user) in ALL_FEEDS_KINDS


rules.add_perm(VIEW_FEEDS, is_active_staff & may_view_feeds)
rules.add_perm(MANAGE_FEEDS, is_active_staff & may_manage_feeds)
