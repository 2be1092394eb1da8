"""Find support (/support/) in a real browser: zero axe violations in English
and Arabic (right to left), with results, with nothing found and with an
ignored filter; and a victim filters the list with the keyboard only. Console
errors and CSP violations fail the test (`page`)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from victimcare.portal.i18n import portal_text

from .support import assert_accessible, screenshot

pytestmark = pytest.mark.browser

EXIT_BUTTON = ".govuk-exit-this-page__button"
SERVICES = "#services > li"


def _html(page: Page) -> tuple[str, str]:
    return (
        page.evaluate("document.documentElement.lang"),
        page.evaluate("document.documentElement.dir"),
    )


@pytest.mark.parametrize(("lang", "direction"), [("en", "ltr"), ("ar", "rtl")])
def test_find_support_is_accessible_in_english_and_arabic(page: Page, lang: str, direction: str):
    t = portal_text(lang)

    response = page.goto(f"/support/?lang={lang}")

    assert response is not None and response.status == 200
    assert _html(page) == (lang, direction)
    expect(page.locator("h1")).to_have_text(t.plain("support_title"))
    expect(page.locator(EXIT_BUTTON)).to_contain_text(t.plain("exit_this_page"))
    assert page.locator(SERVICES).count() > 20
    assert_accessible(page)
    screenshot(page, f"portal-support-{lang}")

    # Filtered, with one value the page does not know (ignored, with a message).
    page.goto(f"/support/?lang={lang}&borough=E09000030&crime=domestic_abuse&who=nonsense")
    expect(page.locator("#ignored-filters")).to_contain_text(t.plain("ignored_who"))
    expect(page.locator(SERVICES).first).to_have_id("service-demo-tower-hamlets-women")
    assert_accessible(page)


def test_a_victim_filters_with_the_keyboard_only(page: Page):
    t = portal_text("en")
    page.goto("/support/")

    def tab_to(selector: str, limit: int = 40) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate("s => document.activeElement.matches(s)", selector):
                return
        pytest.fail(f"Tab never reached {selector}")

    # A closed <select> takes the arrow keys without opening (Chromium).
    tab_to("select#borough")
    page.keyboard.type("Hackney")
    tab_to("select#crime")
    page.keyboard.type("Stalking")
    tab_to("select#who")
    tab_to("#support-filter button")
    page.keyboard.press("Enter")

    page.wait_for_url("**/support/?*")
    assert "borough=E09000012" in page.url
    assert "crime=stalking_harassment" in page.url
    expect(page.locator("#borough")).to_have_value("E09000012")
    expect(page.locator(SERVICES).first).to_have_id("service-demo-hackney-idva")
    expect(page.locator("#results-count")).to_be_visible()
    # The Supportline's number dials.
    expect(page.locator('a[href="tel:08081689111"]').first).to_be_visible()

    # Clear filters is a link, reached and followed from the keyboard.
    tab_to("a#clear-filters")
    expect(page.locator("#clear-filters")).to_have_text(t.plain("filter_clear"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/support/?lang=en")
    expect(page.locator("#borough")).to_have_value("")
    assert_accessible(page)


def test_three_unknown_filters_are_explained_accessibly_in_arabic(page: Page):
    t = portal_text("ar")
    # With the seeded directory every filter finds the Supportline (any crime,
    # anyone), so "nothing found" is tested without a browser
    # (tests/portal/test_support.py, with a one-service directory).
    page.goto("/support/?lang=ar&borough=x&crime=y&who=z")

    expect(page.locator("#ignored-filters p")).to_have_count(3)
    expect(page.locator("#ignored-filters")).to_contain_text(t.plain("ignored_crime"))
    assert _html(page) == ("ar", "rtl")
    assert_accessible(page)
