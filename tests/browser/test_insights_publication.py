"""The quarterly publication in a real browser: the demo analyst (MOPAC) opens
the publications page, chooses the most recent ended quarter by keyboard,
publishes it, finds the success banner and the download link, and reads the
generated report (its inline style sheet allowed by hash, no CSP violation).
The page and the report pass axe-core (zero WCAG 2.2 AA violations). A
support caseworker gets 404."""

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
PATH = "/insights/publications/"
# Publishing renders the PDF report inside the request: about 2.6 s on an idle
# machine (0.6 s of it importing WeasyPrint), over 5 s (Playwright's default
# wait) when CI's other phases share the two cores.
PUBLISH_TIMEOUT_MS = 30_000


def test_an_analyst_publishes_a_quarter_and_reads_the_report(page: Page):
    sign_in(page, ANALYST.email)
    page.goto(PATH)
    expect(page.locator("h1")).to_have_text("Quarterly publication")
    assert_accessible(page)

    quarter = page.get_by_label("Quarter")
    tab_to(page, quarter)
    label = quarter.locator("option").first.text_content() or ""
    chosen = label.split(" ")[0]
    quarter.select_option(index=0)
    tab_to(page, page.get_by_role("button", name="Publish"))
    page.keyboard.press("Enter")

    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        f"{chosen} has been published.", timeout=PUBLISH_TIMEOUT_MS
    )
    runs = page.get_by_role("table", name="Publications, most recent first")
    expect(runs.locator("tbody tr").first).to_contain_text(chosen)
    download = runs.locator("a", has_text="Download the files").first
    expect(download).to_have_attribute("href", PATH + download.get_attribute("href").split(PATH)[1])
    assert_accessible(page)

    runs.locator("a", has_text="View the report").first.click()
    expect(page.locator("h1")).to_contain_text(chosen)
    expect(page.get_by_role("table", name="Satisfaction by borough")).to_contain_text("All")
    expect(page.locator(".placeholder").first).to_have_text(
        "[Commentary to be written by the analyst]"
    )
    # The style sheet applied (allowed by its hash): placeholders are italic.
    style = page.locator(".placeholder").first.evaluate("el => getComputedStyle(el).fontStyle")
    assert style == "italic"
    assert_accessible(page)


def test_a_support_caseworker_gets_not_found(page: Page):
    sign_in(page, CASEWORKER.email)
    response = page.goto(PATH)
    assert response is not None and response.status == 404
