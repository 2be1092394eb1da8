"""The one permission policy for victimcare (rules predicates). Default: deny.

Every question "may this person do this (to this object)?" is answered here,
through `user.has_perm(name, obj)`. A permission that is not registered below
is refused, and a person who is not an active member of staff with a role and
an organisation holds no permission at all.

Relationships between organisations follow the tree force → BCU → team:
- a supervisor *supervises* the people in their own organisation and in every
  organisation below it (a BCU supervisor covers the BCU's teams);
- a person may *view an organisation* that is their own or that sits below
  their own (a force member sees its BCUs; a team member does not see the BCU).

List pages must not rely on these predicates to filter: `selectors.py` scopes
querysets the same way (rules does not filter querysets).

Note: Django's `PermissionsMixin.has_perm` answers True for every permission
to an active superuser before asking any backend, so nobody should hold
`is_superuser`; administrators are people with the administrator role.
"""

from __future__ import annotations

from typing import Any

import rules

from .constants import Role
from .models import Organisation, User

# Organisation trees are shallow (force → BCU → team); this bounds the walk up
# the parent chain so a data error (a cycle) cannot loop forever.
MAX_ORGANISATION_DEPTH = 10


def organisation_chain_ids(organisation: Organisation | None) -> list[int]:
    """The ids of `organisation` and of each organisation above it, nearest first.

    Safe to call from any layer; returns [] for None. Costs one query per level.
    """
    ids: list[int] = []
    current = organisation
    while current is not None and len(ids) < MAX_ORGANISATION_DEPTH:
        if current.pk in ids:
            break
        ids.append(current.pk)
        current = current.parent
    return ids


def _is_staff_member(user: Any) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.is_active
        and user.role
        and user.organisation_id
    )


@rules.predicate
def is_active_staff(user: Any) -> bool:
    """An authenticated, active person with a role and an organisation."""
    return _is_staff_member(user)


def has_role(*roles: str) -> rules.Predicate:
    """A predicate: the person is active staff holding one of `roles`."""
    wanted = frozenset(roles)

    @rules.predicate(name=f"has_role({', '.join(sorted(wanted))})")
    def _has_role(user: Any) -> bool:
        return _is_staff_member(user) and user.role in wanted

    return _has_role


is_administrator = has_role(Role.ADMINISTRATOR)
is_supervisor = has_role(Role.SUPERVISOR)


@rules.predicate
def is_self(user: Any, person: Any) -> bool:
    """The object is the person themselves."""
    return isinstance(person, User) and person.pk is not None and person.pk == user.pk


@rules.predicate
def same_organisation(user: Any, obj: Any) -> bool:
    """The object (a person or an organisation) belongs to the person's own organisation."""
    if isinstance(obj, User):
        return obj.organisation_id is not None and obj.organisation_id == user.organisation_id
    if isinstance(obj, Organisation):
        return obj.pk == user.organisation_id
    return False


@rules.predicate
def supervises(user: Any, person: Any) -> bool:
    """A supervisor of the person's organisation or of an organisation above it."""
    if not isinstance(person, User) or person.organisation_id is None:
        return False
    if not (_is_staff_member(user) and user.role == Role.SUPERVISOR):
        return False
    return user.organisation_id in organisation_chain_ids(person.organisation)


@rules.predicate
def member_of_organisation_or_above(user: Any, organisation: Any) -> bool:
    """The person belongs to the organisation or to one above it in the tree."""
    if not isinstance(organisation, Organisation):
        return False
    return user.organisation_id in organisation_chain_ids(organisation)


# Every rule starts from is_active_staff, so an inactive or role-less account
# holds nothing, whatever the rest of the expression says.
PERMISSIONS: dict[str, rules.Predicate] = {
    "accounts.view_home": is_active_staff,
    "accounts.view_team": is_active_staff & (is_supervisor | is_administrator),
    "accounts.view_person": is_active_staff & (is_self | supervises | is_administrator),
    "accounts.manage_people": is_active_staff & is_administrator,
    "accounts.view_organisation": is_active_staff
    & (member_of_organisation_or_above | is_administrator),
    "accounts.use_admin": is_active_staff & is_administrator,
    "core.search_audit": is_active_staff & is_administrator,
}

for _name, _predicate in PERMISSIONS.items():
    rules.set_perm(_name, _predicate)
