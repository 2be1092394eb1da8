"""Idempotency-Key on the partner API's POSTs and PATCHes: a retry with the same key
and request gets the first response again and writes nothing; the same key with a
different request is 409; a malformed key is 400 naming the header."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from victimcare.api.idempotency import HEADER, REPLAYED_HEADER
from victimcare.api.messages import IDEMPOTENCY_CONFLICT, IDEMPOTENCY_KEY_INVALID
from victimcare.api.models import IdempotencyRecord
from victimcare.api.services import token_create
from victimcare.cases.constants import EventCode
from victimcare.cases.models import Crime, NeedsAssessment
from victimcare.cases.services import case_share, event_record
from victimcare.duties.models import Duty
from victimcare.integrations.models import BulkUpload, WebhookDelivery, WebhookSubscription
from victimcare.integrations.webhooks import VCS_QUALIFYING_SENTENCE
from victimcare.integrations.webhooks_services import subscription_create

from .conftest import CRN_IN_PATH, Token

WEBHOOKS = "/api/v1/webhooks/"
SUBSCRIPTION = {
    "name": "probation case system",
    "url": "https://probation.example.org/hooks",
    "event_types": [VCS_QUALIFYING_SENTENCE],
}


@pytest.fixture(autouse=True)
def _fresh_throttle_counters() -> None:
    cache.clear()


def _client(organisation, scopes):  # type: ignore[no-untyped-def]
    _, secret = token_create(organisation=organisation, name="case system", scopes=scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@pytest.fixture
def probation_api(orgs):  # type: ignore[no-untyped-def]
    return _client(orgs["probation"], ["webhooks:manage"])


def _key(value: str) -> dict[str, str]:
    return {"HTTP_IDEMPOTENCY_KEY": value}


def test_a_retried_subscription_returns_the_first_response_and_makes_one(probation_api) -> None:
    first = probation_api.post(WEBHOOKS, SUBSCRIPTION, format="json", **_key("sub-1"))
    assert first.status_code == 201, first.json()

    # Key order does not matter: the same request.
    retry = probation_api.post(
        WEBHOOKS, dict(reversed(SUBSCRIPTION.items())), format="json", **_key("sub-1")
    )

    assert retry.status_code == 201
    assert retry.json() == first.json()
    assert retry[REPLAYED_HEADER] == "true"
    assert REPLAYED_HEADER not in first
    subscription = WebhookSubscription.objects.get()
    assert retry.json()["secret"] == subscription.secret
    # The signing secret is never copied into the idempotency record.
    record = IdempotencyRecord.objects.get(key="sub-1")
    assert record.operation == "webhook_create" and record.response_status == 201
    assert subscription.secret not in json.dumps(record.response_body)


def test_the_same_key_with_a_different_body_is_409(probation_api) -> None:
    probation_api.post(WEBHOOKS, SUBSCRIPTION, format="json", **_key("sub-1"))

    response = probation_api.post(
        WEBHOOKS, {**SUBSCRIPTION, "name": "another system"}, format="json", **_key("sub-1")
    )

    assert response.status_code == 409
    [error] = response.json()["errors"]
    assert error["code"] == "idempotency_conflict" and error["detail"] == IDEMPOTENCY_CONFLICT
    assert WebhookSubscription.objects.count() == 1


@pytest.mark.parametrize("key", ["", "has space", "x" * 101, "é"])
def test_a_malformed_key_is_400_naming_the_header(probation_api, key: str) -> None:
    response = probation_api.post(WEBHOOKS, SUBSCRIPTION, format="json", **_key(key))

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    [error] = response.json()["errors"]
    assert error["detail"] == IDEMPOTENCY_KEY_INVALID and HEADER in error["detail"]
    assert (error["attr"], error["code"]) == (HEADER, "invalid")
    assert not WebhookSubscription.objects.exists()


def test_a_refused_request_keeps_its_key_free_for_the_corrected_one(probation_api) -> None:
    bad = probation_api.post(
        WEBHOOKS, {**SUBSCRIPTION, "url": "http://insecure.example.org"}, format="json", **_key("k")
    )
    assert bad.status_code == 400
    good = probation_api.post(WEBHOOKS, SUBSCRIPTION, format="json", **_key("k"))
    assert good.status_code == 201


def test_keys_are_per_organisation(probation_api, orgs) -> None:
    probation_api.post(WEBHOOKS, SUBSCRIPTION, format="json", **_key("sub-1"))
    wcu_api = _client(orgs["wcu"], ["webhooks:manage"])
    response = wcu_api.post(
        WEBHOOKS, {**SUBSCRIPTION, "name": "wcu"}, format="json", **_key("sub-1")
    )
    assert response.status_code == 201
    assert WebhookSubscription.objects.count() == 2


def test_a_retried_replay_queues_one_delivery(
    probation_api, orgs, crime, officer, witness_care_officer, probation_officer
) -> None:
    subscription, _ = subscription_create(
        actor=probation_officer,
        organisation=orgs["probation"],
        name="probation case system",
        url="https://probation.example.org/hooks",
        event_types=[EventCode.SENTENCED],
    )
    case_share(actor=officer, crime=crime, organisation=orgs["probation"])
    event_record(
        actor=witness_care_officer,
        crime=crime,
        code=EventCode.SENTENCED,
        occurred_at=crime.occurred_at,
        details={"custody_months": 6},
    )
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="delivered")
    url = f"{WEBHOOKS}{subscription.pk}/deliveries/{delivery.pk}/replay/"

    first = probation_api.post(url, **_key("replay-1"))
    retry = probation_api.post(url, **_key("replay-1"))

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json() and retry[REPLAYED_HEADER] == "true"
    assert WebhookDelivery.objects.count() == 2
    # The same key for another operation is a different request.
    other = probation_api.post(WEBHOOKS, SUBSCRIPTION, format="json", **_key("replay-1"))
    assert other.status_code == 409


def test_a_retried_bulk_upload_is_one_upload(orgs, django_capture_on_commit_callbacks) -> None:
    client = _client(orgs["wcu"], ["bulk:write"])
    body = json.dumps({"events": []}).encode()

    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(
            "/api/v1/bulk-uploads/", body, content_type="application/json", **_key("b-1")
        )
        retry = client.post(
            "/api/v1/bulk-uploads/", body, content_type="application/json", **_key("b-1")
        )
        other = client.post(
            "/api/v1/bulk-uploads/",
            b'{"events": [], "x": 1}',
            content_type="application/json",
            **_key("b-1"),
        )

    assert first.status_code == retry.status_code == 202, first.json()
    assert retry.json()["id"] == first.json()["id"]
    assert retry["Location"] == first["Location"] and retry[REPLAYED_HEADER] == "true"
    assert other.status_code == 409
    assert BulkUpload.objects.count() == 1


def test_a_retried_contact_patch_is_replayed_not_refused_as_stale(
    police_token: Token, crime: Crime
) -> None:
    client = police_token.client()
    victim = crime.victim_links.get().victim
    url = f"/api/v1/crimes/{CRN_IN_PATH}/victims/{victim.pk}/contact/"
    etag = client.get(url)["ETag"]
    body = {"communication_needs": "Large print"}

    first = client.patch(url, body, format="json", HTTP_IF_MATCH=etag, **_key("c-1"))
    retry = client.patch(url, body, format="json", HTTP_IF_MATCH=etag, **_key("c-1"))

    assert first.status_code == retry.status_code == 200
    assert retry.json() == first.json() and retry[REPLAYED_HEADER] == "true"
    assert NeedsAssessment.objects.get(victim=victim).versions.count() == 2
    conflict = client.patch(
        url, {"communication_needs": "Calls only"}, format="json", HTTP_IF_MATCH=etag, **_key("c-1")
    )
    assert conflict.status_code == 409


def test_a_retried_duty_completion_is_replayed(police_token: Token, crime: Crime) -> None:
    duty = Duty.objects.get(crime=crime, rule__code="crime-reported-support-referral")
    call, _ = event_record(
        actor=crime.oic,
        crime=crime,
        code=EventCode.CONTACT_CALL,
        occurred_at=timezone.now() - dt.timedelta(hours=1),
        victim=crime.victim_links.get().victim,
    )
    url = f"/api/v1/crimes/{CRN_IN_PATH}/duties/{duty.pk}/complete/"
    client = police_token.client()

    first = client.post(url, {"event_id": call.pk}, format="json", **_key("d-1"))
    retry = client.post(url, {"event_id": call.pk}, format="json", **_key("d-1"))

    assert first.status_code == retry.status_code == 200, first.json()
    assert retry.json() == first.json() and retry[REPLAYED_HEADER] == "true"
    assert IdempotencyRecord.objects.filter(key="d-1").count() == 1
    assert client.post(url, {"event_id": 1}, format="json", **_key("d-1")).status_code == 409
