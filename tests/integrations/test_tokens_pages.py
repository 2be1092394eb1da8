"""API tokens pages: Adam Admin (force administrator) creates a token for the
court's results feed, sees its secret once on a page nobody may cache, rotates
it (both work), cannot rotate a third time, and revokes the old one. Anyone
but an administrator of the force or the oversight body gets 404."""

from __future__ import annotations

import hashlib
import html
import re
from typing import Any

import pytest
from django.test import Client

from victimcare.accounts.constants import Role
from victimcare.accounts.models import User
from victimcare.api.models import ApiToken
from victimcare.api.services import TOKEN_LIMIT, token_create
from victimcare.core.constants import AuditAction
from victimcare.core.models import AuditEvent
from victimcare.integrations.forms_tokens import (
    DAYS_INVALID,
    NAME_REQUIRED,
    NAME_TOO_LONG,
    ORGANISATION_INVALID,
    SCOPES_REQUIRED,
)
from victimcare.integrations.views_tokens import TOKEN_REVOKED

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

LIST = "/integrations/tokens/"
NEW = "/integrations/tokens/new/"
SECRET = re.compile(r"vc_[0-9a-f]{8}_[A-Za-z0-9_-]{43}")
MISSING_CRIME = "/api/v1/crimes/9999999%2F26/timeline/"  # needs events:read


def signed_in(user: User) -> Client:
    """A client signed in as `user` (second factor waived as for demo accounts)."""
    User.objects.filter(pk=user.pk).update(otp_exempt=True)
    user.refresh_from_db()
    client = Client()
    client.force_login(user)
    return client


def text(response: Any) -> str:
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(body))


def _create_court_token(admin: Client, orgs, **changes: Any) -> Any:  # type: ignore[no-untyped-def]
    data = {
        "organisation": str(orgs["court"].pk),
        "name": "court results feed",
        "scopes": ["events:read", "events:write"],
        "days": "90",
        **changes,
    }
    return admin.post(NEW, data)


def _api_status(secret: str) -> int:
    return Client().get(MISSING_CRIME, HTTP_AUTHORIZATION=f"Bearer {secret}").status_code


@pytest.fixture
def oversight_admin(orgs) -> User:  # type: ignore[no-untyped-def]
    return UserFactory(
        organisation=orgs["oversight"], role=Role.ADMINISTRATOR, email="olive.admin@example.org"
    )


def test_an_administrator_creates_a_token_and_sees_its_secret_once(administrator, orgs) -> None:  # type: ignore[no-untyped-def]
    admin = signed_in(administrator)
    form = admin.get(NEW)
    assert form.status_code == 200
    assert "Read journey events (the timeline)" in text(form)  # scope descriptions

    response = _create_court_token(admin, orgs)

    assert response.status_code == 200  # the secret is in this POST's own response
    assert "no-store" in response["Cache-Control"]
    [secret] = set(SECRET.findall(response.content.decode()))
    token = ApiToken.objects.get()
    assert token.organisation == orgs["court"]
    assert token.scopes == ["events:read", "events:write"]
    assert (token.expires_at - token.created_at).days == 90
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert _api_status(secret) == 404  # it works: the crime simply does not exist
    # Never shown again: not on the list, nor on the token's page.
    assert secret not in admin.get(LIST).content.decode()
    detail = admin.get(f"{LIST}{token.pk}/").content.decode()
    assert secret not in detail
    assert f"<code>{token.prefix}</code>" in detail
    entry = AuditEvent.objects.get(object_type="api.apitoken", action=AuditAction.CREATE)
    assert entry.actor_id == administrator.pk
    assert secret not in str(entry.detail)


def test_the_list_shows_what_each_token_may_do_and_its_state(administrator, orgs) -> None:  # type: ignore[no-untyped-def]
    old, _ = token_create(organisation=orgs["wcu"], name="wcu case system", scopes=["crimes:read"])
    admin = signed_in(administrator)
    admin.post(f"{LIST}{old.pk}/rotate/", {"days": "365"})
    new = ApiToken.objects.get(rotated_from=old)
    admin.post(f"{LIST}{old.pk}/revoke/")

    page = text(admin.get(LIST))

    assert "East London WCU" in page
    assert old.prefix in page and new.prefix in page
    assert "crimes:read" in page
    assert "Revoked" in page and "Active" in page
    assert "Never" in page  # last used
    rows = re.findall(
        r"<tr class=\"govuk-table__row\">(.*?)</tr>", admin.get(LIST).content.decode(), re.S
    )
    [new_row] = [row for row in rows if f"Prefix <code>{new.prefix}" in row]
    assert f"<code>{old.prefix}</code>" in new_row  # rotated from


def test_bad_input_is_refused_with_an_error_summary_and_nothing_made(administrator, orgs) -> None:  # type: ignore[no-untyped-def]
    admin = signed_in(administrator)

    response = _create_court_token(admin, orgs, organisation="", name=" ", scopes=[], days="0")

    assert response.status_code == 400
    page = text(response)
    assert "There is a problem" in page
    for message in (ORGANISATION_INVALID, SCOPES_REQUIRED, DAYS_INVALID):
        assert message in page
    assert "<title>Error:" in response.content.decode()
    assert not ApiToken.objects.exists()

    unknown = _create_court_token(admin, orgs, scopes=["events:read", "events:delete"])
    assert unknown.status_code == 400
    assert SCOPES_REQUIRED in text(unknown)
    assert not ApiToken.objects.exists()


def test_a_blank_or_too_long_name_is_refused(administrator, orgs) -> None:  # type: ignore[no-untyped-def]
    admin = signed_in(administrator)

    blank = _create_court_token(admin, orgs, name="   ")
    long = _create_court_token(admin, orgs, name="x" * 101)

    assert blank.status_code == long.status_code == 400
    assert NAME_REQUIRED in text(blank)
    assert NAME_TOO_LONG in text(long)
    assert not ApiToken.objects.exists()


def test_rotation_keeps_both_working_and_a_third_is_refused(oversight_admin, orgs) -> None:  # type: ignore[no-untyped-def]
    admin = signed_in(oversight_admin)
    [old_secret] = set(SECRET.findall(_create_court_token(admin, orgs).content.decode()))
    old = ApiToken.objects.get()
    confirm = admin.get(f"{LIST}{old.pk}/rotate/")
    assert confirm.status_code == 200
    assert ApiToken.objects.count() == 1  # a GET changes nothing

    rotated = admin.post(f"{LIST}{old.pk}/rotate/", {"days": "30"})

    assert rotated.status_code == 200
    assert "no-store" in rotated["Cache-Control"]
    [new_secret] = set(SECRET.findall(rotated.content.decode()))
    new = ApiToken.objects.get(rotated_from=old)
    assert new.scopes == old.scopes and new.name == old.name
    assert _api_status(old_secret) == _api_status(new_secret) == 404

    third = admin.post(f"{LIST}{new.pk}/rotate/", {"days": "30"})

    assert third.status_code == 400
    assert TOKEN_LIMIT.format(code="court-1", name="court results feed") in text(third)
    assert ApiToken.objects.count() == 2
    bad_days = admin.post(f"{LIST}{new.pk}/rotate/", {"days": "9999"})
    assert bad_days.status_code == 400 and DAYS_INVALID in text(bad_days)


def test_revoking_stops_the_token_at_once(administrator, orgs) -> None:  # type: ignore[no-untyped-def]
    admin = signed_in(administrator)
    [secret] = set(SECRET.findall(_create_court_token(admin, orgs).content.decode()))
    token = ApiToken.objects.get()
    assert "stops working at once" in text(admin.get(f"{LIST}{token.pk}/revoke/"))
    assert ApiToken.objects.get().revoked_at is None

    response = admin.post(f"{LIST}{token.pk}/revoke/", follow=True)

    assert response.redirect_chain == [(f"{LIST}{token.pk}/", 302)]
    assert TOKEN_REVOKED in text(response)
    assert _api_status(secret) == 401
    token.refresh_from_db()
    assert token.revoked_at is not None and not token.user.is_active
    assert AuditEvent.objects.filter(
        object_type="api.apitoken", action=AuditAction.CHANGE, actor_id=administrator.pk
    ).exists()
    again = admin.post(f"{LIST}{token.pk}/revoke/")
    assert again.status_code == 400
    assert "already revoked" in text(again)


@pytest.mark.parametrize(
    "persona", ["officer", "supervisor", "witness_care_officer", "support_caseworker", "analyst"]
)
def test_anyone_but_a_token_administrator_gets_404(request, orgs, persona: str) -> None:  # type: ignore[no-untyped-def]
    token, _ = token_create(organisation=orgs["wcu"], name="wcu case system")
    person = signed_in(request.getfixturevalue(persona))

    for url in (
        LIST,
        NEW,
        f"{LIST}{token.pk}/",
        f"{LIST}{token.pk}/rotate/",
        f"{LIST}{token.pk}/revoke/",
    ):
        assert person.get(url).status_code == 404, url
    assert person.post(f"{LIST}{token.pk}/revoke/").status_code == 404
    assert person.post(f"{LIST}{token.pk}/rotate/", {"days": "30"}).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert ApiToken.objects.count() == 1


def test_a_missing_token_is_404_for_an_administrator(administrator) -> None:  # type: ignore[no-untyped-def]
    admin = signed_in(administrator)

    assert admin.get(f"{LIST}999999/").status_code == 404
    assert admin.post(f"{LIST}999999/revoke/").status_code == 404
    assert admin.get(LIST).status_code == 200
    assert "There are no API tokens yet" in text(admin.get(LIST))
