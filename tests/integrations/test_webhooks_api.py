"""Webhook subscriptions through the partner API (`webhooks:manage`)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from victimcare.api.services import token_create
from victimcare.cases.constants import EventCode
from victimcare.core.models import AuditEvent
from victimcare.integrations.models import WebhookDelivery, WebhookSubscription
from victimcare.integrations.webhooks import VCS_QUALIFYING_SENTENCE
from victimcare.integrations.webhooks_services import URL_INVALID, subscription_create

BASE = "/api/v1/webhooks/"


def _client(organisation, scopes):  # type: ignore[no-untyped-def]
    _, secret = token_create(organisation=organisation, name="case system", scopes=scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@pytest.fixture
def probation_api(orgs):  # type: ignore[no-untyped-def]
    return _client(orgs["probation"], ["webhooks:manage"])


def test_a_partner_system_subscribes_and_gets_its_secret_once(probation_api, orgs):
    response = probation_api.post(
        BASE,
        {
            "name": "probation case system",
            "url": "https://probation.example.org/hooks",
            "event_types": [VCS_QUALIFYING_SENTENCE],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    subscription = WebhookSubscription.objects.get()
    assert subscription.organisation == orgs["probation"]
    assert response.json()["secret"] == subscription.secret
    listed = probation_api.get(BASE).json()
    assert [s["id"] for s in listed["results"]] == [subscription.pk]
    assert "secret" not in listed["results"][0]
    assert AuditEvent.objects.filter(object_type="integrations.webhooksubscription").exists()


def test_bad_input_names_the_field_and_saves_nothing(probation_api):
    response = probation_api.post(
        BASE,
        {"name": "x", "url": "http://probation.example.org/hooks", "event_types": ["sentenced"]},
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(e["attr"], e["detail"]) for e in errors] == [("url", URL_INVALID)]
    response = probation_api.post(
        BASE, {"name": "x", "url": "https://a.example.org", "event_types": ["nope"]}, format="json"
    )
    assert response.status_code == 400
    assert not WebhookSubscription.objects.exists()


def test_a_token_without_the_scope_is_refused(orgs):
    client = _client(orgs["probation"], ["events:read"])
    assert client.get(BASE).status_code == 403


def test_delivery_log_and_replay_and_another_organisations_log_is_not_found(
    probation_api, orgs, make_crime, officer, witness_care_officer, probation_officer
):
    from victimcare.cases.services import case_share, event_record

    subscription, _ = subscription_create(
        actor=probation_officer,
        organisation=orgs["probation"],
        name="probation case system",
        url="https://probation.example.org/hooks",
        event_types=[EventCode.SENTENCED],
    )
    crime = make_crime(offence="gbh")
    case_share(actor=officer, crime=crime, organisation=orgs["wcu"])
    case_share(actor=officer, crime=crime, organisation=orgs["probation"])
    event_record(
        actor=witness_care_officer,
        crime=crime,
        code=EventCode.SENTENCED,
        occurred_at=crime.occurred_at,
        details={"custody_months": 6},
    )
    delivery = WebhookDelivery.objects.get()
    log = probation_api.get(f"{BASE}{subscription.pk}/deliveries/")
    assert log.status_code == 200
    [row] = log.json()["results"]
    assert row["id"] == str(delivery.pk) and row["status"] == "pending"
    assert row["payload"]["event"]["code"] == EventCode.SENTENCED
    replay_url = f"{BASE}{subscription.pk}/deliveries/{delivery.pk}/replay/"
    assert probation_api.post(replay_url).status_code == 400  # still waiting
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="delivered")
    replayed = probation_api.post(replay_url)
    assert replayed.status_code == 201
    assert replayed.json()["replay_of"] == str(delivery.pk)

    wcu_api = _client(orgs["wcu"], ["webhooks:manage"])
    assert wcu_api.get(f"{BASE}{subscription.pk}/deliveries/").status_code == 404
    assert wcu_api.post(replay_url).status_code == 404
    assert WebhookDelivery.objects.count() == 2
