"""Webhooks in a real browser: the demo's force administrator adds a webhook
for the probation service's case system by keyboard (a plain-http address is
refused with the error summary), sees the signing secret once, and opens the
webhook's page with its (empty) delivery log. Every page passes axe-core."""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from victimcare.accounts.constants import Role
from victimcare.demo.catalogue import demo_catalogue

from .support import assert_accessible
from .test_cases import sign_in
from .test_desk_pages import tab_to
from .test_insights_targets import _choose, _type

pytestmark = pytest.mark.browser

ADMINISTRATOR = next(
    s
    for s in demo_catalogue(name=settings.REFERENCE_DATA).sign_ins
    if s.role == Role.ADMINISTRATOR and s.organisation == "met"
)


def test_an_administrator_adds_a_webhook_by_keyboard_and_sees_the_secret_once(page: Page):
    name = f"Probation case system {uuid.uuid4().hex[:6]}"
    sign_in(page, ADMINISTRATOR.email)
    page.get_by_role("link", name="Webhooks", exact=True).first.click()
    expect(page.locator("h1")).to_have_text("Webhooks")
    assert_accessible(page)

    tab_to(page, page.get_by_role("button", name="Add a webhook"))
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Add a webhook")
    assert_accessible(page)

    _choose(page, "#id_organisation", "London Probation Service")
    _type(page, "#id_name", name)
    _type(page, "#id_url", "http://probation.example/hooks")
    box = page.get_by_label("Sentence qualifies for the Victim Contact Scheme")
    tab_to(page, box)
    page.keyboard.press("Space")
    expect(box).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Add webhook"))
    page.keyboard.press("Enter")

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("https")
    assert page.title().startswith("Error:")
    assert_accessible(page)

    _type(page, "#id_url", "https://probation.example/hooks")
    tab_to(page, page.get_by_role("button", name="Add webhook"))
    page.keyboard.press("Enter")

    expect(page.locator("h1")).to_have_text("Webhook added")
    secret = page.locator("#webhook-secret").inner_text()
    assert len(secret) >= 32
    assert secret not in page.url
    assert_accessible(page)

    page.get_by_role("link", name="Go to the webhook and its delivery log").click()
    expect(page.locator("h1")).to_have_text(name)
    expect(page.get_by_role("heading", name="Delivery log")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text(secret)
    assert_accessible(page)
