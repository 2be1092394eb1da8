"""The insights dashboards in a real browser, signed in as the demo's analyst
(MOPAC): the headline, satisfaction by ethnicity, "furthest below target" and
Code compliance each pass axe-core (zero WCAG 2.2 AA violations); charts are
images named by a caption that points at the table holding the same figures;
the analyst changes a filter by keyboard only (the choice lands in the URL)
and meets the error summary for a period that ends before it starts. Console
errors and CSP violations fail the test. A support caseworker gets 404."""

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


def test_an_analyst_reads_each_dashboard(page: Page):
    sign_in(page, ANALYST.email)
    page.get_by_role("link", name="Insights", exact=True).first.click()
    expect(page.locator("h1")).to_have_text("Insights: victim satisfaction")
    expect(page.locator("#headline-share")).to_be_visible()
    chart = page.get_by_role("img", name="Chart of satisfaction by month")
    expect(chart).to_be_visible()
    expect(page.locator("#chart-months-caption")).to_contain_text(
        "The table “Satisfaction by month” below holds the same figures"
    )
    expect(page.get_by_role("table", name="Satisfaction by borough")).to_contain_text("Hackney")
    assert_accessible(page)

    page.get_by_role("link", name="Satisfaction by ethnicity").click()
    expect(page.locator("h1")).to_have_text("Satisfaction by ethnicity")
    expect(page.locator("body")).to_contain_text("BAME and White victims")
    expect(page.get_by_role("table").first).to_contain_text("White")
    assert_accessible(page)

    page.get_by_role("link", name="Furthest below target").first.click()
    expect(page.locator("h1")).to_have_text("Which boroughs and groups are furthest below target?")
    expect(
        page.get_by_role(
            "table", name="Boroughs against their satisfaction target, furthest below first"
        )
    ).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Victims' Code compliance and Victim Personal Statements").click()
    expect(page.locator("h1")).to_have_text("Victims' Code compliance")
    expect(page.get_by_role("table").first).to_contain_text("Right")
    assert_accessible(page)


def test_an_analyst_changes_a_filter_by_keyboard(page: Page):
    sign_in(page, ANALYST.email)
    page.goto("/insights/below-target/")
    expect(page.locator("h1")).to_be_visible()

    # A period that ends before it starts: the error summary, no figures.
    start = page.get_by_label("From", exact=True)
    tab_to(page, start)
    start.select_option(index=1)  # last month
    end = page.get_by_label("To (included)")
    tab_to(page, end)
    end.select_option(index=5)  # five months ago
    tab_to(page, page.get_by_role("button", name="Show the figures"))
    page.keyboard.press("Enter")
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "The first month must be the same as or before the last month"
    )
    expect(page.locator("table")).to_have_count(0)
    assert_accessible(page)

    # The last 12 complete months, in Hackney.
    start = page.get_by_label("From", exact=True)
    tab_to(page, start)
    start.select_option(index=12)
    end = page.get_by_label("To (included)")
    tab_to(page, end)
    end.select_option(index=1)
    area = page.get_by_label("Area")
    tab_to(page, area)
    area.select_option(label="Hackney")
    tab_to(page, page.get_by_role("button", name="Show the figures"))
    page.keyboard.press("Enter")
    expect(page.locator("h2").first).to_contain_text("Hackney")
    assert "area=borough%3AE09000012" in page.url
    expect(page.locator("#table-below-boroughs")).to_contain_text("Hackney")
    expect(page.locator("#table-below-boroughs")).not_to_contain_text("Enfield")
    assert_accessible(page)


def test_a_support_caseworker_cannot_see_the_dashboards(page: Page):
    sign_in(page, CASEWORKER.email)
    for path in ("/insights/", "/insights/below-target/", "/insights/csv/?table=months"):
        response = page.goto(path)
        assert response is not None and response.status == 404
