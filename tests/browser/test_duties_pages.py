"""The duties pages in a real browser: the demo officer records a crime (its
report creates the Victims' Code duties she owes, whatever the demo data holds),
sees them on "Owed to victims" and the home page, opens one and reads why it
exists, completes it by recording a call through the form, says another does
not apply (meeting the error summary first); the demo supervisor opens the
team's duties. Every page is checked with axe-core (zero WCAG 2.2 AA
violations); console errors and CSP violations fail the test (the `page`
fixture). No victim's name appears on the duties pages or in any URL."""

from __future__ import annotations

import re
import time

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from victimcare.accounts.constants import Role
from victimcare.cases import messages as case_msg
from victimcare.demo.catalogue import demo_catalogue
from victimcare.duties import messages

from .support import assert_accessible
from .test_cases import OFFICER, VICTIM_NAME, sign_in
from .test_cases_add_victim import record_an_assault

pytestmark = pytest.mark.browser

SUPERVISOR = next(
    s for s in demo_catalogue(name=settings.REFERENCE_DATA).sign_ins if s.role == Role.SUPERVISOR
)
NEEDS_DUTY = "Carry out a needs assessment"
LETTER_DUTY = "Give written confirmation of the crime"


def duty_row(page: Page, crn: str, what: str):  # type: ignore[no-untyped-def]
    return (
        page.locator("tbody tr")
        .filter(has=page.get_by_role("link", name=crn))
        .filter(has_text=what)
    )


def test_owe_see_explain_and_complete_duties(page: Page):
    visited: list[str] = []
    page.on("framenavigated", lambda frame: visited.append(frame.url))
    sign_in(page, OFFICER.email)
    crime_id = record_an_assault(page)
    crn = (page.locator("h1").text_content() or "").replace("Case", "").strip()
    assert re.fullmatch(r"\d{7}/\d{2}", crn), crn

    # The case page lists the duties the report created.
    expect(page.locator("#duties")).to_have_text("Victims' Code duties")
    expect(page.locator("main")).to_contain_text(NEEDS_DUTY)
    assert_accessible(page)

    # The contact plan: the victim agreed updates every 14 days.
    page.get_by_role("link", name=re.compile("Update the needs assessment")).first.click()
    page.get_by_label("How many days between updates did the victim agree?").fill("120")
    page.get_by_role("button", name="Save the needs assessment").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(case_msg.UPDATE_INTERVAL_INVALID)
    assert_accessible(page)
    page.get_by_label("How many days between updates did the victim agree?").fill("14")
    page.get_by_role("button", name="Save the needs assessment").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Needs assessment updated")

    # Owed to victims: this crime's duties, with no names.
    page.get_by_role("link", name="Owed to victims").first.click()
    expect(page.locator("h1")).to_have_text("Owed to victims")
    expect(duty_row(page, crn, NEEDS_DUTY)).to_have_count(1)
    expect(duty_row(page, crn, NEEDS_DUTY)).to_contain_text("Phone call")
    assert VICTIM_NAME not in page.content()
    assert_accessible(page)

    # The home page shows the same, most urgent first.
    page.goto("/staff/")
    expect(page.locator("#owed-summary")).to_contain_text("You owe")
    assert_accessible(page)

    # One duty: why it exists and how its deadline was counted.
    page.goto("/duties/")
    duty_row(page, crn, NEEDS_DUTY).get_by_role("link", name=re.compile(NEEDS_DUTY)).click()
    expect(page.locator("h1")).to_contain_text(NEEDS_DUTY)
    expect(page.locator("#why")).to_have_text("Why this duty exists")
    expect(page.locator("#deadline-counting")).to_contain_text("Day 0: the clock starts")
    expect(page.locator("#deadline-counting")).to_contain_text("Working day 2: the deadline")
    expect(page.locator("main")).to_contain_text("Crime reported")
    assert VICTIM_NAME not in page.content()
    assert_accessible(page)
    duty_url = page.url

    # Complete it by recording the call that fulfils it.
    page.get_by_role("button", name="Record the contact that fulfils this duty").click()
    expect(page.locator("h1")).to_have_text("Record an event")
    checkbox = page.get_by_role("checkbox", name=re.compile(NEEDS_DUTY))
    expect(checkbox).to_be_checked()
    assert_accessible(page)
    page.get_by_label("What happened?").select_option(label="Call with the victim")
    today = time.localtime()
    page.locator("input[name='occurred_date-day']").fill(str(today.tm_mday))
    page.locator("input[name='occurred_date-month']").fill(str(today.tm_mon))
    page.locator("input[name='occurred_date-year']").fill(str(today.tm_year))
    page.get_by_role("button", name="Record the event").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("1 duty marked done")
    page.goto(duty_url)
    expect(page.locator("main")).to_contain_text("Done on time")
    expect(page.locator("main")).to_contain_text("Call with the victim")
    expect(page.get_by_role("button", name="This duty does not apply")).to_have_count(0)
    assert_accessible(page)
    page.goto("/duties/")
    expect(duty_row(page, crn, NEEDS_DUTY)).to_have_count(0)

    # Another does not apply: a reason is required.
    duty_row(page, crn, LETTER_DUTY).get_by_role("link", name=re.compile(LETTER_DUTY)).click()
    page.get_by_role("button", name="This duty does not apply").click()
    expect(page.locator("h1")).to_have_text("Why does this duty not apply?")
    assert_accessible(page)
    page.get_by_role("button", name="Save: this duty does not apply").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text(messages.NOT_APPLICABLE_REASON_REQUIRED)
    assert page.title().startswith("Error: ")
    assert_accessible(page)
    page.get_by_label("Why does this duty not apply?").fill(
        "Confirmation already given in person with the crime reference number"
    )
    page.get_by_role("button", name="Save: this duty does not apply").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Duty marked as not applicable"
    )
    expect(page.locator("main")).to_contain_text("Confirmation already given in person")
    assert_accessible(page)

    assert f"/cases/{crime_id}/" in " ".join(visited)
    for url in visited:
        assert "Przyklad" not in url and "07700" not in url


def test_the_supervisor_sees_the_teams_duties(page: Page):
    sign_in(page, SUPERVISOR.email)
    page.get_by_role("link", name="Team duties").click()
    expect(page.locator("h1")).to_have_text("Team duties")
    for element in ("#count-open", "#count-due-today", "#count-overdue"):
        expect(page.locator(element)).to_contain_text(re.compile(r"\d+"))
    assert_accessible(page)
    page.get_by_role("link", name="Owed to victims").first.click()
    expect(page.locator("h1")).to_have_text("Owed to victims")
    assert_accessible(page)
