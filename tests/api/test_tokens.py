"""Tokens: created by an operator and printed once, stored only as a hash, refused
with a structured 401 when unknown, malformed, revoked or expired; scoped
(unknown scopes refused, defaults by kind), rotated without downtime (two
active at most), and rate limited per token across every web process."""

from __future__ import annotations

import datetime as dt
import hashlib
from io import StringIO

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from victimcare.accounts.constants import Role
from victimcare.api import messages
from victimcare.api.models import ApiToken
from victimcare.api.services import (
    DEFAULT_SCOPES_BY_KIND,
    SCOPES_EMPTY,
    TokenError,
    token_create,
    token_revoke,
    token_rotate,
)
from victimcare.core.models import AuditEvent, RateCounter

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


# --- Scopes at creation ------------------------------------------------------


def test_an_unknown_scope_is_refused_naming_it(orgs) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TokenError, match="'events:delete'") as refused:
        token_create(organisation=orgs["court"], name="x", scopes=["events:read", "events:delete"])
    assert refused.value.field == "scopes"
    with pytest.raises(CommandError, match="'crimes:admin'"):
        _create("--org", "court-1", "--name", "x", "--scopes", "crimes:read,crimes:admin")
    with pytest.raises(TokenError, match=SCOPES_EMPTY):
        token_create(organisation=orgs["court"], name="x", scopes=[])
    assert not ApiToken.objects.exists()


def test_scopes_given_are_kept_in_a_fixed_order(orgs) -> None:  # type: ignore[no-untyped-def]
    text, _ = _create("--org", "court-1", "--name", "feed", "--scopes", "events:write, events:read")

    assert ApiToken.objects.get().scopes == ["events:read", "events:write"]
    assert "scopes events:read,events:write" in text


@pytest.mark.parametrize(
    ("org", "scopes"),
    [
        ("court", {"crimes:read", "events:read", "events:write", "duties:read"}),
        ("charity", {"needs:read", "referrals:read", "referrals:write", "directory:read"}),
        ("oversight", {"feedback:read"}),
        ("team", {"crimes:read", "crimes:write", "events:write", "duties:write"}),
    ],
)
def test_without_scopes_a_token_gets_its_kinds_defaults(orgs, org: str, scopes: set[str]) -> None:  # type: ignore[no-untyped-def]
    token, _ = token_create(organisation=orgs[org], name="system")

    assert scopes <= set(token.scopes)
    assert set(token.scopes) == set(DEFAULT_SCOPES_BY_KIND[orgs[org].kind])
    # Webhooks and bulk uploads are asked for, never given by default.
    assert not {"webhooks:manage", "bulk:write"} & set(token.scopes)


ORGANISATIONS = (
    "force",
    "bcu",
    "team",
    "desk",
    "wcu",
    "cps",
    "court",
    "probation",
    "charity",
    "oversight",
)


@pytest.mark.parametrize("org", ORGANISATIONS)
def test_a_default_directory_scope_is_one_the_directory_lets_in(orgs, org: str) -> None:  # type: ignore[no-untyped-def]
    # A default scope the endpoint's own rule then refuses would only ever give 403.
    token = Token(*token_create(organisation=orgs[org], name="system"))

    response = token.client().get("/api/v1/support-services/")

    if "directory:read" in token.token.scopes:
        assert response.status_code == 200, (org, response.json())
    else:
        assert response.status_code == 403
    assert ("directory:read" in token.token.scopes) == (org == "charity")


def test_the_court_defaults_are_exactly_what_a_court_feed_does(orgs) -> None:  # type: ignore[no-untyped-def]
    token, _ = token_create(organisation=orgs["court"], name="court results feed")

    assert token.scopes == ["crimes:read", "events:read", "events:write", "duties:read"]


# --- Rotation ------------------------------------------------------------------


def test_rotation_keeps_both_tokens_working_and_a_third_is_refused(wcu_token: Token) -> None:
    old = wcu_token.token
    text = StringIO()
    call_command("token", "rotate", "--prefix", old.prefix, "--days", "30", stdout=text)
    new_secret = text.getvalue().strip().splitlines()[-1]
    new = ApiToken.objects.get(rotated_from=old)

    assert (new.organisation, new.name, new.scopes) == (old.organisation, old.name, old.scopes)
    assert new.user.role == old.user.role and new.user != old.user
    assert new.expires_at - new.created_at == dt.timedelta(days=30)
    assert f"replaces {old.prefix}" in text.getvalue()
    # Rotation without downtime: both secrets work.
    assert wcu_token.client().get(MISSING_CRIME).status_code == 404
    assert Token(new, new_secret).client().get(MISSING_CRIME).status_code == 404

    with pytest.raises(CommandError, match="already has 2 active tokens"):
        call_command("token", "rotate", "--prefix", new.prefix, stdout=StringIO())
    with pytest.raises(TokenError, match="already has 2 active tokens"):
        token_create(organisation=old.organisation, name=old.name)
    assert ApiToken.objects.filter(name=old.name).count() == 2

    # Once the old one is revoked, the new one can be rotated in turn.
    token_revoke(prefix=old.prefix)
    assert wcu_token.client().get(MISSING_CRIME).status_code == 401
    newest, _ = token_rotate(prefix=new.prefix)
    assert newest.rotated_from == new
    listing = StringIO()
    call_command("token", "list", stdout=listing)
    [row] = [line for line in listing.getvalue().splitlines() if line.startswith(newest.prefix)]
    assert row.split()[-1] == new.prefix  # the "rotated from" column


def test_an_expired_token_does_not_count_and_a_revoked_one_cannot_be_rotated(
    wcu_token: Token,
) -> None:
    old = wcu_token.token
    token_rotate(prefix=old.prefix)
    ApiToken.objects.filter(pk=old.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    third, _ = token_create(organisation=old.organisation, name=old.name)

    assert third.status() == "active"
    token_revoke(prefix=third.prefix)
    with pytest.raises(TokenError, match="revoked"):
        token_rotate(prefix=third.prefix)
    with pytest.raises(CommandError, match="No token"):
        call_command("token", "rotate", "--prefix", "nosuchpf", stdout=StringIO())


# --- Rate limits -----------------------------------------------------------------


def _rate(rate: str):  # type: ignore[no-untyped-def]
    return override_settings(
        REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api_token": rate}}
    )


def test_the_rate_limit_is_per_token_shared_by_every_client_with_retry_after(
    wcu_token: Token, police_token: Token
) -> None:
    # 10 seconds into a minute: the window ends in 50 seconds.
    moment = (timezone.now() + dt.timedelta(days=1)).replace(second=10, microsecond=0)
    with _rate("3/min"), time_machine.travel(moment, tick=False):
        first, second = wcu_token.client(), wcu_token.client()
        assert first.get(MISSING_CRIME).status_code == 404
        assert first.get(MISSING_CRIME).status_code == 404
        # Another web process has an empty cache of its own: the count must
        # not live there.
        cache.clear()
        assert second.get(MISSING_CRIME).status_code == 404

        refused = second.get(MISSING_CRIME)

        assert refused.status_code == 429
        assert refused["Retry-After"] == "50"
        assert _errors(refused)[0]["code"] == "throttled"
        assert first.get(MISSING_CRIME).status_code == 429
        # Another token has its own count.
        assert police_token.client().get(MISSING_CRIME).status_code == 404
    # The counters are stored by hash only: no token id or prefix in clear.
    keys = list(RateCounter.objects.values_list("key", flat=True))
    assert len(keys) == 2
    assert not any(wcu_token.token.prefix in key or key.startswith("api:") for key in keys)


def test_a_new_window_lets_the_token_in_again(wcu_token: Token) -> None:
    moment = (timezone.now() + dt.timedelta(days=1)).replace(second=59, microsecond=0)
    with _rate("1/min"):
        with time_machine.travel(moment, tick=False):
            assert wcu_token.client().get(MISSING_CRIME).status_code == 404
            refused = wcu_token.client().get(MISSING_CRIME)
            assert refused.status_code == 429
            assert refused["Retry-After"] == "1"
        with time_machine.travel(moment + dt.timedelta(seconds=1), tick=False):
            assert wcu_token.client().get(MISSING_CRIME).status_code == 404
