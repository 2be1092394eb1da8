"""Survey imports in a real browser: the demo analyst (MOPAC) opens "Survey
imports" from the navigation, meets the error summary when no file is chosen,
uploads a small CSV file, and the page for the import shows it imported once
the worker has checked it (the page's script follows the progress and reloads;
no automatic refresh). A file with a problem shows the problem with its row and
column. Every page passes axe-core (zero WCAG 2.2 AA violations)."""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from victimcare.accounts.constants import Role
from victimcare.demo.catalogue import demo_catalogue

from .support import assert_accessible
from .test_cases import sign_in

pytestmark = pytest.mark.browser

_SIGN_INS = demo_catalogue(name=settings.REFERENCE_DATA).sign_ins
ANALYST = next(s for s in _SIGN_INS if s.role == Role.ANALYST)
HEADER = (
    "respondent_id,interview_date,borough,offence_group,contact_type,"
    "age_band,ethnicity,disability,needs_recognised,rating"
)
WORKER_SECONDS = 60_000  # the worker picks the task up within a few seconds


def _upload(page: Page, survey: str, name: str, content: str) -> None:
    page.get_by_label("Survey").fill(survey)
    page.get_by_label("Upload a file").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": content.encode()}
    )
    page.get_by_role("button", name="Upload and check the file").click()


def test_an_analyst_uploads_a_survey_file_and_sees_it_imported(page: Page) -> None:
    # A fresh survey name per run: respondent ids are unique within a survey.
    survey = f"browser-{uuid.uuid4().hex[:8]}"
    sign_in(page, ANALYST.email)
    page.get_by_role("link", name="Survey imports").click()
    expect(page.locator("h1")).to_have_text("Survey imports")
    assert_accessible(page)

    page.get_by_role("button", name="Upload and check the file").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select a CSV file")
    assert_accessible(page)

    good = "\n".join(
        [
            HEADER,
            "B-1,2026-03-02,E09000012,burglary,visit,25_34,black,no,yes,5",
            "B-2,2026-03-03,Hackney,theft,call,under_16,asian,yes,no,4",
            "B-3,2026-04-01,Enfield,robbery,report,65_plus,white,not_said,not_sure,2",
        ]
    )
    _upload(page, survey, "march.csv", good + "\n")
    expect(page.locator("h1")).to_contain_text("Survey import")
    expect(page.get_by_text("File imported")).to_be_visible(timeout=WORKER_SECONDS)
    expect(page.locator(".govuk-panel")).to_contain_text("Imported 3 rows.")
    assert_accessible(page)

    page.get_by_role("link", name="Upload another file").click()
    expect(page.locator("#imports")).to_contain_text("march.csv")
    bad = HEADER + "\nB-4,2026-03-02,E09000012,burglary,visit,25_34,black,no,yes,7\n"
    _upload(page, survey, "april.csv", bad)
    problems = page.get_by_role("table", name="Problems found")
    expect(problems).to_contain_text("rating", timeout=WORKER_SECONDS)
    expect(problems).to_contain_text("The rating must be a whole number from 1 to 5")
    expect(page.locator(".govuk-warning-text")).to_contain_text("Nothing was imported")
    assert_accessible(page)
