"""The survey import pages (/insights/surveys/): an analyst uploads a file, the
worker task checks and imports it, and the detail page shows the outcome and
every problem. Anyone without `insights.import_survey` gets 404."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from victimcare.accounts.models import User
from victimcare.insights import forms_imports
from victimcare.insights.constants import SurveyImportState
from victimcare.insights.imports import ALREADY_IMPORTED
from victimcare.insights.imports_check import RATING_INVALID
from victimcare.insights.models import SurveyImport, SurveyResponse

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"
LIST = reverse("insights:imports")


def signed_in(user: User) -> Client:
    """A client signed in as `user` (second factor waived as for demo accounts)."""
    User.objects.filter(pk=user.pk).update(otp_exempt=True)
    user.refresh_from_db()
    client = Client()
    client.force_login(user)
    return client


def text(response: Any) -> str:
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return html.unescape(re.sub(r"\s+", " ", body))


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_an_analyst_uploads_a_file_and_the_task_imports_it(
    areas, analyst, django_capture_on_commit_callbacks
) -> None:
    client = signed_in(analyst)
    page = client.get(LIST)
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.content.decode()
    content = (DATA / "survey_good.csv").read_bytes()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(LIST, {"survey": "uss", "file": upload("march.csv", content)})
    assert len(callbacks) == 1  # the worker task, rung once the upload committed
    survey_import = SurveyImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("insights:import-detail", args=[survey_import.pk])
    assert survey_import.state == SurveyImportState.IMPORTED
    assert survey_import.uploaded_by == analyst
    assert SurveyResponse.objects.filter(survey_import=survey_import).count() == 4

    detail = client.get(response["Location"])
    assert detail.status_code == 200
    assert "Imported 4 rows." in text(detail)
    assert "march.csv" in text(detail)
    status = client.get(reverse("insights:import-status", args=[survey_import.pk])).json()
    assert status == {
        "state": "imported",
        "state_label": "Imported",
        "rows_total": 4,
        "rows_checked": 4,
        "rows_imported": 4,
        "error_count": 0,
        "finished": True,
        "text": "Imported 4 rows.",
    }
    listing = text(client.get(LIST))
    assert "march.csv" in listing and "Imported" in listing


def test_a_rejected_upload_shows_every_problem_with_row_and_column(
    areas, analyst, django_capture_on_commit_callbacks
) -> None:
    client = signed_in(analyst)
    content = (DATA / "survey_mixed_problems.csv").read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(LIST, {"survey": "uss", "file": upload("bad.csv", content)})
    detail = client.get(response["Location"])
    page = text(detail)
    assert "Rejected: 8 problems found. Nothing was imported." in page
    assert f"3 rating {RATING_INVALID}" in page
    assert "7 interview_date" in page
    assert not SurveyResponse.objects.exists()


def test_the_same_file_twice_is_refused_and_nothing_is_stored(
    areas, analyst, django_capture_on_commit_callbacks
) -> None:
    client = signed_in(analyst)
    content = (DATA / "survey_good.csv").read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(LIST, {"survey": "uss", "file": upload("march.csv", content)})
    again = client.post(LIST, {"survey": "uss", "file": upload("march-copy.csv", content)})
    assert again.status_code == 400
    assert ALREADY_IMPORTED in text(again)
    assert "There is a problem" not in text(again)  # the page's own summary title
    assert "The file was not uploaded" in text(again)
    assert SurveyImport.objects.count() == 1
    assert SurveyResponse.objects.count() == 4


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"survey": "uss"}, forms_imports.FILE_REQUIRED),
        ({"survey": "", "file": ("a.csv", b"x")}, forms_imports.SURVEY_REQUIRED),
        ({"survey": "User Survey", "file": ("a.csv", b"x")}, forms_imports.SURVEY_INVALID),
        ({"survey": "uss", "file": ("results.xlsx", b"x")}, forms_imports.FILE_NOT_CSV),
        ({"survey": "uss", "file": ("results.csv", b"")}, forms_imports.FILE_EMPTY),
    ],
)
def test_a_bad_upload_gets_an_error_summary_and_nothing_is_stored(
    analyst, data: dict[str, Any], message: str
) -> None:
    if "file" in data:
        data = {**data, "file": upload(*data["file"])}
    response = signed_in(analyst).post(LIST, data)
    assert response.status_code == 400
    assert "govuk-error-summary" in response.content.decode()
    assert message in text(response)
    assert text(response).count(message) == 2  # in the summary and at the field
    assert not SurveyImport.objects.exists()


def test_a_file_over_50_mb_is_refused(analyst, monkeypatch) -> None:
    monkeypatch.setattr(forms_imports, "MAX_UPLOAD_BYTES", 10)
    response = signed_in(analyst).post(
        LIST, {"survey": "uss", "file": upload("big.csv", b"x" * 11)}
    )
    assert response.status_code == 400
    assert forms_imports.FILE_TOO_BIG in text(response)
    assert not SurveyImport.objects.exists()


def test_a_file_name_is_shown_escaped(areas, analyst, django_capture_on_commit_callbacks) -> None:
    client = signed_in(analyst)
    name = '"><img src=x onerror=alert(1)>.csv'
    with django_capture_on_commit_callbacks(execute=True):
        client.post(LIST, {"survey": "uss", "file": upload(name, b"")})
    client.post(LIST, {"survey": "uss", "file": upload(name, b"respondent_id\n")})
    survey_import = SurveyImport.objects.get()
    for page in (client.get(LIST), client.get(f"{LIST}{survey_import.pk}/")):
        assert "<img src=x" not in page.content.decode()
        assert "&lt;img src=x onerror=alert(1)&gt;.csv" in page.content.decode()


@pytest.mark.parametrize("persona", ["officer", "desk_agent", "supervisor"])
def test_people_who_may_not_import_get_404_everywhere(
    request: pytest.FixtureRequest, analyst, persona: str
) -> None:
    survey_import = SurveyImport.objects.create(survey="uss", filename="a.csv", sha256="0" * 64)
    client = signed_in(request.getfixturevalue(persona))
    for url in (
        LIST,
        reverse("insights:import-detail", args=[survey_import.pk]),
        reverse("insights:import-status", args=[survey_import.pk]),
    ):
        assert client.get(url).status_code == 404
    posted = client.post(LIST, {"survey": "uss", "file": upload("a.csv", b"x")})
    assert posted.status_code == 404
    assert SurveyImport.objects.count() == 1


def test_a_missing_import_is_404(analyst) -> None:
    client = signed_in(analyst)
    assert client.get(reverse("insights:import-detail", args=[999999])).status_code == 404


def test_a_waiting_import_shows_progress_without_refreshing_itself(analyst) -> None:
    survey_import = SurveyImport.objects.create(
        survey="uss",
        filename="big.csv",
        sha256="1" * 64,
        state=SurveyImportState.CHECKING,
        rows_total=50_000,
        rows_checked=12_000,
    )
    page = signed_in(analyst).get(reverse("insights:import-detail", args=[survey_import.pk]))
    body = page.content.decode()
    assert "Checked 12,000 of about 50,000 rows." in text(page)
    assert '<progress id="import-progress-bar" max="50000" value="12000">' in body
    assert 'aria-live="polite"' in body
    assert "http-equiv" not in body
    assert "Refresh this page" in text(page)
