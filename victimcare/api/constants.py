"""Fixed values of the partner API."""

from __future__ import annotations

import datetime as dt

from victimcare.accounts.constants import OrganisationKind as K
from victimcare.accounts.constants import Role

TOKEN_SCHEME = "vc"  # noqa: S105  (the secret format's fixed prefix)
PREFIX_LENGTH = 8
DEFAULT_TOKEN_DAYS = 365
MAX_TOKEN_DAYS = 2 * 365
# last_used_at is written at most this often per token, so a busy feed does
# not turn every request into a write.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
SERVICE_USER_DOMAIN = "system.invalid"
# The purpose recorded in the audit log for disclosures through the API.
AUDIT_PURPOSE = "partner API"
IDEMPOTENCY_KEY_MAX_LENGTH = 100

# The role a token's service user holds, by organisation kind. `--role` may
# pick another role the kind allows, except the ones in TOKEN_FORBIDDEN_ROLES.
DEFAULT_ROLE_BY_KIND: dict[str, str] = {
    K.POLICE_FORCE: Role.OFFICER,
    K.BCU: Role.OFFICER,
    K.TEAM: Role.OFFICER,
    K.VICTIM_FOCUS_DESK: Role.DESK_AGENT,
    K.WITNESS_CARE_UNIT: Role.PARTNER_CASEWORKER,
    K.CPS: Role.PARTNER_CASEWORKER,
    K.COURT: Role.PARTNER_CASEWORKER,
    K.PROBATION: Role.PARTNER_CASEWORKER,
    K.SUPPORT_ORGANISATION: Role.SUPPORT_CASEWORKER,
    K.OVERSIGHT_BODY: Role.ANALYST,
}
# A machine never administers people or organisations.
TOKEN_FORBIDDEN_ROLES = frozenset({Role.ADMINISTRATOR})
