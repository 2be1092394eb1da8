"""The desk console in a real browser: the demo officer records an assault whose
victim must not get voicemail; Dana Desk (the demo desk agent) signs in, meets
the search's error summary, finds the victim by phone number, passes the
identity check and reads the case in plain words — all by keyboard only. Every
page is checked with axe-core (zero WCAG 2.2 AA violations); console errors and
CSP violations fail the test. No phone number or name appears in any URL."""

from __future__ import annotations

import re
import time

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from victimcare.accounts.constants import Role
from victimcare.demo.catalogue import demo_catalogue
from victimcare.desk import messages as msg

from .support import assert_accessible
from .test_cases import OFFICER, sign_in, unique_crn

pytestmark = pytest.mark.browser

DESK_AGENT = next(
    s for s in demo_catalogue(name=settings.REFERENCE_DATA).sign_ins if s.role == Role.DESK_AGENT
)
# Fake personal data only (Ofcom drama number).
CALLER_NAME = "Zofia Deskcaller"
CALLER_PHONE = "07700 900657"  # unique among the browser tests (one live database)


def _continue(page: Page) -> None:
    page.get_by_role("button", name="Save and continue").click()


def record_an_assault_with_safe_contact_rules(page: Page, *, phone: str = CALLER_PHONE) -> str:
    """The officer records a crime whose victim gave a date of birth and a phone
    number, and must not get voicemail. Returns the CRN."""
    crn = unique_crn()
    page.goto("/cases/record/")
    page.get_by_role("button", name="Start a new record").click()
    page.get_by_label("Crime reference number").fill(crn)
    page.get_by_label("Offence").select_option(label="Common assault")
    today = time.localtime()
    page.get_by_label("Day").first.fill(str(today.tm_mday))
    page.get_by_label("Month").first.fill(str(today.tm_mon))
    page.get_by_label("Year").first.fill(str(today.tm_year))
    page.get_by_label("Time it happened").fill("00:05")
    page.get_by_label("Borough where it happened").select_option(index=1)
    _continue(page)
    page.get_by_label("Full name").fill(CALLER_NAME)
    page.locator("input[name='date_of_birth-day']").fill("31")
    page.locator("input[name='date_of_birth-month']").fill("3")
    page.locator("input[name='date_of_birth-year']").fill("1980")
    page.get_by_label("Victim", exact=True).check()
    page.get_by_label("Phone number").fill(phone)
    _continue(page)
    page.get_by_label("Phone call", exact=True).check()
    page.locator("#interpreter_needed-2").check()
    page.get_by_label("Voicemail messages").uncheck()
    _continue(page)
    page.locator("#enhanced-2").check()
    _continue(page)
    for name in ("referral", "sharing", "feedback_contact"):
        page.locator(f"#{name}").check()
    page.get_by_label("In person").check()
    _continue(page)
    _continue(page)
    page.get_by_role("button", name="Record the crime").click()
    expect(page.locator("h1")).to_contain_text("Case ")
    return crn


def tab_to(page: Page, locator, limit: int = 80) -> None:  # type: ignore[no-untyped-def]
    """Press Tab until `locator` has the focus (keyboard only)."""
    for _ in range(limit):
        if locator.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Tab")
    pytest.fail(f"Could not reach {locator} with the Tab key")


def test_the_desk_finds_checks_and_reads_a_case_by_keyboard(page: Page):
    visited: list[str] = []
    sign_in(page, OFFICER.email)
    crn = record_an_assault_with_safe_contact_rules(page)
    page.context.clear_cookies()

    page.on("framenavigated", lambda frame: visited.append(frame.url))
    sign_in(page, DESK_AGENT.email)
    expect(page.get_by_role("link", name="Desk", exact=True)).to_be_visible()
    page.goto("/desk/")
    expect(page.locator("h1")).to_have_text("Find a victim")
    assert_accessible(page)

    # Bad input first: no criteria and no reason.
    tab_to(page, page.get_by_role("button", name="Search"))
    page.keyboard.press("Enter")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text(msg.SEARCH_CRITERIA_REQUIRED)
    expect(summary).to_contain_text(msg.SEARCH_PURPOSE_REQUIRED)
    assert page.title().startswith("Error: ")
    assert_accessible(page)

    # Find by phone number, typing only.
    tab_to(page, page.get_by_label("Phone number"))
    page.keyboard.type(CALLER_PHONE)
    tab_to(page, page.get_by_label("Why are you searching?"))
    page.keyboard.type("The victim called the desk")
    page.keyboard.press("Enter")
    expect(page.locator("#results-heading")).to_have_text("1 person found")
    expect(page.locator("tbody")).to_contain_text(crn)
    assert CALLER_NAME not in page.content()
    assert_accessible(page)

    tab_to(page, page.get_by_role("link", name=re.compile("Check identity")))
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Check who is calling")
    expect(page.locator("#identity-facts")).to_contain_text("31 March 1980")
    assert_accessible(page)

    # Record the check without choosing anything: the error summary.
    tab_to(page, page.get_by_role("button", name="Record the identity check"))
    page.keyboard.press("Enter")
    expect(page.locator(".govuk-error-summary")).to_contain_text(msg.METHOD_REQUIRED)
    assert_accessible(page)

    method = page.get_by_label(re.compile("crime reference number and their date of birth"))
    tab_to(page, method)
    page.keyboard.press("Space")
    expect(method).to_be_checked()
    outcome = page.get_by_label(re.compile("Passed: what the caller said"))
    tab_to(page, outcome)
    page.keyboard.press("Space")
    expect(outcome).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Record the identity check"))
    page.keyboard.press("Enter")

    expect(page.locator("h1")).to_have_text(f"Case {crn}")
    expect(page.locator("#safe-contact")).to_contain_text("Do not leave voicemail")
    expect(page.locator("#stage")).to_contain_text("Reported.")
    expect(page.locator("main")).to_contain_text("Carry out a needs assessment")
    expect(page.locator("main")).to_contain_text("Officer in the case")
    expect(page.locator("#desk-open")).to_contain_text("Opening hours")
    assert_accessible(page)

    for url in visited:
        assert "900654" not in url and "Deskcaller" not in url
