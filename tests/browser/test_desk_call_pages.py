"""The desk's call pages in a real browser, after a passed identity check: record
the call (completing a duty the police owe), escalate, book a call back (first
for a time the desk is closed, then for its next open time), and work the
call-back queue (assign to me, mark done). The forms are filled with the keyboard
only. Every page is checked with axe-core (zero WCAG 2.2 AA violations); console
errors and CSP violations fail the test (the `page` fixture).

Real time, no clock travel: the booking times are worked out from the desk's
configured opening hours (VICTIM_FOCUS_DESK_HOURS, the same environment as the
live server), so the test holds on any day and at any hour."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from victimcare.desk import messages as msg
from victimcare.desk.services import closed_message, slot_text
from victimcare.messaging.desk import LONDON, desk_is_open, next_open_slots

from .support import assert_accessible
from .test_cases import OFFICER, sign_in
from .test_desk_pages import DESK_AGENT, record_an_assault_with_safe_contact_rules, tab_to

pytestmark = pytest.mark.browser

# Fake personal data only (Ofcom drama numbers), one victim per test so that the
# phone search of test_desk_pages still finds exactly one person.
CALL_PHONE = "07700 900655"
CALL_BACK_PHONE = "07700 900656"


def a_desk_agent_passes_the_identity_check(page: Page, phone: str) -> str:
    """The officer records a crime; Dana Desk finds it by CRN and records a passed
    identity check. Leaves the page on the desk's case view. Returns the CRN."""
    sign_in(page, OFFICER.email)
    crn = record_an_assault_with_safe_contact_rules(page, phone=phone)
    page.context.clear_cookies()
    sign_in(page, DESK_AGENT.email)
    page.goto("/desk/")
    page.get_by_label("Crime reference number").fill(crn)
    page.get_by_label("Why are you searching?").fill("The victim called the desk")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#results-heading")).to_have_text("1 person found")
    page.get_by_role("link", name=re.compile("Check identity")).click()
    page.get_by_label(re.compile("crime reference number and their date of birth")).check()
    page.get_by_label(re.compile("Passed: what the caller said")).check()
    page.get_by_role("button", name="Record the identity check").click()
    expect(page.locator("h1")).to_have_text(f"Case {crn}")
    return crn


def press_on(page: Page, locator: Locator, key: str) -> None:
    """Tab to `locator` and press `key` (Enter for links and buttons, Space for
    radios and checkboxes)."""
    tab_to(page, locator)
    page.keyboard.press(key)


def type_into(page: Page, locator: Locator, text: str) -> None:
    tab_to(page, locator)
    page.keyboard.type(text)


def expect_error_summary(page: Page, *texts: str) -> None:
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    for text in texts:
        expect(summary).to_contain_text(text)
    assert page.title().startswith("Error: ")


def test_record_the_call_completing_a_duty_then_escalate_by_keyboard(page: Page):
    visited: list[str] = []
    page.on("framenavigated", lambda frame: visited.append(frame.url))
    crn = a_desk_agent_passes_the_identity_check(page, CALL_PHONE)

    press_on(page, page.get_by_role("link", name="Record the call"), "Enter")
    expect(page.locator("h1")).to_have_text("Record the call")
    duty = page.locator("input[name='fulfils']").first
    expect(duty).to_be_visible()  # the police owe them a duty that the desk may complete
    assert_accessible(page)

    # Submitted empty: the error summary, focused, names every missing answer.
    press_on(page, page.get_by_role("button", name="Record the call"), "Enter")
    expect_error_summary(page, msg.CHANNEL_REQUIRED, msg.CALLER_KIND_REQUIRED, msg.SUMMARY_REQUIRED)
    assert_accessible(page)

    channel = page.get_by_label("Phone: they rang the desk")
    press_on(page, channel, "Space")
    expect(channel).to_be_checked()
    caller = page.get_by_label("The victim", exact=True)
    press_on(page, caller, "Space")
    expect(caller).to_be_checked()
    topic = page.get_by_label("what happens next")
    press_on(page, topic, "Space")
    expect(topic).to_be_checked()
    type_into(page, page.get_by_label("Summary of the call"), "Asked what happens next.")
    press_on(page, duty, "Space")
    expect(duty).to_be_checked()
    expect(page.get_by_label("No follow-up")).to_be_checked()
    press_on(page, page.get_by_role("button", name="Record the call"), "Enter")

    expect(page.locator("h1")).to_have_text(f"Case {crn}")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Call recorded and 1 duty marked done"
    )
    assert_accessible(page)

    # Escalate: first with nothing chosen (the error state), then to the OIC.
    press_on(page, page.get_by_role("link", name="Escalate", exact=True), "Enter")
    expect(page.locator("h1")).to_have_text("Escalate")
    assert_accessible(page)
    press_on(page, page.get_by_role("button", name="Escalate"), "Enter")
    expect_error_summary(page, msg.ESCALATE_TO_REQUIRED, msg.ESCALATE_REASON_REQUIRED)
    assert_accessible(page)

    oic = page.get_by_label("The officer in the case")
    press_on(page, oic, "Space")
    expect(oic).to_be_checked()
    type_into(page, page.get_by_label("Why are you escalating?"), "They want to speak to the OIC.")
    press_on(page, page.get_by_role("button", name="Escalate"), "Enter")
    expect(page.locator("h1")).to_have_text(f"Case {crn}")
    expect(page.locator("#follow-ups + ul")).to_contain_text("Escalated to the officer in the case")
    assert_accessible(page)

    for url in visited:
        assert "900655" not in url and "Deskcaller" not in url


def _fill_call_back(page: Page, at: dt.datetime) -> None:
    """Type the date and time of `at` (London time) with the keyboard; the
    reason is chosen once and kept when the form comes back with an error."""
    local = at.astimezone(LONDON)
    for label, value in (("Day", local.day), ("Month", local.month), ("Year", local.year)):
        field = page.get_by_label(label, exact=True)
        tab_to(page, field)
        page.keyboard.press("ControlOrMeta+a")
        page.keyboard.type(str(value))
    time_field = page.get_by_label("Time of the call back")
    tab_to(page, time_field)
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(f"{local:%H:%M}")


def test_book_a_call_back_then_work_the_queue(page: Page):
    crn = a_desk_agent_passes_the_identity_check(page, CALL_BACK_PHONE)

    # 03:00 tomorrow (London) is outside the configured hours; the valid time is
    # the desk's first open slot at least 15 minutes from now (time to submit).
    tomorrow = (timezone.now().astimezone(LONDON) + dt.timedelta(days=1)).date()
    closed = dt.datetime.combine(tomorrow, dt.time(3, 0), tzinfo=LONDON)
    assert not desk_is_open(closed), "03:00 must be closed under VICTIM_FOCUS_DESK_HOURS"
    slot = next_open_slots(timezone.now() + dt.timedelta(minutes=15), 1)[0]

    press_on(page, page.get_by_role("link", name="Book a call back"), "Enter")
    expect(page.locator("h1")).to_have_text("Book a call back")
    assert_accessible(page)

    _fill_call_back(page, closed)
    reason = page.get_by_label("An update on the case")
    press_on(page, reason, "Space")
    expect(reason).to_be_checked()
    press_on(page, page.get_by_role("button", name="Book the call back"), "Enter")
    expect_error_summary(page, closed_message(closed))
    # The error is tied to the time field, so a screen reader reads it there too.
    expect(page.get_by_label("Time of the call back")).to_have_accessible_description(
        re.compile(re.escape(closed_message(closed)))
    )
    assert_accessible(page)

    _fill_call_back(page, slot)
    expect(page.get_by_label("An update on the case")).to_be_checked()
    press_on(page, page.get_by_role("button", name="Book the call back"), "Enter")
    expect(page.locator("h1")).to_have_text(f"Case {crn}")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        f"Call back booked for {slot_text(slot)}"
    )
    expect(page.locator("#follow-ups + ul")).to_contain_text(f"Call back {slot_text(slot)}")
    assert_accessible(page)

    # The queue: assign the call back to me, then mark it done with an outcome.
    page.goto("/desk/call-backs/")
    expect(page.locator("h1")).to_have_text("Call backs")
    row = page.locator("#call-back-queue tbody tr", has_text=crn)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Nobody yet")
    expect(row).to_contain_text(slot_text(slot))
    assert_accessible(page)

    row.get_by_role("button", name="Assign to me").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "The call back is assigned to you"
    )
    expect(row.locator("td").nth(4)).to_have_text("You")
    expect(row.get_by_role("button", name="Assign to me")).to_have_count(0)
    assert_accessible(page)

    row.get_by_role("link", name=re.compile("Mark done")).click()
    expect(page.locator("h1")).to_have_text("Mark the call back done")
    assert_accessible(page)
    page.get_by_role("button", name="Mark done").click()
    expect_error_summary(page, "Enter what happened on the call back")
    assert_accessible(page)
    page.get_by_label("What happened on the call back?").fill("Rang them; they had the update.")
    page.get_by_role("button", name="Mark done").click()

    expect(page.locator("h1")).to_have_text("Call backs")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Call back marked done")
    expect(page.locator("#call-back-queue tbody tr", has_text=crn)).to_have_count(0)
    assert_accessible(page)
