"""API tokens in a real browser: the demo's force administrator creates a
token for a Witness Care Unit's system by keyboard only, sees its secret once,
rotates it (both secrets work) and revokes the old one (it stops at once).
Every page passes axe-core (zero WCAG 2.2 AA violations). (Who may manage
tokens, bad input and the rotation limit are tested in
tests/integrations/test_tokens_pages.py.)"""

from __future__ import annotations

import re
import time

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from victimcare.accounts.constants import Role
from victimcare.demo.catalogue import demo_catalogue

from .support import assert_accessible
from .test_cases import sign_in
from .test_desk_pages import tab_to

pytestmark = pytest.mark.browser

ADMIN = next(
    s
    for s in demo_catalogue(name=settings.REFERENCE_DATA).sign_ins
    if s.email == "admin@example.org" and s.role == Role.ADMINISTRATOR
)
SECRET = re.compile(r"^vc_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$")
# Needs events:read; the crime does not exist, so a working token gets 404.
TIMELINE = "/api/v1/crimes/9999999%2F26/timeline/"


def _press(page: Page, locator) -> None:  # type: ignore[no-untyped-def]
    tab_to(page, locator)
    page.keyboard.press("Enter")


def _api_status(page: Page, secret: str) -> int:
    return page.request.get(TIMELINE, headers={"Authorization": f"Bearer {secret}"}).status


def test_the_administrator_creates_rotates_and_revokes_a_token_by_keyboard(page: Page):
    # Unique per run: an organisation may hold only 2 active tokens of a name.
    name = f"wcu case system {int(time.time())}"
    sign_in(page, ADMIN.email)
    page.goto("/integrations/tokens/")
    expect(page.locator("h1")).to_have_text("API tokens")
    assert_accessible(page)

    _press(page, page.get_by_role("button", name="Create a token"))
    expect(page.locator("h1")).to_have_text("Create an API token")
    assert_accessible(page)
    select = page.locator("#id_organisation")
    tab_to(page, select)
    page.keyboard.type("East London Witness")
    expect(select.locator("option:checked")).to_have_text("East London Witness Care Unit")
    tab_to(page, page.locator("#id_name"))
    page.keyboard.type(name)
    for scope in ("crimes:read", "events:read", "events:write"):
        tab_to(page, page.get_by_label(scope, exact=True))
        page.keyboard.press("Space")
        expect(page.get_by_label(scope, exact=True)).to_be_checked()
    tab_to(page, page.locator("#id_days"))
    page.keyboard.press("Control+A")
    page.keyboard.type("30")
    _press(page, page.get_by_role("button", name="Create token"))

    expect(page.locator("h1")).to_have_text("API token created")
    assert_accessible(page)
    first = page.locator("#token-secret").inner_text().strip()
    assert SECRET.match(first)
    prefix = first.split("_")[1]
    assert first not in page.url
    assert _api_status(page, first) == 404

    _press(page, page.get_by_role("link", name=f"Go to token {prefix}"))
    expect(page.locator("h1")).to_have_text(name)
    assert first not in page.content()  # shown once only
    expect(page.locator("#token-details")).to_contain_text("events:write")
    assert_accessible(page)
    detail_url = page.url

    _press(page, page.get_by_role("button", name="Rotate token"))
    expect(page.locator("h1")).to_have_text("Rotate this API token")
    assert_accessible(page)
    _press(page, page.get_by_role("button", name="Rotate token"))
    expect(page.locator("h1")).to_have_text("New API token created")
    assert_accessible(page)
    second = page.locator("#token-secret").inner_text().strip()
    assert SECRET.match(second) and second != first
    expect(page.locator("main")).to_contain_text(f"The old token {prefix} keeps working")
    assert _api_status(page, first) == _api_status(page, second) == 404

    page.goto(detail_url)
    _press(page, page.get_by_role("button", name="Revoke token"))
    expect(page.locator("h1")).to_have_text("Revoke this API token")
    assert_accessible(page)
    _press(page, page.get_by_role("button", name="Revoke token"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Token revoked")
    expect(page.locator("#token-details")).to_contain_text("Revoked")
    assert_accessible(page)
    assert _api_status(page, first) == 401
    assert _api_status(page, second) == 404

    page.goto("/integrations/tokens/")
    row = page.locator("#tokens tr", has_text=second.split("_")[1])
    expect(row).to_contain_text("Active")
    expect(row).to_contain_text(prefix)  # rotated from
    assert_accessible(page)
