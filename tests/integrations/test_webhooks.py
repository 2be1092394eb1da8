"""Signed webhooks, end to end against a partner system on loopback.

Story (issue 10): probation's case system receives a signed webhook when a
sentence qualifies for the Victim Contact Scheme. Plus back-off, permanent
failures, disabling after repeated failures, lease expiry, replay, racing
workers and organisations that may not see the crime."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.factories import UserFactory
from victimcare.accounts.constants import Role
from victimcare.cases.constants import EventCode
from victimcare.cases.services import VictimInput, case_share, event_record
from victimcare.core.models import AuditEvent
from victimcare.integrations.constants import DeliveryStatus
from victimcare.integrations.models import WebhookDelivery
from victimcare.integrations.signing import signature_verify
from victimcare.integrations.webhooks import VCS_QUALIFYING_SENTENCE
from victimcare.integrations.webhooks_send import (
    DISABLED_TEMPLATE,
    LEASE,
    deliveries_claim,
    deliveries_send,
)
from victimcare.integrations.webhooks_services import (
    REPLAY_ERASED,
    delivery_replay,
    subscription_create,
)
from victimcare.messaging.constants import RecipientKind
from victimcare.messaging.models import OutboundMessage

VICTIM_NAME = "Alex Example"
VICTIM_PHONE = "07700 900456"


class Receiver:
    """A partner system's webhook endpoint: records every POST and answers with
    the next status in `statuses` (200 once they run out)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings) -> Iterator[Receiver]:  # type: ignore[no-untyped-def]
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def probation_supervisor(orgs):  # type: ignore[no-untyped-def]
    return UserFactory(
        organisation=orgs["probation"],
        role=Role.SUPERVISOR,
        email="paula.probation@example.org",
        full_name="Paula Probation",
    )


def _subscribe(actor, organisation, url, types):  # type: ignore[no-untyped-def]
    subscription, secret = subscription_create(
        actor=actor,
        organisation=organisation,
        name="probation case system",
        url=url,
        event_types=types,
    )
    return subscription, secret


def _victim() -> VictimInput:
    return VictimInput(full_name=VICTIM_NAME, phone=VICTIM_PHONE)


def _sentence(crime, actor, months):  # type: ignore[no-untyped-def]
    event, _ = event_record(
        actor=actor,
        crime=crime,
        code=EventCode.SENTENCED,
        occurred_at=timezone.now() - dt.timedelta(hours=1),
        details={"sentence": "Imprisonment", "custody_months": months},
        summary=f"{VICTIM_NAME} attended the sentencing",
    )
    return event


@pytest.fixture
def shared_crime(make_crime, officer, orgs):  # type: ignore[no-untyped-def]
    """A GBH recorded by PC Olivia Officer, shared with the WCU and probation."""
    crime = make_crime(offence="gbh", victims=[_victim()])
    case_share(actor=officer, crime=crime, organisation=orgs["wcu"])
    case_share(actor=officer, crime=crime, organisation=orgs["probation"])
    return crime


def test_probation_receives_a_signed_webhook_when_a_sentence_qualifies_for_the_vcs(
    receiver, shared_crime, make_crime, officer, orgs, probation_supervisor, witness_care_officer
):
    subscription, secret = _subscribe(
        probation_supervisor, orgs["probation"], receiver.url, [VCS_QUALIFYING_SENTENCE]
    )
    event = _sentence(shared_crime, witness_care_officer, 18)
    # A short sentence on another shared crime does not qualify: nothing is written.
    short = make_crime(offence="gbh", victims=[_victim()])
    case_share(actor=officer, crime=short, organisation=orgs["wcu"])
    case_share(actor=officer, crime=short, organisation=orgs["probation"])
    _sentence(short, witness_care_officer, 6)

    assert deliveries_send() == {DeliveryStatus.DELIVERED: 1}

    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    body = request["body"]
    assert request["headers"]["Content-Type"] == "application/json"
    assert signature_verify(
        secret, request["headers"]["Victimcare-Signature"], body, now=time.time()
    )
    payload = json.loads(body)
    delivery = WebhookDelivery.objects.get()
    assert request["headers"]["Victimcare-Webhook-Id"] == str(delivery.pk) == payload["id"]
    assert payload["type"] == VCS_QUALIFYING_SENTENCE
    assert payload["vcs_eligible"] is True
    assert payload["crime"] == {"crn": shared_crime.crn, "force": orgs["force"].code}
    assert payload["event"]["id"] == event.pk
    assert payload["event"]["details"] == {"sentence": "Imprisonment", "custody_months": 18}
    text = body.decode()
    assert VICTIM_NAME not in text and "900456" not in text and "summary" not in text
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        DeliveryStatus.DELIVERED,
        1,
        200,
    )
    # Delivered is final: another run sends nothing.
    assert deliveries_send() == {}
    assert len(receiver.requests) == 1
    assert subscription.deliveries.count() == 1


def test_a_server_error_is_retried_with_back_off_until_it_is_delivered(
    receiver, shared_crime, orgs, probation_supervisor, witness_care_officer
):
    _subscribe(probation_supervisor, orgs["probation"], receiver.url, [EventCode.SENTENCED])
    receiver.statuses = [500]
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _sentence(shared_crime, witness_care_officer, 6)
        assert deliveries_send() == {DeliveryStatus.PENDING: 1}
        delivery = WebhookDelivery.objects.get()
        assert delivery.next_attempt_at == start + dt.timedelta(minutes=1)
        assert delivery.last_status_code == 500
        # Not due yet: nothing is sent.
        assert deliveries_send() == {}
    with time_machine.travel(start + dt.timedelta(seconds=61), tick=False):
        assert deliveries_send() == {DeliveryStatus.DELIVERED: 1}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 2)
    assert len(receiver.requests) == 2
    payload = json.loads(receiver.requests[0]["body"])
    assert payload["type"] == EventCode.SENTENCED and payload["vcs_eligible"] is False
    # Both attempts carry the same id, so the receiver can de-duplicate.
    ids = {r["headers"]["Victimcare-Webhook-Id"] for r in receiver.requests}
    assert ids == {str(delivery.pk)}


def test_a_client_error_fails_at_once_but_408_and_429_are_retried(
    receiver, shared_crime, orgs, probation_supervisor, witness_care_officer
):
    subscription, _ = _subscribe(
        probation_supervisor, orgs["probation"], receiver.url, [EventCode.SENTENCED]
    )
    receiver.statuses = [429, 404]
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _sentence(shared_crime, witness_care_officer, 6)
        assert deliveries_send() == {DeliveryStatus.PENDING: 1}
    with time_machine.travel(start + dt.timedelta(minutes=2), tick=False):
        assert deliveries_send() == {DeliveryStatus.FAILED: 1}
    delivery = WebhookDelivery.objects.get()
    assert (delivery.attempts, delivery.last_status_code) == (2, 404)
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 1 and subscription.active


def test_ten_failures_in_a_row_disable_the_subscription_and_tell_its_supervisors(
    receiver, make_crime, officer, orgs, probation_supervisor, witness_care_officer
):
    subscription, _ = _subscribe(
        probation_supervisor, orgs["probation"], receiver.url, [EventCode.SENTENCED]
    )
    crimes = []
    for _ in range(11):
        crime = make_crime(offence="gbh")
        case_share(actor=officer, crime=crime, organisation=orgs["wcu"])
        case_share(actor=officer, crime=crime, organisation=orgs["probation"])
        crimes.append(crime)
    receiver.statuses = [410] * 20
    for crime in crimes[:9]:
        _sentence(crime, witness_care_officer, 6)
    assert deliveries_send() == {DeliveryStatus.FAILED: 9}
    subscription.refresh_from_db()
    assert subscription.active and subscription.consecutive_failures == 9
    # The tenth failure in a row turns the subscription off.
    _sentence(crimes[9], witness_care_officer, 6)
    assert deliveries_send(limit=1) == {DeliveryStatus.FAILED: 1}
    subscription.refresh_from_db()
    assert not subscription.active and subscription.disabled_at is not None
    assert "10 deliveries in a row" in subscription.disabled_reason
    # A later event writes nothing for a disabled subscription.
    _sentence(crimes[10], witness_care_officer, 6)
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.FAILED).count() == 10
    assert WebhookDelivery.objects.count() == 10
    emails = OutboundMessage.objects.filter(template_code=DISABLED_TEMPLATE)
    assert [(m.recipient, m.recipient_kind) for m in emails] == [
        ("paula.probation@example.org", RecipientKind.STAFF)
    ]
    assert crimes[0].crn not in emails[0].body
    assert AuditEvent.objects.filter(
        object_type="integrations.webhooksubscription",
        object_id=str(subscription.pk),
        action="change",
    ).exists()


def test_ten_failures_then_a_pending_delivery_is_cancelled(
    receiver, make_crime, officer, orgs, probation_supervisor, witness_care_officer, settings
):
    settings.WEBHOOK_DISABLE_AFTER = 2
    subscription, _ = _subscribe(
        probation_supervisor, orgs["probation"], receiver.url, [EventCode.SENTENCED]
    )
    receiver.statuses = [400] * 5
    crimes = [make_crime(offence="gbh") for _ in range(3)]
    for crime in crimes:
        case_share(actor=officer, crime=crime, organisation=orgs["wcu"])
        case_share(actor=officer, crime=crime, organisation=orgs["probation"])
        _sentence(crime, witness_care_officer, 6)
    assert deliveries_send(limit=2) == {DeliveryStatus.FAILED: 2}
    subscription.refresh_from_db()
    assert not subscription.active
    statuses = sorted(WebhookDelivery.objects.values_list("status", flat=True))
    assert statuses == [DeliveryStatus.CANCELLED, DeliveryStatus.FAILED, DeliveryStatus.FAILED]
    assert deliveries_send() == {}
    assert len(receiver.requests) == 2


def test_a_worker_killed_mid_send_leaves_a_lease_that_expires_and_is_retried(
    receiver, shared_crime, orgs, probation_supervisor, witness_care_officer
):
    _subscribe(probation_supervisor, orgs["probation"], receiver.url, [EventCode.SENTENCED])
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _sentence(shared_crime, witness_care_officer, 6)
        # Worker A claims and "dies" before sending or recording anything.
        [claimed] = deliveries_claim(worker="worker-a")
        assert claimed.status == DeliveryStatus.SENDING
        assert deliveries_send() == {}  # the lease holds
    with time_machine.travel(start + LEASE + dt.timedelta(seconds=1), tick=False):
        assert deliveries_send() == {DeliveryStatus.DELIVERED: 1}
    delivery = WebhookDelivery.objects.get()
    assert delivery.attempts == 2 and len(receiver.requests) == 1


def test_two_claims_never_both_win_a_delivery(
    receiver, shared_crime, orgs, probation_supervisor, witness_care_officer
):
    _subscribe(probation_supervisor, orgs["probation"], receiver.url, [EventCode.SENTENCED])
    _sentence(shared_crime, witness_care_officer, 6)
    first = deliveries_claim(worker="worker-a")
    second = deliveries_claim(worker="worker-b")
    assert len(first) == 1 and second == []
    assert WebhookDelivery.objects.get().claimed_by == "worker-a"


def test_replay_sends_a_new_delivery_of_the_same_event(
    receiver, shared_crime, orgs, probation_supervisor, witness_care_officer
):
    _subscribe(probation_supervisor, orgs["probation"], receiver.url, [EventCode.SENTENCED])
    _sentence(shared_crime, witness_care_officer, 6)
    deliveries_send()
    original = WebhookDelivery.objects.get()
    replay = delivery_replay(delivery=original, actor=probation_supervisor)
    assert replay.pk != original.pk and replay.replay_of == original
    assert replay.requested_by == probation_supervisor
    assert deliveries_send() == {DeliveryStatus.DELIVERED: 1}
    ids = [r["headers"]["Victimcare-Webhook-Id"] for r in receiver.requests]
    assert ids == [str(original.pk), str(replay.pk)]
    assert (
        json.loads(receiver.requests[1]["body"])["event"]
        == json.loads(receiver.requests[0]["body"])["event"]
    )
    assert AuditEvent.objects.filter(
        object_type="integrations.webhookdelivery", object_id=str(replay.pk)
    ).exists()


def test_a_delivery_whose_content_retention_erased_is_not_sent_again(
    receiver, shared_crime, orgs, probation_supervisor, witness_care_officer
):
    _subscribe(probation_supervisor, orgs["probation"], receiver.url, [EventCode.SENTENCED])
    _sentence(shared_crime, witness_care_officer, 6)
    deliveries_send()
    original = WebhookDelivery.objects.get()
    # What core.retention's webhook_payloads rule leaves after 90 days.
    WebhookDelivery.objects.filter(pk=original.pk).update(payload={})
    original.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        delivery_replay(delivery=original, actor=probation_supervisor)
    assert refused.value.code == "erased"
    assert refused.value.messages == [REPLAY_ERASED]
    assert WebhookDelivery.objects.count() == 1
    assert deliveries_send() == {}
    assert len(receiver.requests) == 1


def test_an_organisation_that_may_not_see_the_crime_gets_nothing(
    receiver, make_crime, officer, orgs, witness_care_officer
):
    cps_supervisor = UserFactory(
        organisation=orgs["cps"], role=Role.SUPERVISOR, email="carl.cps@example.org"
    )
    charity_supervisor = UserFactory(
        organisation=orgs["charity"], role=Role.SUPERVISOR, email="cara.charity@example.org"
    )
    crime = make_crime(offence="gbh")
    case_share(actor=officer, crime=crime, organisation=orgs["wcu"])
    case_share(actor=officer, crime=crime, organisation=orgs["charity"])
    _subscribe(cps_supervisor, orgs["cps"], receiver.url, [EventCode.SENTENCED])
    shared, _ = _subscribe(charity_supervisor, orgs["charity"], receiver.url, [EventCode.SENTENCED])
    # The recording organisation itself is never told about its own event.
    _subscribe(witness_care_officer, orgs["wcu"], receiver.url, [EventCode.SENTENCED])
    _sentence(crime, witness_care_officer, 6)
    assert list(WebhookDelivery.objects.values_list("subscription_id", flat=True)) == [shared.pk]


def test_police_subscriptions_hear_what_their_api_token_could_read(
    receiver, make_crime, administrator, orgs, witness_care_officer, officer
):
    """A police system is an officer of its organisation (its token's role): the
    crime's own BCU hears about its unrestricted crimes; another BCU does not,
    nor does the force level, whose officers see no team's crimes."""
    mine = make_crime(offence="gbh")
    case_share(actor=officer, crime=mine, organisation=orgs["wcu"])
    subscription, _ = _subscribe(
        administrator, orgs["other_bcu"], receiver.url, [EventCode.SENTENCED]
    )
    bcu_sub, _ = _subscribe(administrator, orgs["bcu"], receiver.url, [EventCode.SENTENCED])
    _subscribe(administrator, orgs["force"], receiver.url, [EventCode.SENTENCED])
    _sentence(mine, witness_care_officer, 6)
    assert list(WebhookDelivery.objects.values_list("subscription_id", flat=True)) == [bcu_sub.pk]
    assert subscription.deliveries.count() == 0
