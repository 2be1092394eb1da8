"""The one permission policy for victimcare (rules predicates). Default: deny."""

from __future__ import annotations

import rules

from .constants import Role


@rules.predicate
def is_administrator(user) -> bool:  # type: ignore[no-untyped-def]
    return bool(user.is_authenticated and user.is_active and user.role == Role.ADMINISTRATOR)


rules.add_perm("accounts.use_admin", is_administrator)
rules.add_perm("core.search_audit", is_administrator)
