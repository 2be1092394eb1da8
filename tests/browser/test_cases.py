"""Staff case screens in a real browser: the demo officer records a crime through
the intake (meeting the error summary on the way), opens the case page with its
timeline, then finds it in "My cases" and by phone search. Every page is
checked with axe-core; console errors and CSP violations fail the test (the
`page` fixture)."""

from __future__ import annotations

import re
import time

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from victimcare.accounts.constants import Role
from victimcare.cases import messages as msg
from victimcare.demo.catalogue import demo_catalogue
from victimcare.demo.constants import DEMO_PASSWORD

from .support import assert_accessible

pytestmark = pytest.mark.browser

OFFICER = next(
    s for s in demo_catalogue(name=settings.REFERENCE_DATA).sign_ins if s.role == Role.OFFICER
)
# Fake personal data only (Ofcom drama number, example.org).
VICTIM_NAME = "Zofia Przyklad"
VICTIM_PHONE = "07700 900321"


def sign_in(page: Page, email: str) -> None:
    page.goto("/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.locator("h1")).to_be_visible()


def continue_(page: Page) -> None:
    page.get_by_role("button", name="Save and continue").click()


def unique_crn() -> str:
    # Demo CRNs start low; a time-based serial keeps reruns against one server apart.
    return f"99{int(time.time() * 10) % 100_000:05d}/26"


def test_record_a_crime_open_it_and_find_it_again(page: Page):
    sign_in(page, OFFICER.email)

    # Start page
    page.goto("/cases/record/")
    expect(page.locator("h1")).to_have_text("Record a crime")
    assert_accessible(page)
    page.get_by_role("button", name="Start a new record").click()

    # About the crime: first with mistakes, to meet the error summary.
    expect(page.locator("h1")).to_have_text("About the crime")
    assert_accessible(page)
    page.get_by_label("Crime reference number").fill("WRONG")
    continue_(page)
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    assert page.title().startswith("Error: ")
    expect(summary).to_contain_text(msg.CRN_FORMAT.split(",")[0])
    expect(page.get_by_label("Crime reference number")).to_have_value("WRONG")
    assert_accessible(page)
    link = summary.locator("a").first
    link.click()
    expect(page.locator(link.get_attribute("href") or "#missing")).to_be_focused()

    crn = unique_crn()
    page.get_by_label("Crime reference number").fill(crn)
    page.get_by_label("Offence").select_option(label="Common assault")
    page.get_by_label("Domestic abuse").check()
    today = time.localtime()
    page.get_by_label("Day").first.fill(str(today.tm_mday))
    page.get_by_label("Month").first.fill(str(today.tm_mon))
    page.get_by_label("Year").first.fill(str(today.tm_year))
    page.get_by_label("Time it happened").fill("00:05")
    page.get_by_label("Borough where it happened").select_option(index=1)
    continue_(page)

    # About the victim
    expect(page.locator("h1")).to_have_text("About the victim")
    assert_accessible(page)
    page.get_by_label("Full name").fill(VICTIM_NAME)
    page.get_by_label("Victim", exact=True).check()
    page.get_by_label("Phone number").fill(VICTIM_PHONE)
    continue_(page)

    # How to contact them safely
    expect(page.locator("h1")).to_have_text("How to contact them safely")
    assert_accessible(page)
    page.get_by_label("Phone call", exact=True).check()
    page.get_by_label("Language they would like us to use").select_option("pl")
    page.locator("#interpreter_needed").check()
    page.get_by_label("Text messages").uncheck()
    page.get_by_label("Voicemail messages").uncheck()
    page.get_by_label("Earliest safe time to contact them").fill("10:00")
    page.get_by_label("Latest safe time to contact them").fill("14:00")
    continue_(page)

    # Needs
    expect(page.locator("h1")).to_have_text("Their needs")
    assert_accessible(page)
    page.get_by_label("Screens in the courtroom").check()
    page.locator("#enhanced").check()
    page.get_by_label("Intimidated (fear or distress about testifying)").check()
    continue_(page)

    # Consent
    expect(page.locator("h1")).to_have_text("Consent")
    assert_accessible(page)
    for name in ("referral", "sharing", "feedback_contact"):
        page.locator(f"#{name}").check()
    page.get_by_label("In person").check()
    continue_(page)

    # Equality questions: optional, and left blank here.
    expect(page.locator("h1")).to_have_text("Equality questions (optional)")
    expect(page.locator("main")).to_contain_text("used only for statistics")
    assert_accessible(page)
    continue_(page)

    # Check your answers
    expect(page.locator("h1")).to_have_text("Check your answers before recording the crime")
    expect(page.locator(".govuk-summary-list").first).to_contain_text(crn)
    assert_accessible(page)
    page.get_by_role("button", name="Record the crime").click()

    # A domestic abuse case is restricted: the purpose comes first.
    expect(page.locator("h1")).to_have_text("Why do you need to see this case?")
    assert_accessible(page)
    assert VICTIM_NAME not in page.content()
    page.get_by_label("Reason").fill("Recording the crime")
    page.get_by_role("button", name="Continue to the case").click()

    expect(page.locator("h1")).to_contain_text(f"Case {crn}")
    case_url = page.url
    assert re.fullmatch(r".*/cases/\d+/", case_url)
    expect(page.locator(".govuk-warning-text").first).to_contain_text("Do not text")
    expect(page.locator(".govuk-warning-text").first).to_contain_text(
        "Only call between 10:00 and 14:00"
    )
    expect(page.locator(".moj-timeline")).to_contain_text("Crime reported")
    assert_accessible(page)

    # My cases
    page.goto("/cases/mine/")
    expect(page.locator("h1")).to_have_text("My cases")
    expect(page.get_by_role("link", name=crn)).to_be_visible()
    assert VICTIM_NAME not in page.content()
    assert_accessible(page)

    # Find a case by phone: the number never reaches the URL.
    page.goto("/cases/search/")
    assert_accessible(page)
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(msg.SEARCH_PURPOSE_REQUIRED)
    assert_accessible(page)
    page.get_by_label("Victim's phone number").fill(VICTIM_PHONE)
    page.get_by_label("Why are you searching?").fill("Victim called back")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("h2", has_text="found")).to_have_text("1 case found")
    assert "900321" not in page.url and "07700" not in page.url
    expect(page.get_by_role("link", name=crn)).to_be_visible()
    assert_accessible(page)
