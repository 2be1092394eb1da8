"""Tokens: created by an operator and printed once, stored only as a hash, refused
with a structured 401 when unknown, malformed, revoked or expired."""

from __future__ import annotations

import datetime as dt
import hashlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from victimcare.accounts.constants import Role
from victimcare.api import messages
from victimcare.api.models import ApiToken
from victimcare.api.services import TokenError, token_create
from victimcare.core.models import AuditEvent

from .conftest import Token

MISSING_CRIME = "/api/v1/crimes/9999999%2F26/"


def _create(*args: str) -> tuple[str, str]:
    out = StringIO()
    call_command("token", "create", *args, stdout=out)
    text = out.getvalue()
    return text, text.strip().splitlines()[-1]


def _errors(response) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    body = response.json()
    assert body["type"] == "client_error"
    return body["errors"]


def test_token_create_prints_the_secret_once_and_stores_only_its_hash(orgs) -> None:  # type: ignore[no-untyped-def]
    text, secret = _create("--org", "wcu-east", "--name", "wcu case system")

    token = ApiToken.objects.get()
    assert secret.startswith(f"vc_{token.prefix}_")
    assert len(token.prefix) == 8
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    stored = " ".join(str(v) for v in ApiToken.objects.values().get().values())
    assert secret not in stored
    assert text.count(secret) == 1
    assert token.expires_at - token.created_at == dt.timedelta(days=365)

    listing = StringIO()
    call_command("token", "list", stdout=listing)
    assert token.prefix in listing.getvalue()
    assert secret not in listing.getvalue()
    assert "active" in listing.getvalue()
    # The creation is in the audit log, with ids only.
    assert AuditEvent.objects.filter(object_type="api.apitoken", object_id=str(token.pk)).exists()


def test_the_service_user_is_a_member_of_the_organisation_who_cannot_sign_in(orgs) -> None:  # type: ignore[no-untyped-def]
    _create("--org", "wcu-east", "--name", "first")
    _create("--org", "wcu-east", "--name", "second", "--days", "30")

    first, second = ApiToken.objects.order_by("created_at", "pk")
    assert first.user.email == "api-wcu-east-1@system.invalid"
    assert second.user.email == "api-wcu-east-2@system.invalid"
    assert first.user.organisation == orgs["wcu"]
    assert first.user.role == Role.PARTNER_CASEWORKER
    assert not first.user.has_usable_password()
    assert not first.user.otp_exempt
    assert second.expires_at - second.created_at == dt.timedelta(days=30)


@pytest.mark.parametrize(
    ("org", "role"),
    [
        ("team", Role.OFFICER),
        ("bcu", Role.OFFICER),
        ("wcu", Role.PARTNER_CASEWORKER),
        ("cps", Role.PARTNER_CASEWORKER),
        ("court", Role.PARTNER_CASEWORKER),
        ("probation", Role.PARTNER_CASEWORKER),
        ("charity", Role.SUPPORT_CASEWORKER),
    ],
)
def test_the_role_follows_the_kind_of_organisation(orgs, org: str, role: str) -> None:  # type: ignore[no-untyped-def]
    token, _ = token_create(organisation=orgs[org], name="system")
    assert token.user.role == role


def test_a_role_override_must_suit_the_organisation(orgs) -> None:  # type: ignore[no-untyped-def]
    token, _ = token_create(organisation=orgs["wcu"], name="system", role=Role.SUPERVISOR)
    assert token.user.role == Role.SUPERVISOR

    with pytest.raises(CommandError, match="cannot hold the role 'officer'"):
        _create("--org", "wcu-east", "--name", "x", "--role", Role.OFFICER)
    with pytest.raises(TokenError):
        token_create(organisation=orgs["force"], name="x", role=Role.ADMINISTRATOR)
    with pytest.raises(CommandError, match="No organisation"):
        _create("--org", "no-such-org", "--name", "x")
    with pytest.raises(CommandError, match="--days"):
        _create("--org", "wcu-east", "--name", "x", "--days", "0")
    assert ApiToken.objects.count() == 1


def test_a_valid_token_acts_as_its_service_user(wcu_token: Token) -> None:
    response = wcu_token.client().get(MISSING_CRIME)

    # Authenticated: the crime simply does not exist.
    assert response.status_code == 404
    wcu_token.token.refresh_from_db()
    assert wcu_token.token.last_used_at is not None


def test_last_used_is_written_at_most_once_a_minute(wcu_token: Token) -> None:
    recent = timezone.now() - dt.timedelta(seconds=30)
    ApiToken.objects.filter(pk=wcu_token.token.pk).update(last_used_at=recent)
    wcu_token.client().get(MISSING_CRIME)
    wcu_token.token.refresh_from_db()
    assert wcu_token.token.last_used_at == recent

    stale = timezone.now() - dt.timedelta(minutes=2)
    ApiToken.objects.filter(pk=wcu_token.token.pk).update(last_used_at=stale)
    wcu_token.client().get(MISSING_CRIME)
    wcu_token.token.refresh_from_db()
    assert wcu_token.token.last_used_at > stale


def test_a_revoked_token_is_refused(wcu_token: Token) -> None:
    out = StringIO()
    call_command("token", "revoke", "--prefix", wcu_token.token.prefix, stdout=out)
    assert "revoked" in out.getvalue()

    response = wcu_token.client().get(MISSING_CRIME)

    assert response.status_code == 401
    assert _errors(response) == [
        {"code": "authentication_failed", "detail": messages.TOKEN_REVOKED, "attr": None}
    ]
    wcu_token.user.refresh_from_db()
    assert not wcu_token.user.is_active
    with pytest.raises(CommandError, match="already revoked"):
        call_command("token", "revoke", "--prefix", wcu_token.token.prefix, stdout=out)


def test_an_expired_token_is_refused(wcu_token: Token) -> None:
    ApiToken.objects.filter(pk=wcu_token.token.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )

    response = wcu_token.client().get(MISSING_CRIME)

    assert response.status_code == 401
    assert _errors(response)[0]["detail"] == messages.TOKEN_EXPIRED


@pytest.mark.parametrize(
    "header",
    [
        "Bearer garbage",
        "Bearer vc_00000000_unknown-secret-of-the-right-shape-aaaaaaaaaaaaaaaa",
        "Bearer vc_",
        "Bearer " + "x" * 5000,
    ],
)
def test_unknown_tokens_are_refused(wcu_token: Token, client, header: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get(MISSING_CRIME, HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert _errors(response) == [
        {"code": "authentication_failed", "detail": messages.TOKEN_INVALID, "attr": None}
    ]


def test_the_right_prefix_with_a_wrong_secret_is_refused(wcu_token: Token, client) -> None:  # type: ignore[no-untyped-def]
    forged = wcu_token.secret[:-4] + ("aaaa" if not wcu_token.secret.endswith("aaaa") else "bbbb")

    response = client.get(MISSING_CRIME, HTTP_AUTHORIZATION=f"Bearer {forged}")

    assert response.status_code == 401
    assert _errors(response)[0]["detail"] == messages.TOKEN_INVALID


def test_no_token_is_a_401_that_says_how_to_authenticate(db, client) -> None:  # type: ignore[no-untyped-def]
    response = client.get(MISSING_CRIME)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert _errors(response)[0]["code"] == "not_authenticated"
