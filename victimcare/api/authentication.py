"""Bearer-token authentication for the partner API.

`Authorization: Bearer vc_<prefix>_<secret>`. The prefix finds the token; the
SHA-256 of the whole presented secret is compared with the stored hash in
constant time (an unknown prefix is compared against a dummy hash, so timing
does not tell an unknown prefix from a wrong secret). A good token returns
its service user, so every permission and selector applies to the request
exactly as to a person of the token's organisation.
"""

from __future__ import annotations

import hmac

from django.db.models import Q
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from victimcare.accounts.models import User

from . import messages
from .constants import LAST_USED_RESOLUTION, PREFIX_LENGTH, TOKEN_SCHEME
from .models import ApiToken
from .tokens import secret_hash

_DUMMY_HASH = secret_hash("vc_00000000_not-a-token")
_MAX_TOKEN_LENGTH = 200


def _prefix_of(secret: str) -> str:
    parts = secret.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_SCHEME or len(parts[1]) != PREFIX_LENGTH:
        return ""
    return parts[1]


def token_authenticate(*, secret: str) -> ApiToken:
    """The active token whose secret is `secret`, with its user and organisation loaded.

    Raises AuthenticationFailed (401) for an unknown, malformed, revoked or
    expired token, or one whose service user or organisation is inactive.
    Records `last_used_at`, at most once a minute per token."""
    prefix = _prefix_of(secret) if len(secret) <= _MAX_TOKEN_LENGTH else ""
    token = (
        ApiToken.objects.select_related("user", "user__organisation", "organisation")
        .filter(prefix=prefix)
        .first()
        if prefix
        else None
    )
    presented = secret_hash(secret)
    stored = token.token_hash if token is not None else _DUMMY_HASH
    if not hmac.compare_digest(presented, stored) or token is None:
        raise exceptions.AuthenticationFailed(messages.TOKEN_INVALID, code="authentication_failed")
    now = timezone.now()
    if token.revoked_at is not None:
        raise exceptions.AuthenticationFailed(messages.TOKEN_REVOKED, code="authentication_failed")
    if token.expires_at <= now:
        raise exceptions.AuthenticationFailed(messages.TOKEN_EXPIRED, code="authentication_failed")
    if not token.user.is_active or not token.organisation.active:
        raise exceptions.AuthenticationFailed(messages.TOKEN_INVALID, code="authentication_failed")
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        # Conditional, so concurrent requests write it once.
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_RESOLUTION)
        ).update(last_used_at=now)
        token.last_used_at = now
    return token


class ApiTokenAuthentication(BaseAuthentication):
    """DRF authentication: `request.user` is the token's service user, `request.auth` the ApiToken."""

    keyword = b"bearer"

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None  # not ours: IsAuthenticated answers 401 if nothing else matches
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(messages.TOKEN_MALFORMED_HEADER)
        try:
            secret = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(messages.TOKEN_INVALID) from None
        token = token_authenticate(secret=secret)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (not 403) with WWW-Authenticate when credentials are missing.
        return 'Bearer realm="victimcare"'
