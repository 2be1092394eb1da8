"""The Victim Voice Forum in a real browser: zero axe violations for the
sign-up page (its empty, error and confirmation states) in English and Arabic
(right to left), a sign-up made with the keyboard only, the withdrawal link's
page, and the coordinator's list and volunteer pages. Console errors and CSP
violations fail the test (`page`)."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect

from victimcare.forum.i18n import forum_text

from .support import assert_accessible, screenshot
from .test_cases import sign_in

pytestmark = pytest.mark.browser

# The demo force's administrator: holds forum.coordinate.
FORCE_ADMIN = "admin@example.org"
EXIT_BUTTON = ".govuk-exit-this-page__button"


def _unique_email(what: str) -> str:
    # The server's database is shared by the session's browser tests and reruns.
    return f"forum-{what}-{time.time_ns()}@example.org"


def _html(page: Page) -> tuple[str, str]:
    return (
        page.evaluate("document.documentElement.lang"),
        page.evaluate("document.documentElement.dir"),
    )


@pytest.mark.parametrize(("lang", "direction"), [("en", "ltr"), ("ar", "rtl")])
def test_the_sign_up_pages_are_accessible_in_english_and_arabic(
    page: Page, lang: str, direction: str
):
    t = forum_text(lang)

    response = page.goto(f"/forum/join/?lang={lang}")

    assert response is not None and response.status == 200
    assert _html(page) == (lang, direction)
    expect(page.locator("h1")).to_have_text(t.plain("join_title"))
    expect(page.locator(EXIT_BUTTON)).to_contain_text(t.plain("exit_this_page"))
    expect(page.locator("#consent")).not_to_be_checked()
    assert_accessible(page)
    screenshot(page, f"forum-join-{lang}")

    # Sent empty: the error summary, in the page's language.
    page.locator("#join-form button").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text(t.plain("consent_required"))
    expect(summary).to_contain_text(t.plain("contact_required"))
    assert _html(page) == (lang, direction)
    assert_accessible(page)
    screenshot(page, f"forum-join-error-{lang}")

    page.locator("#email").fill(_unique_email(lang))
    page.locator("input[name=contact_preference][value=email]").check()
    page.locator("input[name=share][value=email]").check()
    page.locator("#consent").check()
    page.locator("#join-form button").click()

    page.wait_for_url(f"**/forum/joined/?lang={lang}")
    expect(page.locator("h1")).to_contain_text(t.plain("joined_title"))
    expect(page.locator("#confirmation-sent")).to_have_text(t.plain("joined_message_sent"))
    assert _html(page) == (lang, direction)
    assert_accessible(page)
    screenshot(page, f"forum-joined-{lang}")


def test_a_sign_up_made_with_the_keyboard_only(page: Page):
    t = forum_text("en")
    page.goto("/forum/join/?from=feedback")

    def tab_to(selector: str, limit: int = 80, backwards: bool = False) -> None:
        key = "Shift+Tab" if backwards else "Tab"
        for _ in range(limit):
            page.keyboard.press(key)
            if page.evaluate("s => document.activeElement.matches(s)", selector):
                return
        pytest.fail(f"Tab never reached {selector}")

    # Sent without consent first: the error summary takes the focus and links to it.
    tab_to("#email")
    page.keyboard.type(_unique_email("keyboard"))
    tab_to("#join-form button")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    tab_to('.govuk-error-summary a[href="#consent"]')
    page.keyboard.press("Enter")
    expect(page.locator("#consent")).to_be_focused()
    page.keyboard.press("Space")
    expect(page.locator("#consent")).to_be_checked()

    # What was typed is still there; back up to say how to be contacted, then
    # choose what to share.
    expect(page.locator("#email")).not_to_have_value("")
    tab_to("input[name=contact_preference]", backwards=True)
    # A group with nothing chosen is entered at its last answer going backwards;
    # the arrow keys move to (and choose) the first one, email.
    for _ in range(3):
        if page.evaluate("() => document.activeElement.value") == "email":
            break
        page.keyboard.press("ArrowUp")
    page.keyboard.press("Space")
    expect(page.locator("input[name=contact_preference][value=email]")).to_be_checked()
    tab_to("input[name=share][value=email]")
    page.keyboard.press("Space")
    tab_to("#join-form button")
    page.keyboard.press("Enter")

    page.wait_for_url("**/forum/joined/?lang=en")
    expect(page.locator("h1")).to_contain_text(t.plain("joined_title"))
    assert_accessible(page)


def test_a_withdrawal_link_that_matches_nobody_is_accessible(page: Page):
    t = forum_text("ar")
    response = page.goto("/forum/withdraw/not-a-real-token/?lang=ar")
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text(t.plain("link_dead_title"))
    assert _html(page) == ("ar", "rtl")
    assert_accessible(page)


def test_the_coordinator_lists_filters_and_updates_volunteers_accessibly(page: Page):
    email = _unique_email("coordinator")
    page.goto("/forum/join/")
    page.locator("#name").fill("Sam Volunteer")
    page.locator("#email").fill(email)
    page.locator("#borough").select_option(label="Hackney")
    page.locator("input[name=experiences][value=burglary]").check()
    page.locator("input[name=contact_preference][value=email]").check()
    for item in ("name", "email", "borough", "experience"):
        page.locator(f"input[name=share][value={item}]").check()
    page.locator("#consent").check()
    page.locator("#join-form button").click()
    page.wait_for_url("**/forum/joined/?lang=en")

    sign_in(page, FORCE_ADMIN)
    page.get_by_role("link", name="Voice Forum").click()
    expect(page.locator("h1")).to_have_text("Victim Voice Forum volunteers")
    expect(page.locator("#volunteers")).to_contain_text(email)
    assert_accessible(page)

    page.locator("#borough").select_option(label="Hackney")
    page.locator("#experience").select_option(label="Burglary")
    page.get_by_role("button", name="Filter").click()
    row = page.locator("#volunteers tbody tr", has_text=email)
    expect(row).to_contain_text("Sam Volunteer")
    expect(row).to_contain_text("Hackney")
    assert_accessible(page)
    screenshot(page, "forum-volunteers")

    row.get_by_role("link").click()
    expect(page.locator("#volunteer-details")).to_contain_text(email)
    assert_accessible(page)
    page.get_by_label("Contacted").check()
    page.get_by_role("button", name="Update contact status").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Contact status updated")
    expect(page.locator("#volunteer-details")).to_contain_text("Contacted")
    assert_accessible(page)
    screenshot(page, "forum-volunteer")
