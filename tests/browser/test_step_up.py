"""Step-up re-authentication and a change of contact details, with the keyboard only.

The demo officer records a crime, then from its case page follows "Change contact
details". Signed in already, she is first asked to confirm it is her: a wrong
password meets the error summary, the right one goes on to the change page.
She makes texts unsafe (after meeting the error summary for a choice that
contradicts the preferred way), saves, and the case page shows the new rule.
Every step is done by Tab, Space, arrow keys and Enter; every page is checked
with axe-core (zero violations). No personal data reaches a URL."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from victimcare.accounts.forms import PASSWORD_WRONG
from victimcare.cases import messages as msg
from victimcare.demo.constants import DEMO_PASSWORD

from .support import assert_accessible
from .test_cases import OFFICER, sign_in
from .test_cases_add_victim import record_an_assault

pytestmark = pytest.mark.browser

MAX_TABS = 200


def tab_to(page: Page, selector: str) -> None:
    """Press Tab until the element matching `selector` has the focus (it must be
    reachable from the keyboard, in the page's order)."""
    target = page.locator(selector)
    expect(target).to_have_count(1)
    for _ in range(MAX_TABS):
        if target.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    pytest.fail(f"{selector} cannot be reached with the Tab key on {page.url}")


def test_confirm_it_is_you_then_change_the_contact_rules_by_keyboard(page: Page):
    visited: list[str] = []
    page.on("framenavigated", lambda frame: visited.append(frame.url))
    sign_in(page, OFFICER.email)
    crime_id = record_an_assault(page)
    page.goto(f"/cases/{crime_id}/")

    # From the victim card, by keyboard.
    tab_to(page, "a.govuk-link[href$='/contact/']")
    page.keyboard.press("Enter")

    # Confirm it's you: a wrong password first.
    expect(page.locator("h1")).to_have_text("Confirm it’s you")
    assert re.search(
        r"/account/confirm/\?next=%2Fcases%2F\d+%2Fvictims%2F\d+%2Fcontact%2F$", page.url
    )
    assert_accessible(page)
    tab_to(page, "input[name='password']")
    page.keyboard.type("not-the-password")
    page.keyboard.press("Enter")
    expect(page.locator(".govuk-error-summary")).to_contain_text(PASSWORD_WRONG)
    expect(page).to_have_title(re.compile(r"^Error: "))
    assert_accessible(page)
    # The GOV.UK error summary takes the focus; its link leads back to the field.
    tab_to(page, "input[name='password']")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")

    # The change page, starting from what is recorded.
    expect(page.locator("h1")).to_have_text("Change contact details")
    assert re.search(r"/cases/\d+/victims/\d+/contact/$", page.url)
    assert_accessible(page)
    calls = page.locator("input[name='safe_ways'][value='call']")
    texts = page.locator("input[name='safe_ways'][value='text']")
    expect(calls).to_be_checked()
    expect(texts).to_be_checked()

    # Phone calls are the preferred way: making them unsafe is refused.
    tab_to(page, "input[name='safe_ways'][value='call']")
    page.keyboard.press("Space")
    tab_to(page, "button.govuk-button")
    page.keyboard.press("Enter")
    expect(page.locator(".govuk-error-summary")).to_contain_text(msg.PREFERRED_CHANNEL_NOT_SAFE)
    assert_accessible(page)

    # Calls back on, texts off, saved.
    tab_to(page, "input[name='safe_ways'][value='call']")
    page.keyboard.press("Space")
    tab_to(page, "input[name='safe_ways'][value='text']")
    page.keyboard.press("Space")
    expect(calls).to_be_checked()
    expect(texts).not_to_be_checked()
    tab_to(page, "button.govuk-button")
    page.keyboard.press("Enter")

    expect(page.locator("h1")).to_contain_text("Case ")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Contact details changed")
    expect(page.locator(".vc-contact-warning").first).to_contain_text("Do not text")
    assert_accessible(page)
    for url in visited:
        assert "07700" not in url and "@" not in url and "not-the-password" not in url
