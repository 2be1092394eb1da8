"""The upload pages (/integrations/uploads/): a witness care officer uploads a
court list, the worker checks and records it, and the detail page shows the
outcome and every problem. Desk agents and support caseworkers get 404, and
nobody sees another organisation's upload."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from victimcare.accounts.models import User
from victimcare.cases.models import JourneyEvent
from victimcare.integrations import forms_uploads
from victimcare.integrations.bulk import CRIME_UNKNOWN
from victimcare.integrations.constants import UploadState
from victimcare.integrations.models import BulkUpload

from .test_bulk import csv_bytes, hearing_row, shared_crime

pytestmark = pytest.mark.django_db
LIST = reverse("integrations:uploads")


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


def test_a_witness_care_officer_uploads_a_court_list_and_it_is_recorded(
    make_crime, officer, orgs, witness_care_officer, django_capture_on_commit_callbacks
) -> None:
    crimes = [shared_crime(make_crime, officer, orgs) for _ in range(2)]
    client = signed_in(witness_care_officer)
    page = client.get(LIST)
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.content.decode()
    assert "Upload events" in text(page)
    content = csv_bytes([hearing_row(c) for c in crimes])
    before = JourneyEvent.objects.count()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(LIST, {"file": SimpleUploadedFile("list.csv", content)})

    assert len(callbacks) == 1  # the worker task, rung once the upload committed
    upload = BulkUpload.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("integrations:upload-detail", args=[upload.pk])
    assert upload.state == UploadState.APPLIED
    assert upload.organisation == witness_care_officer.organisation
    assert JourneyEvent.objects.count() == before + 2
    detail = text(client.get(response["Location"]))
    assert "Recorded 2 new events." in detail
    assert "list.csv" in detail
    status = client.get(reverse("integrations:upload-status", args=[upload.pk])).json()
    assert status["state"] == "applied"
    assert status["rows_applied"] == 2
    assert status["finished"] is True
    assert "list.csv" in text(client.get(LIST))


def test_a_rejected_upload_shows_every_problem_with_row_and_column(
    make_crime, officer, orgs, witness_care_officer, django_capture_on_commit_callbacks
) -> None:
    crime = shared_crime(make_crime, officer, orgs)
    client = signed_in(witness_care_officer)
    rows = [hearing_row(crime), hearing_row(crime, crime_reference="9999999/26")]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(LIST, {"file": SimpleUploadedFile("bad.csv", csv_bytes(rows))})
    page = text(client.get(response["Location"]))
    assert "Rejected: 1 problem found. Nothing was recorded." in page
    assert f"3 crime_reference {CRIME_UNKNOWN}" in page
    assert not JourneyEvent.objects.filter(code="hearing_scheduled").exists()


def test_a_page_shows_progress_while_the_file_is_checked(witness_care_officer) -> None:
    from victimcare.integrations.bulk import bulk_upload_create

    upload = bulk_upload_create(
        actor=witness_care_officer,
        filename="a.csv",
        content=b"x\n" * 500,
        upload_format="csv",
        enqueue=False,
    )
    BulkUpload.objects.filter(pk=upload.pk).update(state=UploadState.CHECKING, rows_checked=200)
    page = signed_in(witness_care_officer).get(
        reverse("integrations:upload-detail", args=[upload.pk])
    )
    body = page.content.decode()
    assert "Checked 200 of 499 rows." in text(page)
    assert '<progress id="upload-progress-bar" max="499" value="200">' in body
    assert "Refresh this page" in body
    assert 'http-equiv="refresh"' not in body


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("list.txt", b"crime_reference", forms_uploads.FILE_WRONG_TYPE),
        ("list.csv", b"", forms_uploads.FILE_EMPTY),
    ],
)
def test_a_bad_file_is_refused_with_an_error_summary_and_nothing_stored(
    witness_care_officer, name: str, content: bytes, message: str
) -> None:
    response = signed_in(witness_care_officer).post(
        LIST, {"file": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 400
    assert "The file was not uploaded" in text(response)
    assert message in text(response)
    assert not BulkUpload.objects.exists()


def test_a_file_over_10_mb_is_refused_by_the_form(witness_care_officer, monkeypatch) -> None:
    monkeypatch.setattr(forms_uploads, "MAX_BYTES", 10)
    response = signed_in(witness_care_officer).post(
        LIST, {"file": SimpleUploadedFile("big.csv", b"x" * 11)}
    )
    assert response.status_code == 400
    assert forms_uploads.FILE_TOO_BIG in text(response)
    assert not BulkUpload.objects.exists()


@pytest.mark.parametrize("persona", ["desk_agent", "support_caseworker", "analyst"])
def test_people_who_may_not_upload_get_404(request, persona: str, witness_care_officer) -> None:
    from victimcare.integrations.bulk import bulk_upload_create

    upload = bulk_upload_create(
        actor=witness_care_officer,
        filename="a.csv",
        content=b"x",
        upload_format="csv",
        enqueue=False,
    )
    client = signed_in(request.getfixturevalue(persona))
    assert client.get(LIST).status_code == 404
    assert client.post(LIST, {"file": SimpleUploadedFile("a.csv", b"x")}).status_code == 404
    assert client.get(reverse("integrations:upload-detail", args=[upload.pk])).status_code == 404
    assert BulkUpload.objects.count() == 1


def test_another_organisations_upload_is_404(witness_care_officer, probation_officer) -> None:
    from victimcare.integrations.bulk import bulk_upload_create

    upload = bulk_upload_create(
        actor=witness_care_officer,
        filename="a.csv",
        content=b"x",
        upload_format="csv",
        enqueue=False,
    )
    client = signed_in(probation_officer)
    assert client.get(LIST).status_code == 200
    assert "a.csv" not in text(client.get(LIST))
    assert client.get(reverse("integrations:upload-detail", args=[upload.pk])).status_code == 404
    assert client.get(reverse("integrations:upload-status", args=[upload.pk])).status_code == 404
