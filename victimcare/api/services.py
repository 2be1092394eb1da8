"""Writes of the partner API: tokens (with scopes and rotation); and the
request fingerprint and conflict error that retried event posts use
(views_events.py).

Business rules stay in the domain services (victimcare.cases.services); these
functions add only what is particular to the API. Keyword-only, atomic.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from victimcare.accounts.constants import ROLES_BY_KIND
from victimcare.accounts.constants import OrganisationKind as K
from victimcare.accounts.models import Organisation, User
from victimcare.cases.models import Crime
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction

from . import messages
from .constants import (
    DEFAULT_ROLE_BY_KIND,
    DEFAULT_TOKEN_DAYS,
    MAX_TOKEN_DAYS,
    PREFIX_LENGTH,
    SCOPES,
    SERVICE_USER_DOMAIN,
    TOKEN_FORBIDDEN_ROLES,
    TOKEN_SCHEME,
)
from .models import ApiToken
from .tokens import secret_hash


class TokenError(ValueError):
    """A token cannot be created, rotated or revoked as asked; the message says
    why, and `field` names the input it is about (None: the request as a whole)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class IdempotencyConflictError(Exception):
    """The Idempotency-Key was used before with a different request."""


# ruff: noqa: S105  (names containing TOKEN are messages, not secrets)
NAME_INVALID = "Enter a name for the token of 1 to 100 characters, saying what it is for."
SCOPE_UNKNOWN = "There is no scope called {scope!r}. Scopes are: {known}."
SCOPES_EMPTY = "Choose at least one scope."
TOKEN_LIMIT = (
    "Organisation {code!r} already has 2 active tokens named {name!r}. "
    "Revoke one before making another."
)
TOKEN_NOT_ROTATABLE = "Token {prefix} has been revoked, so it cannot be rotated."
# Rotation without downtime: the old and the new token work side by side
# while the partner switches over, and never more than that.
MAX_ACTIVE_PER_NAME = 2

# The scopes a token gets when none are asked for, by the kind of its
# organisation: what such a partner's system typically does (docs/api-tokens.md).
# Webhooks and bulk upload are never given by default: they are asked for.
# directory:read is a default only where the directory's rule admits the
# token's service user (referrals.permissions.may_view_directory: a support
# organisation's caseworker or supervisor); police systems find services
# through GET …/victims/{id}/referrals/.
_CASE_PARTNER = (
    "crimes:read",
    "events:read",
    "events:write",
    "needs:read",
    "needs:write",
    "duties:read",
    "duties:write",
    "messages:read",
    "referrals:read",
    "referrals:write",
)
_POLICE = ("crimes:read", "crimes:write", *_CASE_PARTNER[1:])
DEFAULT_SCOPES_BY_KIND: dict[str, tuple[str, ...]] = {
    K.POLICE_FORCE: _POLICE,
    K.BCU: _POLICE,
    K.TEAM: _POLICE,
    K.VICTIM_FOCUS_DESK: _CASE_PARTNER,
    K.WITNESS_CARE_UNIT: _CASE_PARTNER,
    K.CPS: (
        "crimes:read",
        "events:read",
        "events:write",
        "needs:read",
        "duties:read",
        "duties:write",
    ),
    K.COURT: ("crimes:read", "events:read", "events:write", "duties:read"),
    K.PROBATION: (
        "crimes:read",
        "events:read",
        "events:write",
        "needs:read",
        "duties:read",
        "duties:write",
    ),
    # 'Tell us once': a support service reads the needs of victims shared with it.
    K.SUPPORT_ORGANISATION: ("needs:read", "referrals:read", "referrals:write", "directory:read"),
    K.OVERSIGHT_BODY: ("feedback:read",),
}


def scopes_check(scopes: Iterable[str] | None, *, kind: str) -> list[str]:
    """The scopes a token will hold, in the order of constants.SCOPES: `scopes`,
    or the kind's defaults when None. Raises TokenError (field "scopes") naming
    an unknown scope, or when the list is empty."""
    if scopes is None:
        chosen = set(DEFAULT_SCOPES_BY_KIND.get(kind, ()))
    else:
        chosen = {scope.strip() for scope in scopes if scope.strip()}
        for scope in sorted(chosen):
            if scope not in SCOPES:
                raise TokenError(
                    SCOPE_UNKNOWN.format(scope=scope, known=", ".join(SCOPES)), field="scopes"
                )
    if not chosen:
        raise TokenError(SCOPES_EMPTY, field="scopes")
    return [scope for scope in SCOPES if scope in chosen]


def _service_user_email(organisation: Organisation) -> str:
    n = ApiToken.objects.filter(organisation=organisation).count() + 1
    while True:
        email = f"api-{organisation.code}-{n}@{SERVICE_USER_DOMAIN}"
        if not User.objects.filter(email=email).exists():
            return email
        n += 1


def _new_prefix() -> str:
    while True:
        prefix = secrets.token_hex(PREFIX_LENGTH // 2)
        if not ApiToken.objects.filter(prefix=prefix).exists():
            return prefix


def active_tokens_named(*, organisation: Organisation, name: str) -> QuerySet[ApiToken]:
    """The organisation's tokens called `name` that still work."""
    return ApiToken.objects.filter(
        organisation=organisation, name=name, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )


@transaction.atomic
def token_create(
    *,
    organisation: Organisation,
    name: str,
    role: str | None = None,
    days: int = DEFAULT_TOKEN_DAYS,
    scopes: Iterable[str] | None = None,
    rotated_from: ApiToken | None = None,
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> tuple[ApiToken, str]:
    """Create a token and its service user; return the token and its secret.

    The secret (`vc_<prefix>_<43 url-safe characters>`) is returned once and
    never stored. The service user is `api-<org code>-<n>@system.invalid` with
    an unusable password, in `organisation`, with the role its kind implies
    (DEFAULT_ROLE_BY_KIND) or `role` if the kind allows it. The token holds
    `scopes` (each one of constants.SCOPES) or, when None, the defaults for
    the organisation's kind (DEFAULT_SCOPES_BY_KIND). An organisation has at
    most two active tokens with one name (the old and new during a rotation).
    For operators (the `token` command) and administrators (the tokens pages,
    who pass `actor`/`request` for the audit log). Raises TokenError for bad input.
    """
    name = name.strip()
    if not name or len(name) > ApiToken._meta.get_field("name").max_length:  # type: ignore[operator]
        raise TokenError(NAME_INVALID, field="name")
    # Locks the organisation, so two requests cannot both make the third token of a name.
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if not organisation.active:
        raise TokenError(messages.ORG_INACTIVE.format(code=organisation.code), field="organisation")
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise TokenError(messages.DAYS_OUT_OF_RANGE.format(max_days=MAX_TOKEN_DAYS), field="days")
    chosen_scopes = scopes_check(scopes, kind=organisation.kind)
    allowed = ROLES_BY_KIND.get(organisation.kind, frozenset()) - TOKEN_FORBIDDEN_ROLES
    chosen = role or DEFAULT_ROLE_BY_KIND.get(organisation.kind, "")
    if chosen not in allowed:
        raise TokenError(
            messages.ROLE_NOT_ALLOWED.format(
                kind=organisation.get_kind_display().lower(),
                role=chosen,
                allowed=", ".join(sorted(allowed)) or "none",
            ),
            field="role",
        )
    if active_tokens_named(organisation=organisation, name=name).count() >= MAX_ACTIVE_PER_NAME:
        raise TokenError(TOKEN_LIMIT.format(code=organisation.code, name=name), field="name")
    prefix = _new_prefix()
    secret = f"{TOKEN_SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"
    user = User.objects.create_user(
        _service_user_email(organisation),
        password=None,  # unusable: the service user never signs in to pages
        full_name=f"{name} (API)",
        organisation=organisation,
        role=chosen,
    )
    now = timezone.now()
    token = ApiToken.objects.create(
        organisation=organisation,
        name=name,
        user=user,
        prefix=prefix,
        token_hash=secret_hash(secret),
        created_at=now,
        expires_at=now + dt.timedelta(days=days),
        scopes=chosen_scopes,
        rotated_from=rotated_from,
    )
    audit_record(
        action=AuditAction.CREATE,
        request=request,
        actor=actor,
        object_type="api.apitoken",
        object_id=token.pk,
        detail={
            "organisation_id": organisation.pk,
            "user_id": user.pk,
            "role": chosen,
            "scopes": chosen_scopes,
            "rotated_from": rotated_from.pk if rotated_from is not None else None,
        },
    )
    return token, secret


@transaction.atomic
def token_rotate(
    *,
    prefix: str,
    days: int = DEFAULT_TOKEN_DAYS,
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> tuple[ApiToken, str]:
    """A new token for the same organisation, name, role and scopes as the token
    with `prefix`, which it names as `rotated_from`; return it and its secret.

    The old token keeps working until it is revoked or expires, so a partner
    can switch over without downtime. Refused (TokenError) for an unknown or
    revoked token, and while two tokens of that name are active. For
    operators and administrators."""
    old = ApiToken.objects.select_related("organisation", "user").filter(prefix=prefix).first()
    if old is None:
        raise TokenError(messages.TOKEN_UNKNOWN.format(prefix=prefix))
    if old.revoked_at is not None:
        raise TokenError(TOKEN_NOT_ROTATABLE.format(prefix=prefix))
    return token_create(
        organisation=old.organisation,
        name=old.name,
        role=old.user.role,
        days=days,
        scopes=list(old.scopes),
        rotated_from=old,
        actor=actor,
        request=request,
    )


@transaction.atomic
def token_revoke(
    *, prefix: str, actor: User | None = None, request: HttpRequest | None = None
) -> ApiToken:
    """Revoke the token with `prefix` and deactivate its service user. For operators
    and administrators. Raises TokenError for an unknown or already revoked token."""
    token = (
        ApiToken.objects.select_for_update().select_related("user").filter(prefix=prefix).first()
    )
    if token is None:
        raise TokenError(messages.TOKEN_UNKNOWN.format(prefix=prefix))
    if token.revoked_at is not None:
        raise TokenError(messages.TOKEN_ALREADY_REVOKED.format(prefix=prefix))
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    token.user.is_active = False
    token.user.save(update_fields=["is_active"])
    audit_record(
        action=AuditAction.CHANGE,
        request=request,
        actor=actor,
        object_type="api.apitoken",
        object_id=token.pk,
        detail={"revoked": True, "user_id": token.user_id},
    )
    return token


def request_fingerprint(*, crime: Crime, data: Any) -> str:
    """SHA-256 of the crime and the request body as canonical JSON (key order and
    whitespace do not matter; values do)."""
    canonical = json.dumps(
        {"crime": crime.pk, "body": data}, sort_keys=True, separators=(",", ":"), default=str
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
