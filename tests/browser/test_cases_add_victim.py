"""Add a victim or contact in a real browser: the demo officer records a crime, then
on its case page adds the bereaved relative who is to be the contact, meeting the
error summary on the way. Every page is checked with axe-core (zero
violations); console errors and CSP violations fail the test (the `page`
fixture). No personal data reaches a URL."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect

from victimcare.cases import messages as msg

from .support import assert_accessible
from .test_cases import OFFICER, VICTIM_NAME, continue_, sign_in, unique_crn

pytestmark = pytest.mark.browser

# Fake personal data only (Ofcom drama number, example.org).
RELATIVE_NAME = "Teodor Przyklad"
RELATIVE_PHONE = "07700 900654"
RELATIVE_EMAIL = "teodor.przyklad@example.org"
PERSONAL = ["Teodor", "Przyklad", "07700", "900654", "example.org"]


def record_an_assault(page: Page) -> int:
    """Record an unrestricted crime through the intake (checked page by page in
    test_cases.py); the officer is then its officer in the case. Returns its id."""
    page.goto("/cases/record/")
    page.get_by_role("button", name="Start a new record").click()
    page.get_by_label("Crime reference number").fill(unique_crn())
    page.get_by_label("Offence").select_option(label="Common assault")
    today = time.localtime()
    page.get_by_label("Day").first.fill(str(today.tm_mday))
    page.get_by_label("Month").first.fill(str(today.tm_mon))
    page.get_by_label("Year").first.fill(str(today.tm_year))
    page.get_by_label("Time it happened").fill("00:05")
    page.get_by_label("Borough where it happened").select_option(index=1)
    continue_(page)
    page.get_by_label("Full name").fill(VICTIM_NAME)
    page.get_by_label("Victim", exact=True).check()
    continue_(page)
    page.get_by_label("Phone call", exact=True).check()
    page.locator("#interpreter_needed-2").check()
    continue_(page)
    page.locator("#enhanced-2").check()
    continue_(page)
    for name in ("referral", "sharing", "feedback_contact"):
        page.locator(f"#{name}").check()
    page.get_by_label("In person").check()
    continue_(page)
    continue_(page)  # the optional equality questions, left blank
    page.get_by_role("button", name="Record the crime").click()
    expect(page.locator("h1")).to_contain_text("Case ")
    match = re.fullmatch(r".*/cases/(\d+)/", page.url)
    assert match, page.url
    return int(match[1])


def test_add_a_bereaved_relative_as_the_contact(page: Page):
    visited: list[str] = []
    page.on("framenavigated", lambda frame: visited.append(frame.url))
    sign_in(page, OFFICER.email)
    crime_id = record_an_assault(page)

    page.goto(f"/cases/{crime_id}/")
    people_before = page.locator(".vc-victim").count()
    page.get_by_role("button", name="Add a victim or contact").click()

    # Start page
    expect(page.locator("h1")).to_have_text("Add a victim or contact")
    assert_accessible(page)
    page.get_by_role("button", name="Start").click()

    # About the victim or contact: first with nothing, to meet the error summary.
    expect(page.locator("h1")).to_have_text("About the victim or contact")
    assert_accessible(page)
    page.get_by_label("Email address").fill("not-an-email")
    continue_(page)
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    assert page.title().startswith("Error: ")
    expect(summary).to_contain_text(msg.NAME_REQUIRED)
    expect(summary).to_contain_text(msg.EMAIL_INVALID)
    expect(page.get_by_label("Email address")).to_have_value("not-an-email")
    assert_accessible(page)

    page.get_by_label("Full name").fill(RELATIVE_NAME)
    page.get_by_label("Close relative of someone who died").check()
    page.get_by_label("Phone number").fill(RELATIVE_PHONE)
    page.get_by_label("Email address").fill(RELATIVE_EMAIL)
    continue_(page)

    # How to contact them safely: email only, and only once they get in touch.
    expect(page.locator("h1")).to_have_text("How to contact them safely")
    assert_accessible(page)
    page.get_by_label("Email", exact=True).check()
    page.locator("#interpreter_needed-2").check()
    for way in ("Phone calls", "Text messages", "Letters to their address", "Voicemail messages"):
        page.get_by_label(way).uncheck()
    page.get_by_label("Only contact them if they get in touch first").check()
    continue_(page)

    # Needs
    expect(page.locator("h1")).to_have_text("Their needs")
    assert_accessible(page)
    page.get_by_label("Emotional support").check()
    page.locator("#enhanced-2").check()
    continue_(page)

    # Consent
    expect(page.locator("h1")).to_have_text("Consent")
    assert_accessible(page)
    for name in ("referral", "sharing", "feedback_contact"):
        page.locator(f"#{name}").check()
    page.get_by_label("By phone").check()
    continue_(page)

    # Equality questions (optional)
    expect(page.locator("h1")).to_have_text("Equality questions (optional)")
    expect(page.locator("main")).to_contain_text("used only for statistics")
    assert_accessible(page)
    page.locator("#age_band-8").check()  # Prefer not to say
    continue_(page)

    # Check your answers
    expect(page.locator("h1")).to_have_text(
        "Check your answers before adding this person to the case"
    )
    expect(page.locator("main")).to_contain_text(RELATIVE_NAME)
    assert_accessible(page)
    page.get_by_role("button", name="Add them to the case").click()

    # The case page lists both, the relative with their role and contact rules.
    expect(page.locator("h1")).to_contain_text("Case ")
    assert re.fullmatch(rf".*/cases/{crime_id}/", page.url)
    expect(page.locator(".vc-victim")).to_have_count(people_before + 1)
    relative = page.locator(".vc-victim", has_text=RELATIVE_NAME)
    expect(relative).to_contain_text("Close relative of someone who died")
    expect(relative.locator(".govuk-warning-text")).to_contain_text(
        "Do not contact them unless they get in touch first"
    )
    expect(relative.locator(".govuk-warning-text")).to_contain_text("Do not call")
    assert_accessible(page)

    for url in visited:
        for value in PERSONAL:
            assert value.lower() not in url.lower(), (value, url)
