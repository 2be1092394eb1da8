"""A victim's view: every public page is accessible and can be left in a hurry."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from victimcare.frontend import views

from .support import EXIT_URL, assert_accessible, screenshot

pytestmark = pytest.mark.browser

PUBLIC_PAGES = {
    "/": views.START_TITLE,
    "/privacy/": views.PRIVACY_TITLE,
    "/cookies/": views.COOKIES_TITLE,
    "/accessibility/": views.accessibility_title(),
}
EXIT_BUTTON = ".govuk-exit-this-page__button"


@pytest.mark.parametrize(("path", "heading"), PUBLIC_PAGES.items())
def test_each_public_page_is_accessible_and_offers_exit_this_page(page: Page, path, heading):
    response = page.goto(path)

    assert response is not None and response.status == 200
    expect(page.locator("h1")).to_have_text(heading)
    expect(page.locator(EXIT_BUTTON)).to_be_visible()
    expect(page.locator(EXIT_BUTTON)).to_contain_text("Exit this page")
    # GOV.UK Frontend's JavaScript ran (module script, CSP nonce on the inline one).
    expect(page.locator("body")).to_have_class(
        "govuk-template__body js-enabled govuk-frontend-supported"
    )
    assert_accessible(page)


def test_an_unknown_address_shows_the_accessible_page_not_found(page: Page):
    response = page.goto("/no-such-page/")

    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text(views.NOT_FOUND_TITLE)
    expect(page.locator(EXIT_BUTTON)).to_be_visible()
    assert_accessible(page)


def test_the_start_page_looks_like_a_govuk_service_with_the_force_name_and_no_crown(page: Page):
    from django.conf import settings

    page.goto("/")

    expect(page.locator(".govuk-generic-header")).to_contain_text(settings.FORCE_NAME)
    expect(page.locator(".govuk-service-navigation__service-name")).to_have_text(
        settings.SERVICE_NAME
    )
    assert page.locator(".govuk-header__logotype, .govuk-footer__crown, svg").count() == 0
    # Arial, not GDS Transport (the service is not on a gov.uk domain).
    font = page.locator("h1").evaluate("el => getComputedStyle(el).fontFamily")
    assert font.lower().startswith("arial")
    screenshot(page, "start")


def test_exit_this_page_leaves_when_shift_is_pressed_three_times(page: Page):
    page.goto("/privacy/")
    page.locator("h1").click()  # the keyboard listener is on the document

    for _ in range(3):
        page.keyboard.press("Shift")

    page.wait_for_url(EXIT_URL)
    expect(page.locator("h1")).to_have_text("Weather")


def test_exit_this_page_is_reached_with_tab_and_works_with_enter(page: Page):
    page.goto("/")

    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate(
            "document.activeElement.classList.contains('govuk-exit-this-page__button')"
        ):
            break
    else:
        pytest.fail("Tab never reached the Exit this page button")
    # Visible focus: GOV.UK's yellow focus style, not removed by our CSS.
    outline = page.evaluate("getComputedStyle(document.activeElement).backgroundColor")
    assert outline == "rgb(255, 221, 0)"

    page.keyboard.press("Enter")

    page.wait_for_url(EXIT_URL)


def test_exit_this_page_leaves_when_clicked(page: Page):
    page.goto("/cookies/")

    page.locator(EXIT_BUTTON).click()

    page.wait_for_url(EXIT_URL)
