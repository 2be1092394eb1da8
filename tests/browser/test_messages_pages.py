"""Messaging pages in a real browser: the demo officer records a crime for a victim
who wants texts, sees the automatic confirmation on the case's timeline, sends
a message from the case page (meeting the error summary, then the preview with
the safe-contact verdict), and is told plainly when a channel is not safe (no
send button). For a domestic abuse case she gets a contact task on "Owed to
victims" instead of a message, marks it done with a note, and confirms a safe
channel with the victim on the case page. The desk agent opens the desk's
contact tasks. Every page is checked with axe-core (zero WCAG 2.2 AA
violations); console errors and CSP violations fail the test."""

from __future__ import annotations

import re
import time

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from victimcare.accounts.constants import Role
from victimcare.demo.catalogue import demo_catalogue
from victimcare.messaging import dispatch, forms, safety
from victimcare.messaging.views import MESSAGE_QUEUED, SAFE_CHANNEL_CONFIRMED, TASK_DONE

from .support import assert_accessible
from .test_cases import OFFICER, continue_, sign_in, unique_crn

pytestmark = pytest.mark.browser

DESK_AGENT = next(
    s for s in demo_catalogue(name=settings.REFERENCE_DATA).sign_ins if s.role == Role.DESK_AGENT
)
VICTIM_NAME = "Ewa Przyklad"
VICTIM_PHONE = "07700 900456"


def record_for_texts(page: Page, *, domestic_abuse: bool = False) -> int:
    """Record a common assault whose victim would like text messages. Returns its id."""
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
    if domestic_abuse:
        page.get_by_label("Domestic abuse").check()
    continue_(page)
    page.get_by_label("Full name").fill(VICTIM_NAME)
    page.get_by_label("Victim", exact=True).check()
    page.get_by_label("Phone number").fill(VICTIM_PHONE)
    continue_(page)
    page.get_by_label("Text message", exact=True).check()
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
    if domestic_abuse:
        page.get_by_label("Reason").fill("Confirm a safe way to contact the victim")
        page.get_by_role("button", name="Continue to the case").click()
    expect(page.locator("h1")).to_contain_text("Case ")
    match = re.fullmatch(r".*/cases/(\d+)/", page.url)
    assert match, page.url
    return int(match[1])


def test_send_a_message_from_the_case_page(page: Page):
    sign_in(page, OFFICER.email)
    crime_id = record_for_texts(page)

    # The crime report's written confirmation went to the outbox by text.
    timeline = page.locator(".moj-timeline")
    expect(timeline).to_contain_text("Text message:")
    expect(timeline).to_contain_text(re.compile("Queued|Sent|Delivered"))
    assert_accessible(page)

    page.get_by_role("button", name="Send a message").click()
    expect(page.locator("h1")).to_have_text("Send a message")
    assert_accessible(page)

    # Nothing chosen: the error summary.
    page.get_by_role("button", name="Preview the message").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text(forms.TEMPLATE_REQUIRED)
    assert page.title().startswith("Error: ")
    assert_accessible(page)

    # The preview: the words, where it goes, and the verdict in plain words.
    page.locator("#id_template").select_option("regular_update")
    page.get_by_label("Text message", exact=True).check()
    page.get_by_role("button", name="Preview the message").click()
    expect(page.locator("#safe-contact-verdict")).to_contain_text(
        "Safe to send by text message now."
    )
    crn = (page.locator(".govuk-caption-l").first.text_content() or "").replace("Case", "").strip()
    expect(page.locator("#message-text")).to_contain_text(crn)
    assert_accessible(page)
    page.get_by_role("button", name="Send the message").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(MESSAGE_QUEUED)
    assert page.url.endswith(f"/cases/{crime_id}/#timeline")

    # A letter has nowhere safe to go: the verdict says why, and there is no send button.
    page.get_by_role("button", name="Send a message").click()
    page.locator("#id_template").select_option("regular_update")
    page.get_by_label("Letter", exact=True).check()
    page.get_by_role("button", name="Preview the message").click()
    expect(page.locator("#safe-contact-verdict")).to_contain_text(
        f"Not safe to send: {safety.REASON_NO_POSTCODE}"
    )
    expect(page.get_by_role("button", name="Send the message")).to_have_count(0)
    assert_accessible(page)


def test_a_domestic_abuse_victim_gets_a_task_not_a_message(page: Page):
    sign_in(page, OFFICER.email)
    crime_id = record_for_texts(page, domestic_abuse=True)

    safe = page.locator(".vc-safe-channel")
    expect(safe).to_contain_text("no automated messages until a safe channel is confirmed")
    expect(page.locator(".moj-timeline")).not_to_contain_text("Text message:")
    assert_accessible(page)

    # Owed to victims: contact them yourself.
    page.get_by_role("link", name="Owed to victims").first.click()
    tasks = page.locator("#contact-tasks")
    expect(tasks).to_contain_text(safety.REASON_RESTRICTED_UNCONFIRMED)
    assert VICTIM_NAME not in page.content()
    assert_accessible(page)
    tasks.locator("tbody tr").first.get_by_role("link", name=re.compile("Mark as done")).click()
    expect(page.locator("h1")).to_have_text("Mark the contact task as done")
    assert_accessible(page)
    page.get_by_role("button", name="Mark as done").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(dispatch.TASK_NOTE_REQUIRED)
    assert_accessible(page)
    page.get_by_label("What did you do?").fill("Called her on the number she said is safe.")
    page.get_by_role("button", name="Mark as done").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(TASK_DONE)

    # Confirm the safe channel on the case page.
    page.goto(f"/cases/{crime_id}/")
    page.get_by_role("button", name=re.compile("Safe channel confirmed with the victim")).click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(SAFE_CHANNEL_CONFIRMED)
    expect(page.locator(".vc-safe-channel")).to_contain_text(
        "Safe channel confirmed with the victim"
    )
    assert_accessible(page)


def test_the_desk_sees_its_contact_tasks(page: Page):
    sign_in(page, DESK_AGENT.email)
    page.get_by_role("link", name="Contact tasks").click()
    expect(page.locator("h1")).to_have_text("Contact tasks")
    assert_accessible(page)
