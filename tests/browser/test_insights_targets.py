"""Targets in a real browser: the demo's oversight analyst (MOPAC) opens the
targets, meets the error summary for an annual target that is not a number,
then sets a target by keyboard only and finds it in the list with the
success banner. Every page passes axe-core (zero WCAG 2.2 AA violations);
console errors and CSP violations fail the test. (Who may see and set targets
is tested in tests/insights/test_targets_pages.py.)"""

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
OVERSIGHT_ANALYST = next(
    s for s in _SIGN_INS if s.role == Role.ANALYST and s.organisation == "mopac"
)
# A year the demo does not seed, so the new target is the only one there.
YEAR = "2029"
YEAR_LABEL = "2029/30"


def _type(page: Page, selector: str, value: str) -> None:
    field = page.locator(selector)
    tab_to(page, field)
    page.keyboard.press("Control+A")
    page.keyboard.type(value)


def _choose(page: Page, selector: str, label: str) -> None:
    """Pick an option of a select by keyboard: focus it, then type the
    option's label (a select jumps to the option whose text starts so)."""
    select = page.locator(selector)
    tab_to(page, select)
    page.keyboard.type(label)
    expect(select.locator("option:checked")).to_have_text(label)


def test_the_oversight_analyst_sets_a_target_by_keyboard(page: Page):
    sign_in(page, OVERSIGHT_ANALYST.email)
    page.goto("/insights/targets/")
    expect(page.locator("h1")).to_contain_text("Targets for")
    assert_accessible(page)

    # Show a year without targets, then add one.
    _choose(page, "#id_year", YEAR_LABEL)
    tab_to(page, page.get_by_role("button", name="Show targets"))
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text(f"Targets for {YEAR_LABEL}")
    expect(page.locator("#no-targets")).to_be_visible()
    tab_to(page, page.get_by_role("button", name="Add a target"))
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Set a target")
    assert_accessible(page)

    # The measure: the radios are one tab stop; arrows move between them.
    tab_to(page, page.locator("input[name=measure]").first)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Victim Personal Statement offered")).to_be_checked()
    _choose(page, "#id_area", "Sutton")
    _choose(page, "#id_year", YEAR_LABEL)
    _type(page, "#id_annual", "eighty")
    tab_to(page, page.get_by_role("button", name="Save target"))
    page.keyboard.press("Enter")

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the annual target as a percentage, like 80 or 82.5")
    assert page.title().startswith("Error:")
    assert_accessible(page)

    # The choices are kept; correct the number and add two milestones.
    expect(page.get_by_label("Victim Personal Statement offered")).to_be_checked()
    _type(page, "#id_annual", "82.5")
    _type(page, "#id_q1", "78")
    _type(page, "#id_q4", "82.5")
    tab_to(page, page.get_by_role("button", name="Save target"))
    page.keyboard.press("Enter")

    expect(page.locator(".govuk-notification-banner")).to_contain_text("Target set")
    expect(page.locator("h1")).to_have_text(f"Targets for {YEAR_LABEL}")
    table = page.get_by_role("table", name="Victim Personal Statement offered")
    row = table.get_by_role("row", name="Sutton")
    expect(row).to_contain_text("82.5%")
    expect(row).to_contain_text("78%")
    expect(row).to_contain_text(OVERSIGHT_ANALYST.full_name)
    assert f"year={YEAR}" in page.url
    assert_accessible(page)
