"""Bulk uploads through the API (`bulk:write`): a Witness Care Unit's system
posts a JSON body or a CSV file and polls the upload for its outcome."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from victimcare.api.services import token_create
from victimcare.api.views_bulk import TOO_BIG
from victimcare.cases.models import JourneyEvent
from victimcare.integrations.bulk import CRIME_UNKNOWN
from victimcare.integrations.models import BulkUpload

from .test_bulk import csv_bytes, hearing_row, json_bytes, shared_crime

pytestmark = pytest.mark.django_db
URL = "/api/v1/bulk-uploads/"


@pytest.fixture(autouse=True)
def _fresh_throttle_counters() -> None:
    cache.clear()


def client_for(organisation, scopes: list[str]) -> APIClient:  # type: ignore[no-untyped-def]
    token, secret = token_create(organisation=organisation, name="case system")
    token.scopes = scopes
    token.save(update_fields=["scopes"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def test_a_wcu_system_posts_json_and_reads_the_outcome(
    make_crime, officer, orgs, django_capture_on_commit_callbacks
) -> None:
    crimes = [shared_crime(make_crime, officer, orgs) for _ in range(2)]
    client = client_for(orgs["wcu"], ["bulk:write"])
    before = JourneyEvent.objects.count()
    body = json_bytes([hearing_row(c, idempotency_key=f"k-{c.pk}") for c in crimes])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, body, content_type="application/json")

    assert response.status_code == 202, response.json()
    upload_id = response.json()["id"]
    assert response["Location"] == f"{URL}{upload_id}/"
    status = client.get(response["Location"]).json()
    assert status["state"] == "applied"
    assert status["rows_applied"] == 2
    assert status["errors"] == []
    assert JourneyEvent.objects.count() == before + 2


def test_a_csv_file_with_a_problem_is_listed_in_the_status(
    make_crime, officer, orgs, django_capture_on_commit_callbacks
) -> None:
    crime = shared_crime(make_crime, officer, orgs)
    client = client_for(orgs["wcu"], ["bulk:write"])
    content = csv_bytes([hearing_row(crime, crime_reference="9999999/26")])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"file": SimpleUploadedFile("list.csv", content)})
    assert response.status_code == 202
    status = client.get(response["Location"]).json()
    assert status["state"] == "rejected"
    assert status["errors"] == [{"row": 2, "column": "crime_reference", "message": CRIME_UNKNOWN}]


def test_without_the_scope_the_upload_is_refused(orgs) -> None:
    client = client_for(orgs["wcu"], ["events:write"])
    response = client.post(URL, b'{"events": []}', content_type="application/json")
    assert response.status_code == 403
    assert response.json()["type"] == "client_error"
    assert not BulkUpload.objects.exists()


def test_an_organisation_that_may_not_upload_is_refused(orgs) -> None:
    client = client_for(orgs["charity"], ["bulk:write"])
    response = client.post(URL, b'{"events": []}', content_type="application/json")
    assert response.status_code == 403
    assert not BulkUpload.objects.exists()


def test_bad_bodies_are_refused_in_the_standard_format(orgs) -> None:
    client = client_for(orgs["wcu"], ["bulk:write"])
    malformed = client.post(URL, b'{"events": [', content_type="application/json")
    assert malformed.status_code == 400
    assert malformed.json()["type"] == "client_error"
    too_big = client.post(
        URL,
        json.dumps({"events": [], "pad": "x" * (10 * 1024 * 1024)}),
        content_type="application/json",
    )
    assert too_big.status_code == 413
    assert too_big.json()["errors"][0]["detail"] == TOO_BIG
    no_file = client.post(URL, {"other": "x"})
    assert no_file.status_code == 400
    assert no_file.json()["errors"][0]["attr"] == "file"
    assert not BulkUpload.objects.exists()


def test_another_organisations_upload_is_404(orgs, witness_care_officer) -> None:
    from victimcare.integrations.bulk import bulk_upload_create

    upload = bulk_upload_create(
        actor=witness_care_officer,
        filename="a.csv",
        content=b"x",
        upload_format="csv",
        enqueue=False,
    )
    assert client_for(orgs["wcu"], ["bulk:write"]).get(f"{URL}{upload.pk}/").status_code == 200
    assert client_for(orgs["cps"], ["bulk:write"]).get(f"{URL}{upload.pk}/").status_code == 404
    assert client_for(orgs["cps"], ["bulk:write"]).get(f"{URL}999999/").status_code == 404
