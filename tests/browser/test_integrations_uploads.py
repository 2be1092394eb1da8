"""Bulk upload in a real browser: the demo's witness care officer uploads a
small court list whose crime reference does not exist, and once the worker
has checked it sees the problems table with the row and column. Every page
passes axe-core (zero WCAG 2.2 AA violations). (Rules and permissions are
tested in tests/integrations/test_bulk*.py.)"""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from victimcare.accounts.constants import OrganisationKind, Role
from victimcare.demo.catalogue import demo_catalogue
from victimcare.integrations.bulk import CRIME_UNKNOWN

from .support import assert_accessible
from .test_cases import sign_in
from .test_desk_pages import tab_to

pytestmark = pytest.mark.browser

_CATALOGUE = demo_catalogue(name=settings.REFERENCE_DATA)
_WCU_CODES = {
    o.code for o in _CATALOGUE.organisations if o.kind == OrganisationKind.WITNESS_CARE_UNIT
}
WITNESS_CARE_OFFICER = next(
    s
    for s in _CATALOGUE.sign_ins
    if s.role == Role.PARTNER_CASEWORKER and s.organisation in _WCU_CODES
)
COURT_LIST = (
    b"crime_reference,event,occurred_at,victim_id,details,idempotency_key\r\n"
    b'0000001/99,hearing_scheduled,2026-01-05T09:00:00+00:00,,"{""hearing_at"": '
    b'""2026-02-02T10:00:00+00:00"", ""court"": ""Example Magistrates\' Court""}",list-0001\r\n'
)


def test_a_witness_care_officer_sees_the_problems_of_an_upload(page: Page):
    sign_in(page, WITNESS_CARE_OFFICER.email)
    page.goto("/integrations/uploads/")
    expect(page.locator("h1")).to_have_text("Upload events")
    assert_accessible(page)

    page.set_input_files(
        "#id_file", files=[{"name": "court-list.csv", "mimeType": "text/csv", "buffer": COURT_LIST}]
    )
    tab_to(page, page.get_by_role("button", name="Upload and check the file"))
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text("Upload ")

    # The worker checks it in the background; the page has a Refresh link, no meta refresh.
    refresh = page.get_by_role("link", name="Refresh this page")
    for _ in range(30):
        if not refresh.count():
            break
        page.wait_for_timeout(1000)
        refresh.click()
    problems = page.locator("#problems")
    expect(problems).to_contain_text("crime_reference")
    expect(problems).to_contain_text(CRIME_UNKNOWN)
    expect(page.locator("body")).to_contain_text("Rejected: 1 problem found. Nothing was recorded.")
    assert_accessible(page)
