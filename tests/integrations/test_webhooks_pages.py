"""Webhook pages: who may manage which subscriptions, creating one (the secret
shown once), bad input, the delivery log, replay, disable and enable."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory
from victimcare.accounts.constants import Role
from victimcare.accounts.models import User
from victimcare.cases.constants import EventCode
from victimcare.cases.services import case_share, event_record
from victimcare.core.models import AuditEvent
from victimcare.integrations.constants import DeliveryStatus
from victimcare.integrations.models import WebhookDelivery, WebhookSubscription
from victimcare.integrations.webhooks import VCS_QUALIFYING_SENTENCE
from victimcare.integrations.webhooks_services import (
    EVENT_TYPES_REQUIRED,
    NAME_REQUIRED,
    URL_INVALID,
    subscription_create,
)

HTTPS_URL = "https://probation.example.org/webhooks"


def signed_in(user: User) -> Client:
    User.objects.filter(pk=user.pk).update(otp_exempt=True)
    user.refresh_from_db()
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def probation_supervisor(orgs):  # type: ignore[no-untyped-def]
    return UserFactory(
        organisation=orgs["probation"], role=Role.SUPERVISOR, email="paula.probation@example.org"
    )


@pytest.fixture
def wcu_supervisor(orgs):  # type: ignore[no-untyped-def]
    return UserFactory(organisation=orgs["wcu"], role=Role.SUPERVISOR, email="will.wcu@example.org")


def _create(user, organisation):  # type: ignore[no-untyped-def]
    return subscription_create(
        actor=user,
        organisation=organisation,
        name="case system",
        url=HTTPS_URL,
        event_types=[EventCode.SENTENCED],
    )[0]


def test_a_probation_supervisor_adds_a_webhook_and_sees_the_secret_once(probation_supervisor, orgs):
    client = signed_in(probation_supervisor)
    assert client.get(reverse("integrations:webhook-new")).status_code == 200
    response = client.post(
        reverse("integrations:webhook-new"),
        {
            "name": "probation case system",
            "url": HTTPS_URL,
            "event_types": [VCS_QUALIFYING_SENTENCE],
        },
    )
    assert response.status_code == 200
    subscription = WebhookSubscription.objects.get()
    assert subscription.organisation == orgs["probation"]
    assert subscription.event_types == [VCS_QUALIFYING_SENTENCE]
    assert subscription.secret in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    detail = client.get(reverse("integrations:webhook-detail", args=[subscription.pk]))
    assert detail.status_code == 200
    assert subscription.secret not in detail.content.decode()
    assert AuditEvent.objects.filter(
        action="create", object_type="integrations.webhooksubscription"
    ).exists()


def test_bad_input_shows_the_errors_and_saves_nothing(probation_supervisor):
    client = signed_in(probation_supervisor)
    response = client.post(
        reverse("integrations:webhook-new"), {"name": "", "url": "http://example.org/hooks"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    for text in (NAME_REQUIRED, EVENT_TYPES_REQUIRED, URL_INVALID):
        assert text.replace("'", "&#39;") in page
    assert not WebhookSubscription.objects.exists()


def test_only_partner_supervisors_and_force_administrators_may_manage_webhooks(
    probation_officer, officer, analyst, administrator, probation_supervisor
):
    for person in (probation_officer, officer, analyst):
        assert signed_in(person).get(reverse("integrations:webhooks")).status_code == 404
    for person in (administrator, probation_supervisor):
        assert signed_in(person).get(reverse("integrations:webhooks")).status_code == 200


def test_another_organisations_webhook_is_not_found_but_the_force_administrator_sees_all(
    probation_supervisor, wcu_supervisor, administrator, orgs
):
    theirs = _create(wcu_supervisor, orgs["wcu"])
    client = signed_in(probation_supervisor)
    assert client.get(reverse("integrations:webhook-detail", args=[theirs.pk])).status_code == 404
    response = client.post(reverse("integrations:webhook-disable", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.active
    assert "case system" not in client.get(reverse("integrations:webhooks")).content.decode()
    admin = signed_in(administrator)
    assert admin.get(reverse("integrations:webhook-detail", args=[theirs.pk])).status_code == 200


def test_disable_enable_and_replay_from_the_delivery_log(
    probation_supervisor, make_crime, officer, orgs, witness_care_officer
):
    subscription = _create(probation_supervisor, orgs["probation"])
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
    client = signed_in(probation_supervisor)
    replay_url = reverse("integrations:webhook-replay", args=[subscription.pk, delivery.pk])
    # A waiting delivery cannot be replayed.
    client.post(replay_url)
    assert WebhookDelivery.objects.count() == 1
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED)
    page = client.get(reverse("integrations:webhook-detail", args=[subscription.pk]))
    assert "Send again" in page.content.decode()
    assert client.post(replay_url).status_code == 302
    replay = WebhookDelivery.objects.get(replay_of=delivery)
    assert replay.status == DeliveryStatus.PENDING and replay.requested_by == probation_supervisor

    client.post(reverse("integrations:webhook-disable", args=[subscription.pk]))
    subscription.refresh_from_db()
    replay.refresh_from_db()
    assert not subscription.active and replay.status == DeliveryStatus.CANCELLED
    client.post(reverse("integrations:webhook-enable", args=[subscription.pk]))
    subscription.refresh_from_db()
    assert subscription.active and subscription.consecutive_failures == 0
    changes = AuditEvent.objects.filter(
        action="change", object_type="integrations.webhooksubscription"
    )
    assert changes.count() == 2
