"""Make a complaint (/complain/) in a real browser: zero axe violations for the
form, its error state and the confirmation, in English and Arabic (right to
left); and a complaint made with the keyboard only, from an empty submission
through the error summary to the reference number. Console errors and CSP
violations fail the test (`page`)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from victimcare.portal.i18n import portal_text

from .support import assert_accessible, screenshot
from .test_cases import sign_in

pytestmark = pytest.mark.browser

EXIT_BUTTON = ".govuk-exit-this-page__button"
# The demo force's administrator: force headquarters, so professional standards.
FORCE_ADMIN = "admin@example.org"
REFERENCE = re.compile(r"^CMP-[2-9A-HJKMNP-Z]{6}$")


def _html(page: Page) -> tuple[str, str]:
    return (
        page.evaluate("document.documentElement.lang"),
        page.evaluate("document.documentElement.dir"),
    )


@pytest.mark.parametrize(("lang", "direction"), [("en", "ltr"), ("ar", "rtl")])
def test_the_complaint_pages_are_accessible_in_english_and_arabic(
    page: Page, lang: str, direction: str
):
    t = portal_text(lang)

    response = page.goto(f"/complain/?lang={lang}")

    assert response is not None and response.status == 200
    assert _html(page) == (lang, direction)
    expect(page.locator("h1")).to_have_text(t.plain("complain_title"))
    expect(page.locator(EXIT_BUTTON)).to_contain_text(t.plain("exit_this_page"))
    assert_accessible(page)
    screenshot(page, f"portal-complain-{lang}")

    # Sent empty: the error summary, in the page's language.
    page.locator("#complaint-form button").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text(t.plain("complain_details_required"))
    expect(summary).to_contain_text(t.plain("complain_reply_required"))
    assert _html(page) == (lang, direction)
    assert_accessible(page)
    screenshot(page, f"portal-complain-error-{lang}")

    page.locator("#details").fill("I was not told about the court date.")
    page.locator("#reply_email").fill("someone@example.com")
    page.locator("#complaint-form button").click()

    page.wait_for_url(f"**/complain/received/?lang={lang}")
    expect(page.locator("h1")).to_contain_text(t.plain("received_title"))
    assert REFERENCE.match(page.locator("#complaint-reference").inner_text().strip())
    expect(page.locator("#ombudsman")).to_contain_text("2025")
    assert _html(page) == (lang, direction)
    assert_accessible(page)
    screenshot(page, f"portal-complain-received-{lang}")


def test_a_complaint_made_with_the_keyboard_only(page: Page):
    t = portal_text("en")
    page.goto("/complain/")

    def tab_to(selector: str, limit: int = 60) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate("s => document.activeElement.matches(s)", selector):
                return
        pytest.fail(f"Tab never reached {selector}")

    # Sent empty first: the error summary takes the focus and links to the field.
    tab_to("#complaint-form button")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    tab_to('.govuk-error-summary a[href="#details"]')
    page.keyboard.press("Enter")
    expect(page.locator("#details")).to_be_focused()

    page.keyboard.type("Nobody told me the suspect was released on bail.")
    tab_to("input[name=about]")
    page.keyboard.press("Space")  # the first answer: a police officer or staff
    tab_to("#crn")
    page.keyboard.type("4400001/26")
    tab_to("#name")
    page.keyboard.type("Sam Example")
    tab_to("#reply_email")
    page.keyboard.type("sam@example.com")
    tab_to("#complaint-form button")
    page.keyboard.press("Enter")

    page.wait_for_url("**/complain/received/?lang=en")
    expect(page.locator("h1")).to_contain_text(t.plain("received_title"))
    assert REFERENCE.match(page.locator("#complaint-reference").inner_text().strip())
    expect(page.locator("#response-due")).to_contain_text("10 working days")
    # The escalation links are reached from the keyboard too.
    tab_to("#ombudsman a")
    expect(page.locator("#ombudsman a")).to_have_attribute(
        "href", "https://www.ombudsman.org.uk/making-complaint"
    )
    assert_accessible(page)


def test_professional_standards_read_and_close_a_complaint_accessibly(page: Page):
    page.goto("/complain/")
    page.locator("#details").fill("The desk never called me back. <b>twice</b>")
    page.locator("#reply_phone").fill("07700 900456")
    page.locator("#complaint-form button").click()
    page.wait_for_url("**/complain/received/?lang=en")
    reference = page.locator("#complaint-reference").inner_text().strip()

    sign_in(page, FORCE_ADMIN)
    page.goto("/complaints/")
    expect(page.locator("h1")).to_have_text("Complaints")
    link = page.get_by_role("link", name=reference)
    expect(link).to_be_visible()
    assert_accessible(page)

    link.click()
    # Untrusted text is shown as text, never as markup.
    expect(page.locator("#complaint-details")).to_have_text(
        "The desk never called me back. <b>twice</b>"
    )
    assert_accessible(page)
    screenshot(page, "portal-complaint-staff")

    page.get_by_label("The response you sent").fill("Called back and apologised.")
    page.get_by_role("button", name="Record response and close").click()
    page.wait_for_url("**/complaints/")
    expect(page.locator("#closed-complaints")).to_contain_text(reference)
    assert_accessible(page)
