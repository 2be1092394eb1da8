"""Referral measures and advocate capacity in a real browser: the demo analyst
(MOPAC) opens both pages from the navigation, changes the period and the
borough by keyboard only, meets the error summary for a period that ends
before it starts, and finds the capacity chart with its data table beside it
and the CSV link. Both pages pass axe-core (zero WCAG 2.2 AA violations);
console errors and CSP violations fail the test. A support caseworker gets
404 for both."""

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

_SIGN_INS = demo_catalogue(name=settings.REFERENCE_DATA).sign_ins
ANALYST = next(s for s in _SIGN_INS if s.role == Role.ANALYST)
CASEWORKER = next(s for s in _SIGN_INS if s.role == Role.SUPPORT_CASEWORKER)


def _type(page: Page, selector: str, value: str) -> None:
    field = page.locator(selector)
    tab_to(page, field)
    page.keyboard.press("Control+A")
    page.keyboard.type(value)


def test_an_analyst_reads_the_measures_and_capacity_by_keyboard(page: Page):
    sign_in(page, ANALYST.email)
    page.get_by_role("link", name="Referral measures").click()
    expect(page.locator("h1")).to_have_text("Referral measures")
    expect(page.locator("table").first).to_contain_text("Referrals sent within 2 working days")
    assert_accessible(page)

    # A period ending before it starts: the error summary, no figures.
    _type(page, "#start-day", "1")
    _type(page, "#start-month", "3")
    _type(page, "#start-year", "2026")
    _type(page, "#end-day", "1")
    _type(page, "#end-month", "2")
    _type(page, "#end-year", "2026")
    tab_to(page, page.get_by_role("button", name="Show the measures"))
    page.keyboard.press("Enter")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("The last day of the period must be the same as or after")
    expect(page.locator("table")).to_have_count(0)
    assert_accessible(page)

    _type(page, "#end-month", "8")
    borough = page.get_by_label("Borough")
    tab_to(page, borough)
    borough.select_option(label="Hackney")
    tab_to(page, page.get_by_role("button", name="Show the measures"))
    page.keyboard.press("Enter")
    expect(page.locator("h2").first).to_contain_text("1 March 2026 to 1 August 2026")
    assert "borough=E09000012" in page.url
    assert_accessible(page)

    page.get_by_role("link", name="Advocate capacity", exact=True).first.click()
    expect(page.locator("h1")).to_have_text("Advocate capacity against demand")
    # The chart is decorative for assistive technology; its table is beside it.
    chart = page.locator("figure svg").first
    expect(chart).to_have_attribute("aria-hidden", "true")
    expect(page.locator("figcaption").first).to_contain_text(
        'table "IDVA demand and capacity by borough"'
    )
    expect(page.get_by_role("table", name="IDVA demand and capacity by borough")).to_contain_text(
        "Hackney"
    )
    expect(page.get_by_role("link", name="Download the monthly table (CSV)")).to_be_visible()
    assert_accessible(page)

    borough = page.get_by_label("Borough")
    tab_to(page, borough)
    borough.select_option(label="Newham")
    tab_to(page, page.get_by_role("button", name="Show capacity and demand"))
    page.keyboard.press("Enter")
    table = page.get_by_role("table", name="IDVA demand and capacity by borough")
    expect(table).to_contain_text("Newham")
    expect(table).not_to_contain_text("Hackney")
    csv_link = page.get_by_role("link", name="Download the monthly table (CSV)")
    expect(csv_link).to_have_attribute("href", "/referrals/capacity.csv?" + page.url.split("?")[1])
    assert_accessible(page)


def test_a_support_caseworker_gets_not_found(page: Page):
    sign_in(page, CASEWORKER.email)
    for path in ("/referrals/measures/", "/referrals/capacity/"):
        response = page.goto(path)
        assert response is not None and response.status == 404
