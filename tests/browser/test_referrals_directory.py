"""The directory of support services in a real browser: the demo administrator
opens the list, filters it to one borough, opens a service and updates its
capacity by keyboard only, meets the error summary for a negative number on
the way, and sees the new figures in the list. Both pages pass axe-core (zero
WCAG 2.2 AA violations); console errors and CSP violations fail the test."""

from __future__ import annotations

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
    s for s in demo_catalogue(name=settings.REFERENCE_DATA).sign_ins if s.role == Role.ADMINISTRATOR
)
# A service with places to spare; the shortfall boroughs' services are left alone
# (other browser tests read the capacity view of the same database).
SERVICE = "Harbour Light IDVA: Central West"


def test_an_administrator_updates_a_services_capacity_by_keyboard(page: Page):
    sign_in(page, ADMIN.email)
    page.goto("/referrals/services/")
    expect(page.locator("h1")).to_have_text("Support services")
    expect(page.locator("#services")).to_contain_text("Thameside Victim Support")
    assert_accessible(page)

    # Filter to one borough, by keyboard.
    borough = page.get_by_label("Borough")
    tab_to(page, borough)
    borough.select_option(label="Westminster")
    tab_to(page, page.get_by_role("button", name="Show services"))
    page.keyboard.press("Enter")
    expect(page.locator("#service-count")).to_contain_text("covering Westminster")
    rows = page.locator("#services tbody tr")
    expect(rows.filter(has_text=SERVICE)).to_have_count(1)
    expect(rows.filter(has_text="Harbour Light IDVA: Hackney")).to_have_count(0)
    assert_accessible(page)

    tab_to(page, page.get_by_role("link", name=f"Update {SERVICE}"))
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text(SERVICE)
    assert_accessible(page)

    # A negative number: the error summary, and nothing saved.
    advocates = page.get_by_label("Advocates in post")
    tab_to(page, advocates)
    page.keyboard.press("Control+A")
    page.keyboard.type("-2")
    page.keyboard.press("Enter")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("The number of advocates in post must be 0 or more")
    assert page.title().startswith("Error: ")
    assert_accessible(page)

    tab_to(page, page.get_by_label("Advocates in post"))
    page.keyboard.press("Control+A")
    page.keyboard.type("14")
    tab_to(page, page.get_by_label("Waiting time in days"))
    page.keyboard.press("Control+A")
    page.keyboard.type("2")
    tab_to(page, page.get_by_role("button", name="Save changes"))
    page.keyboard.press("Enter")

    expect(page.locator("h1")).to_have_text("Support services")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"{SERVICE} updated")
    row = page.locator("#services tbody tr").filter(has_text=SERVICE)
    expect(row).to_contain_text("14 advocates ×")
    expect(row).to_contain_text("wait 2 days")
    assert_accessible(page)
