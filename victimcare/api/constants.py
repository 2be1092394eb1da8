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


# What a token may do (issue 10): each endpoint names the scope it needs; a
# token without it gets 403. Tokens made before scopes existed hold them all.
SCOPES: dict[str, str] = {
    "crimes:read": "Read crimes and their victims",
    "crimes:write": "Record crimes and update what the organisation may",
    "events:read": "Read journey events (the timeline)",
    "events:write": "Record journey events",
    "needs:read": "Read needs assessments",
    "needs:write": "Update needs assessments (the owning agency)",
    "duties:read": "Read Victims' Code duties",
    "duties:write": "Complete duties with the contact that fulfilled them",
    "messages:read": "Read the status of messages to victims",
    "referrals:read": "Read referrals to support services",
    "referrals:write": "Make referrals, update their status, report data problems",
    "feedback:read": "Read feedback responses (analysts)",
    "directory:read": "Read the directory of support services",
    "webhooks:manage": "Manage webhook subscriptions and replay deliveries",
    "bulk:write": "Upload events in bulk",
}
ALL_SCOPES = tuple(SCOPES)
