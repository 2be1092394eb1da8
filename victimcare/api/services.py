"""Writes of the partner API: tokens, and idempotent event recording.

Business rules stay in the domain services (victimcare.cases.services); these
functions add only what is particular to the API. Keyword-only, atomic.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from victimcare.accounts.constants import ROLES_BY_KIND
from victimcare.accounts.models import Organisation, User
from victimcare.cases import services as case_services
from victimcare.cases.models import Crime, JourneyEvent
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction

from . import messages
from .constants import (
    DEFAULT_ROLE_BY_KIND,
    DEFAULT_TOKEN_DAYS,
    MAX_TOKEN_DAYS,
    PREFIX_LENGTH,
    SERVICE_USER_DOMAIN,
    TOKEN_FORBIDDEN_ROLES,
    TOKEN_SCHEME,
)
from .models import ApiToken, IdempotencyRecord
from .tokens import secret_hash


class TokenError(ValueError):
    """A token cannot be created or revoked as asked; the message says why."""


class IdempotencyConflictError(Exception):
    """The Idempotency-Key was used before with a different request."""


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


@transaction.atomic
def token_create(
    *,
    organisation: Organisation,
    name: str,
    role: str | None = None,
    days: int = DEFAULT_TOKEN_DAYS,
) -> tuple[ApiToken, str]:
    """Create a token and its service user; return the token and its secret.

    The secret (`vc_<prefix>_<43 url-safe characters>`) is returned once and
    never stored. The service user is `api-<org code>-<n>@system.invalid` with
    an unusable password, in `organisation`, with the role its kind implies
    (DEFAULT_ROLE_BY_KIND) or `role` if the kind allows it. For operators
    (the `token` command). Raises TokenError for bad input.
    """
    name = name.strip()
    if not name or len(name) > ApiToken._meta.get_field("name").max_length:  # type: ignore[operator]
        raise TokenError("The token needs a name of 1 to 100 characters.")
    if not organisation.active:
        raise TokenError(messages.ORG_INACTIVE.format(code=organisation.code))
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise TokenError(messages.DAYS_OUT_OF_RANGE.format(max_days=MAX_TOKEN_DAYS))
    allowed = ROLES_BY_KIND.get(organisation.kind, frozenset()) - TOKEN_FORBIDDEN_ROLES
    chosen = role or DEFAULT_ROLE_BY_KIND.get(organisation.kind, "")
    if chosen not in allowed:
        raise TokenError(
            messages.ROLE_NOT_ALLOWED.format(
                kind=organisation.get_kind_display().lower(),
                role=chosen,
                allowed=", ".join(sorted(allowed)) or "none",
            )
        )
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
    )
    audit_record(
        action=AuditAction.CREATE,
        object_type="api.apitoken",
        object_id=token.pk,
        detail={"organisation_id": organisation.pk, "user_id": user.pk, "role": chosen},
    )
    return token, secret


@transaction.atomic
def token_revoke(*, prefix: str) -> ApiToken:
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


def event_record_idempotent(
    *,
    actor: User,
    crime: Crime,
    fingerprint: str,
    idempotency_key: str | None,
    request: HttpRequest | None = None,
    **event: Any,
) -> tuple[JourneyEvent, bool]:
    """`cases.services.event_record`, made safe to retry through the API.

    Without a key it simply records. With a key: the first request records the
    event and remembers the request's fingerprint; a retry with the same key and
    the same fingerprint returns the first event (created False); the same key
    with a different request raises IdempotencyConflictError and records nothing.
    Domain errors (ValidationError, PermissionDenied) pass through unchanged.
    """
    if not idempotency_key:
        return case_services.event_record(actor=actor, crime=crime, request=request, **event)
    try:
        return _event_record_once(
            actor=actor,
            crime=crime,
            fingerprint=fingerprint,
            idempotency_key=idempotency_key,
            request=request,
            event=event,
        )
    except IntegrityError:
        # A concurrent first request with the same key committed first: this
        # request is now a retry of it (or a conflict), so ask once more.
        return _event_record_once(
            actor=actor,
            crime=crime,
            fingerprint=fingerprint,
            idempotency_key=idempotency_key,
            request=request,
            event=event,
        )


@transaction.atomic
def _event_record_once(
    *,
    actor: User,
    crime: Crime,
    fingerprint: str,
    idempotency_key: str,
    request: HttpRequest | None,
    event: dict[str, Any],
) -> tuple[JourneyEvent, bool]:
    organisation = actor.organisation
    assert organisation is not None
    previous = IdempotencyRecord.objects.filter(
        organisation=organisation, key=idempotency_key
    ).first()
    if previous is not None and previous.request_hash != fingerprint:
        raise IdempotencyConflictError
    recorded, created = case_services.event_record(
        actor=actor, crime=crime, idempotency_key=idempotency_key, request=request, **event
    )
    if recorded.crime_id != crime.pk:
        # The key was first used for another crime.
        raise IdempotencyConflictError
    if previous is None:
        if not created and not _same_event(recorded, event):
            # The key was first used outside the API, for something else.
            raise IdempotencyConflictError
        IdempotencyRecord.objects.create(
            organisation=organisation,
            key=idempotency_key,
            request_hash=fingerprint,
            event=recorded,
        )
    return recorded, created


def _same_event(recorded: JourneyEvent, event: dict[str, Any]) -> bool:
    """For a key first used outside the API (no fingerprint): the essentials match."""
    return recorded.code == event.get("code") and recorded.occurred_at == event.get("occurred_at")
