"""Who may manage partner API tokens (rules predicates). Default: deny; the
tokens pages check `integrations.manage_tokens` and anyone else gets 404.

- `integrations.manage_tokens`: administrators of the police force or of the
  oversight body. A token is a key to many victims' records held by another
  organisation's system, so only those who administer the whole service
  create, rotate and revoke them, for any organisation.
"""

from __future__ import annotations

from typing import Any

import rules

from victimcare.accounts.constants import OrganisationKind as K
from victimcare.accounts.constants import Role
from victimcare.accounts.permissions import is_active_staff

MANAGE_TOKENS = "integrations.manage_tokens"

TOKEN_ADMIN_KINDS = frozenset({K.POLICE_FORCE, K.OVERSIGHT_BODY})


@rules.predicate
def is_token_administrator(user: Any) -> bool:
    organisation = getattr(user, "organisation", None)
    return (
        user.role == Role.ADMINISTRATOR
        and organisation is not None
        and organisation.kind in TOKEN_ADMIN_KINDS
    )


rules.add_perm(MANAGE_TOKENS, is_active_staff & is_token_administrator)
