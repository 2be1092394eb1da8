"""The support organisation's inbox in a real browser: the demo support
caseworker opens "Referrals received", reads a referral (its snapshot, history
and problems) and reports a wrong phone number by keyboard only, meeting the
error summary first. Every page is checked with axe-core (zero WCAG 2.2 AA
violations). The referral is made in the server's database by a `manage shell`
run, as the sending part of the flow would leave it."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from victimcare.accounts.constants import Role
from victimcare.demo.catalogue import demo_catalogue
from victimcare.referrals.inbox import PROBLEM_DESCRIPTION_REQUIRED

from .conftest import VICTIMCARE, _run, _server_env
from .support import Server, assert_accessible
from .test_cases import OFFICER, sign_in, unique_crn

pytestmark = pytest.mark.browser

CASEWORKER = next(
    s
    for s in demo_catalogue(name=settings.REFERENCE_DATA).sign_ins
    if s.role == Role.SUPPORT_CASEWORKER
)
VICTIM_PHONE = "07700 900671"  # unique among the browser tests (one live database)
DESCRIPTION = "The number rings a business that does not know the victim."

_MAKE_REFERRAL = """import datetime as dt, json
from django.utils import timezone
from victimcare.accounts.models import Area, User
from victimcare.cases.models import CrimeVictim, Offence
from victimcare.cases.services import VictimInput, crime_create
from victimcare.referrals.models import Referral, ReferralSnapshot, ReferralStatusEvent, SupportService
from victimcare.referrals.snapshot import snapshot_build, snapshot_dumps
caseworker = User.objects.get(email=__EMAIL__)
service = SupportService.objects.filter(organisation=caseworker.organisation).first()
if service is None:
    service = SupportService.objects.create(
        organisation=caseworker.organisation, name="Browser test support", kind="general"
    )
officer = User.objects.get(email=__OFFICER__)
crime = crime_create(
    actor=officer,
    crn=__CRN__,
    offence=Offence.objects.filter(code="common-assault").first() or Offence.objects.first(),
    occurred_at=timezone.now() - dt.timedelta(hours=2),
    area=Area.objects.filter(bcu=officer.organisation.parent).order_by("pk").first(),
    victims=[VictimInput(full_name="Ines Inboxperson", phone=__PHONE__)],
)
link = CrimeVictim.objects.select_related("crime", "victim").get(crime=crime)
text = snapshot_dumps(snapshot_build(crime=link.crime, victim=link.victim, risk_level="standard"))
referral = Referral.objects.create(
    crime=link.crime, victim=link.victim, service=service, organisation=service.organisation,
    consent_basis="automatic", risk_level="standard", automatic=True, snapshot=text,
    within_deadline=True,
)
ReferralSnapshot.objects.create(referral=referral, version=1, data=text)
ReferralStatusEvent.objects.create(referral=referral, to_state="sent")
print(json.dumps({"referral": referral.pk, "service": service.name}))
"""


@pytest.fixture(scope="module")
def referral(server: Server) -> dict:
    script = (
        _MAKE_REFERRAL.replace("__EMAIL__", repr(CASEWORKER.email))
        .replace("__OFFICER__", repr(OFFICER.email))
        .replace("__CRN__", repr(unique_crn()))
        .replace("__PHONE__", repr(VICTIM_PHONE))
    )
    output = _run(
        [str(VICTIMCARE), "manage", "shell", "-c", script],
        _server_env(server.var_dir),
        "Making a referral",
    )
    return json.loads(output.strip().splitlines()[-1])


def tab_to(page: Page, selector: str, limit: int = 150) -> None:
    """Press Tab until the focused element matches `selector`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    pytest.fail(f"Tab never reached {selector} on {page.url}")


def test_the_caseworker_reads_a_referral_and_reports_a_problem_by_keyboard(
    page: Page, referral: dict
):
    referral_id = referral["referral"]
    sign_in(page, CASEWORKER.email)

    # The inbox, from the navigation.
    tab_to(page, 'header a[href="/referrals/inbox/"]')
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Referrals to your service")
    expect(page.locator("#inbox")).to_contain_text(f"Referral {referral_id}")
    assert_accessible(page)

    # The referral page.
    tab_to(page, f'a[href="/referrals/inbox/{referral_id}/"]')
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text(f"Referral {referral_id}")
    expect(page.locator("#snapshot")).to_contain_text("Crime reference number")
    expect(page.locator("#history")).to_contain_text("Sent")
    assert_accessible(page)

    # Report a problem: first without a description.
    tab_to(page, "#report-problem")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Report a problem with the details")
    assert_accessible(page)
    tab_to(page, "input[name='kind']")
    page.keyboard.press("Space")
    tab_to(page, "button.govuk-button")
    page.keyboard.press("Enter")
    expect(page.locator(".govuk-error-summary")).to_contain_text(PROBLEM_DESCRIPTION_REQUIRED)
    assert_accessible(page)

    # The error summary's link takes the focus to the description.
    tab_to(page, ".govuk-error-summary a")
    page.keyboard.press("Enter")
    expect(page.locator("#id_description")).to_be_focused()
    page.keyboard.type(DESCRIPTION)
    tab_to(page, "button.govuk-button")
    page.keyboard.press("Enter")

    expect(page.locator("h1")).to_have_text(f"Referral {referral_id}")
    expect(page.locator("#problems")).to_contain_text("Wrong or missing phone number")
    expect(page.locator("#problems")).to_contain_text(DESCRIPTION)
    expect(page.locator("#problems")).to_contain_text("To fix")
    assert_accessible(page)
