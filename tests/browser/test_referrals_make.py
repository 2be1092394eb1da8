"""Make a referral in a real browser: the demo officer opens the referral page
from the case page of a bereaved relative (a road death), meets the gate's
problems in the error summary (explicit consent first, no needs assessment),
and once the needs are recorded sends the referral with the keyboard only,
recording the relative's consent on the way. Every page is checked with
axe-core (zero violations); console errors and CSP violations fail the test
(the `page` fixture). No personal data reaches a URL.

The crime, the person and a support service are made in the server's database
by a `manage shell` run from the test (as other browser tests create data)."""

from __future__ import annotations

import json
import re
import secrets

import pytest
from playwright.sync_api import Page, expect

from victimcare.referrals import gate

from .conftest import VICTIMCARE, _run, _server_env
from .support import Server, assert_accessible, screenshot
from .test_cases import OFFICER, sign_in
from .test_desk_pages import tab_to

pytestmark = pytest.mark.browser

RELATIVE_NAME = "Teodor Przyklad"

_MAKE_CASE = """
import datetime as dt, json
from django.utils import timezone
from victimcare.accounts.constants import OrganisationKind
from victimcare.accounts.models import Area, Organisation, User
from victimcare.cases.models import Offence
from victimcare.cases.services import VictimInput, crime_create
from victimcare.referrals.models import SupportService
officer = User.objects.get(email="{email}")
area = Area.objects.filter(bcu=officer.organisation.parent).order_by("pk").first()
charity = Organisation.objects.filter(kind=OrganisationKind.SUPPORT_ORGANISATION).order_by("pk").first()
if charity is None:
    charity = Organisation.objects.create(
        kind=OrganisationKind.SUPPORT_ORGANISATION, name="Browser Test Support", code="browser-support"
    )
service = SupportService.objects.create(
    organisation=charity, name="{service}", kind="general", receive_by="victimcare",
    referral_email="referrals@support.example.org",
)
service.boroughs.add(area)
crime = crime_create(
    actor=officer, crn="{crn}", offence=Offence.objects.get(code="death-by-dangerous-driving"),
    occurred_at=timezone.now() - dt.timedelta(days=1), area=area,
    victims=[VictimInput(full_name="{name}", phone="{phone}", role="bereaved_relative")],
)
link = crime.victim_links.get()
print(json.dumps({{"crime": crime.pk, "victim": link.victim_id, "service": service.pk}}))
"""

_RECORD_NEEDS = """
from victimcare.accounts.models import User
from victimcare.cases.models import Crime, Victim
from victimcare.cases.services import NeedsInput, needs_assessment_record
officer = User.objects.get(email="{email}")
needs_assessment_record(
    actor=officer, victim=Victim.objects.get(pk={victim}), crime=Crime.objects.get(pk={crime}),
    needs=NeedsInput(support_wanted=["emotional"]),
)
print("ok")
"""


def _shell(server: Server, script: str, what: str) -> str:
    return _run(
        [str(VICTIMCARE), "manage", "shell", "-c", script], _server_env(server.var_dir), what
    )


def test_gate_errors_then_a_keyboard_only_referral(page: Page, server: Server):
    visited: list[str] = []
    page.on("framenavigated", lambda frame: visited.append(frame.url))
    serial = secrets.randbelow(100_000)
    service_name = f"Zephyr Browser Support {serial:05d}"
    phone = f"07700 900{secrets.randbelow(1000):03d}"
    output = _shell(
        server,
        _MAKE_CASE.format(
            email=OFFICER.email,
            crn=f"95{serial:05d}/26",
            service=service_name,
            name=RELATIVE_NAME,
            phone=phone,
        ),
        "Recording a crime and a support service",
    )
    made = json.loads(output.strip().splitlines()[-1])

    sign_in(page, OFFICER.email)
    page.goto(f"/cases/{made['crime']}/")
    page.get_by_role("link", name=re.compile("Refer to a support service")).click()
    expect(page.locator("h1")).to_have_text("Refer to a support service")
    expect(page.locator("#consent-position")).to_contain_text("Ask the victim first")
    assert_accessible(page)

    # Sent as it stands: the gate lists what to fix, nothing is sent.
    page.locator("#service").select_option(str(made["service"]))
    page.get_by_label("Standard").check()
    page.get_by_role("button", name="Send the referral").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text(
        gate.CONSENT_EXPLICIT.format(reason="they are bereaved by crime")
    )
    expect(summary).to_contain_text(gate.NEEDS_MISSING)
    assert page.title().startswith("Error: ")
    expect(page.locator("#referrals-made")).to_have_text("No referral has been made yet.")
    assert_accessible(page)
    screenshot(page, "referral-gate-errors")

    _shell(
        server,
        _RECORD_NEEDS.format(email=OFFICER.email, victim=made["victim"], crime=made["crime"]),
        "Recording the needs assessment",
    )
    page.goto(f"/referrals/crimes/{made['crime']}/victims/{made['victim']}/")
    expect(page.locator("h1")).to_have_text("Refer to a support service")

    # Keyboard only from here.
    select = page.locator("#service")
    tab_to(page, select)
    page.keyboard.type("Zephyr")
    expect(select).to_have_value(str(made["service"]))
    standard = page.get_by_label("Standard")
    tab_to(page, standard)
    page.keyboard.press("Space")
    expect(standard).to_be_checked()
    agreed = page.get_by_label("The victim has agreed to this referral")
    tab_to(page, agreed)
    page.keyboard.press("Space")
    expect(agreed).to_be_checked()
    in_person = page.get_by_label("In person")
    tab_to(page, in_person)
    page.keyboard.press("Space")
    expect(in_person).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Send the referral"))
    page.keyboard.press("Enter")

    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        f"Referral sent to {service_name}"
    )
    expect(page.locator("#referrals-made")).to_contain_text(service_name)
    expect(page.locator("#referrals-made")).to_contain_text("Sent")
    expect(page.locator("#consent-position")).to_contain_text("agreed to be referred")
    assert_accessible(page)
    screenshot(page, "referral-sent")

    digits = phone.replace(" ", "")
    for url in visited:
        assert "Teodor" not in url and "Przyklad" not in url and digits[1:] not in url
