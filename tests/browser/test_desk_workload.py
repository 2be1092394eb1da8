"""The desk's workload page, the next open times offered as choices (booked with
the keyboard only), and an escalation read by the officer from their worklist,
in a real browser. Every page is checked with axe-core (zero WCAG 2.2 AA
violations); console errors and CSP violations fail the test.

Real time, no clock travel: the closed time is 03:00 tomorrow under the desk's
configured hours (VICTIM_FOCUS_DESK_HOURS, the same environment as the server),
and the offered times are worked out from them the same way."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from victimcare.desk.services import offered_slots, slot_text
from victimcare.messaging.desk import LONDON, desk_is_open

from .support import assert_accessible
from .test_cases import OFFICER, sign_in
from .test_desk_call_pages import (
    _fill_call_back,
    a_desk_agent_passes_the_identity_check,
    press_on,
    type_into,
)
from .test_desk_pages import DESK_AGENT

pytestmark = pytest.mark.browser

# Fake personal data only (Ofcom drama numbers), unique to this file.
SLOT_PHONE = "07700 900671"
ESCALATION_PHONE = "07700 900672"


def test_the_workload_page(page: Page):
    sign_in(page, DESK_AGENT.email)
    page.goto("/desk/")
    page.get_by_role("link", name="Desk workload").click()
    expect(page.locator("h1")).to_have_text("Desk workload")
    expect(page.locator("#overdue-count")).to_have_text(re.compile(r"^\d+$"))
    expect(page.locator("#hours-0 caption")).to_contain_text("Today")
    expect(page.locator("#call-back-times tbody tr")).to_have_count(2)
    expect(page.locator("#tasks-by-kind")).to_contain_text("Victim Focus Desk escalated")
    assert_accessible(page)


def test_a_closed_time_offers_the_next_open_times_and_one_is_booked_by_keyboard(page: Page):
    crn = a_desk_agent_passes_the_identity_check(page, SLOT_PHONE)
    tomorrow = (timezone.now().astimezone(LONDON) + dt.timedelta(days=1)).date()
    closed = dt.datetime.combine(tomorrow, dt.time(3, 0), tzinfo=LONDON)
    assert not desk_is_open(closed), "03:00 must be closed under VICTIM_FOCUS_DESK_HOURS"
    offered = offered_slots(closed)
    assert offered, "the desk must open within four weeks"

    press_on(page, page.get_by_role("link", name="Book a call back"), "Enter")
    _fill_call_back(page, closed)
    # Radios of one group: Tab reaches the first, the arrow keys move along them.
    press_on(page, page.get_by_label("An update on the case"), "Space")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Support or a referral")).to_be_checked()
    press_on(page, page.get_by_role("button", name="Book the call back"), "Enter")

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("The desk is closed then")
    choices = page.locator("#offered-slots input[type=radio]")
    expect(choices).to_have_count(len(offered))
    for i, at in enumerate(offered):
        expect(page.locator("#offered-slots label").nth(i)).to_have_text(slot_text(at))
    assert_accessible(page)

    # Submitted with no time chosen: its own error, and nothing booked.
    press_on(page, page.get_by_role("button", name="Book this time"), "Enter")
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Select one of the times the desk is open"
    )
    assert_accessible(page)

    first = page.get_by_label(slot_text(offered[0]), exact=True)
    press_on(page, first, "Space")
    expect(first).to_be_checked()
    press_on(page, page.get_by_role("button", name="Book this time"), "Enter")
    expect(page.locator("h1")).to_have_text(f"Case {crn}")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        f"Call back booked for {slot_text(offered[0])}"
    )
    expect(page.locator("#follow-ups + ul")).to_contain_text(
        f"Call back {slot_text(offered[0])}: support or a referral"
    )
    assert_accessible(page)

    # Cancelled from the case view, with a reason, by keyboard.
    press_on(page, page.get_by_role("link", name=re.compile(r"^Cancel the call back")), "Enter")
    expect(page.locator("h1")).to_have_text("Cancel the call back")
    assert_accessible(page)
    why = page.get_by_label("The victim asked to cancel it")
    press_on(page, why, "Space")
    press_on(page, page.get_by_role("button", name="Cancel the call back"), "Enter")
    expect(page.locator("h1")).to_have_text(f"Case {crn}")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Call back cancelled")


def test_the_officer_reads_an_escalation_from_their_worklist_and_marks_it_done(page: Page):
    crn = a_desk_agent_passes_the_identity_check(page, ESCALATION_PHONE)
    press_on(page, page.get_by_role("link", name="Escalate", exact=True), "Enter")
    press_on(page, page.get_by_label("The officer in the case"), "Space")
    type_into(page, page.get_by_label("Why are you escalating?"), "Asks the OIC to ring today.")
    press_on(page, page.get_by_role("button", name="Escalate"), "Enter")
    expect(page.locator("h1")).to_have_text(f"Case {crn}")

    page.context.clear_cookies()
    sign_in(page, OFFICER.email)
    page.goto("/duties/")
    row = page.locator("#contact-tasks tr", has_text=crn)
    expect(row).to_contain_text("The Victim Focus Desk escalated this case to you")
    assert_accessible(page)
    row.get_by_role("link", name=re.compile("Read what the desk asked")).click()
    expect(page.locator("h1")).to_have_text("The Victim Focus Desk asks you to act")
    expect(page.locator("#escalation-detail")).to_contain_text("Asks the OIC to ring today.")
    assert_accessible(page)

    page.get_by_role("link", name="Mark the task done").click()
    page.get_by_label("What did you do?").fill("Rang the victim.")
    page.get_by_role("button", name="Mark as done").click()
    expect(page.locator(".govuk-notification-banner")).to_be_visible()
    expect(page.locator("#contact-tasks tr", has_text=crn)).to_have_count(0)
