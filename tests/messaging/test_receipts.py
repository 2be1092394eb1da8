"""Delivery receipts and inbound texts from Notify, and the poll for receipts that never came.

Receipts come through the real endpoint (Django's test client) with Notify's
bearer token; statuses only ever move forward.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import structlog
from django.utils import timezone

from victimcare.messaging import dispatch
from victimcare.messaging.callbacks import messages_receipts_poll_once
from victimcare.messaging.constants import EventSource, Status
from victimcare.messaging.models import (
    DeliveryReceipt,
    InboundSms,
    MessageStatusEvent,
    OutboundMessage,
)
from victimcare.messaging.notify_stub import NotifyStub
from victimcare.messaging.services import message_claim, message_send
from victimcare.messaging.views_callbacks import callback_window

from .conftest import enqueue_sms

pytestmark = pytest.mark.django_db
TOKEN = "receipt-token-for-tests-0123456789"
RECEIPTS = "/callbacks/notify/delivery-status/"
INBOUND = "/callbacks/notify/inbound-sms/"
WORKER = "worker-test"


@pytest.fixture(autouse=True)
def callback_token(settings) -> None:  # type: ignore[no-untyped-def]
    settings.NOTIFY_CALLBACK_BEARER_TOKEN = TOKEN
    callback_window.reset()


def post(client, url: str, body: Any, token: str | None = TOKEN, raw: bytes | None = None):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    data = raw if raw is not None else json.dumps(body)
    return client.post(url, data=data, content_type="application/json", headers=headers)


def receipt(message: OutboundMessage, status: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": message.provider_id or "9d0c3a5e-0000-4000-8000-000000000001",
        "reference": message.reference,
        "to": "07700 900123",
        "status": status,
        "created_at": "2026-11-30T10:00:00.000000Z",
        "completed_at": "2026-11-30T10:00:05.000000Z",
        "sent_at": "2026-11-30T10:00:01.000000Z",
        "notification_type": "sms",
        **extra,
    }


def sent_message(key: str = "crime-1:charged:v1:sms") -> OutboundMessage:
    message = enqueue_sms(key)
    assert message_send(message_id=message.pk, worker_id=WORKER).result == "sent"
    message.refresh_from_db()
    return message


def status_of(message: OutboundMessage) -> str:
    return OutboundMessage.objects.values_list("status", flat=True).get(pk=message.pk)


def test_a_delivered_receipt_completes_the_message_and_is_kept_as_received(client) -> None:  # type: ignore[no-untyped-def]
    message = sent_message()

    response = post(client, RECEIPTS, receipt(message, "delivered"))

    assert response.status_code == 200
    assert status_of(message) == Status.DELIVERED
    stored = DeliveryReceipt.objects.get()
    assert (stored.message_id, stored.status, stored.applied) == (message.pk, "delivered", True)
    assert json.loads(stored.raw)["to"] == "07700 900123"
    assert stored.outcome == "sent -> delivered"
    assert MessageStatusEvent.objects.filter(
        message=message, source=EventSource.RECEIPT, to_status=Status.DELIVERED
    ).exists()


def test_a_wrong_or_missing_token_is_refused_and_logged_without_the_body(client) -> None:  # type: ignore[no-untyped-def]
    message = sent_message()
    body = receipt(message, "delivered")

    with structlog.testing.capture_logs() as logs:
        wrong = post(client, RECEIPTS, body, token="not-the-token-at-all")
        missing = post(client, RECEIPTS, body, token=None)
        inbound = post(client, INBOUND, {"id": "x"}, token="not-the-token-at-all")

    assert (wrong.status_code, missing.status_code, inbound.status_code) == (401, 401, 401)
    assert not DeliveryReceipt.objects.exists() and not InboundSms.objects.exists()
    assert status_of(message) == Status.SENT
    refused = [entry for entry in logs if entry["event"] == "messaging.callback_refused"]
    assert [entry["reason"] for entry in refused] == [
        "wrong bearer token",
        "missing bearer token",
        "wrong bearer token",
    ]
    logged = json.dumps(logs, default=str)
    assert "07700" not in logged and message.reference not in logged
    assert "not-the-token" not in logged


def test_no_token_configured_refuses_every_callback(client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.NOTIFY_CALLBACK_BEARER_TOKEN = "short"
    assert post(client, RECEIPTS, {}, token="short").status_code == 401


def test_a_body_that_is_not_json_is_a_bad_request(client) -> None:  # type: ignore[no-untyped-def]
    assert post(client, RECEIPTS, None, raw=b"status=delivered").status_code == 400
    assert post(client, RECEIPTS, ["delivered"]).status_code == 400
    assert not DeliveryReceipt.objects.exists()


def test_an_unknown_reference_is_kept_and_answered_200_so_notify_stops_retrying(client) -> None:  # type: ignore[no-untyped-def]
    body = {
        "id": "5e0b6f7a-0000-4000-8000-00000000abcd",
        "reference": "not-ours",
        "status": "delivered",
    }

    response = post(client, RECEIPTS, body)

    assert response.status_code == 200
    stored = DeliveryReceipt.objects.get()
    assert (stored.message, stored.applied, stored.outcome) == (None, False, "unknown reference")


def test_duplicate_late_and_out_of_order_receipts_never_move_a_message_back(client) -> None:  # type: ignore[no-untyped-def]
    delivered = sent_message("crime-1:charged:v1:sms")
    recovered = sent_message("crime-2:charged:v1:sms")

    for status in ["delivered", "delivered", "temporary-failure", "permanent-failure"]:
        assert post(client, RECEIPTS, receipt(delivered, status)).status_code == 200
    # Notify gave up for a while, then delivered after all: the late receipt counts.
    for status in ["temporary-failure", "technical-failure", "delivered", "temporary-failure"]:
        post(client, RECEIPTS, receipt(recovered, status))

    assert status_of(delivered) == Status.DELIVERED
    assert list(
        DeliveryReceipt.objects.filter(message=delivered).values_list("outcome", flat=True)
    ) == [
        "sent -> delivered",
        "duplicate: already delivered",
        "ignored: already delivered",
        "ignored: already delivered",
    ]
    assert status_of(recovered) == Status.DELIVERED
    assert list(
        MessageStatusEvent.objects.filter(message=recovered, source=EventSource.RECEIPT)
        .order_by("occurred_at", "id")
        .values_list("to_status", flat=True)
    ) == [Status.NEEDS_ATTENTION, Status.DELIVERED]


def test_a_receipt_found_by_provider_id_alone_is_applied(client) -> None:  # type: ignore[no-untyped-def]
    message = sent_message()
    body = receipt(message, "permanent-failure", reference=None)

    post(client, RECEIPTS, body)

    message.refresh_from_db()
    assert message.status == Status.PERMANENT_FAILURE
    assert message.last_error == "provider permanent-failure"


def test_a_receipt_overtaking_the_workers_own_record_marks_the_message_sent_first(
    client, notify: NotifyStub
) -> None:  # type: ignore[no-untyped-def]
    message = enqueue_sms()
    claimed = message_claim(worker_id=WORKER, lease=dt.timedelta(minutes=2), message_id=message.pk)
    assert claimed is not None
    OutboundMessage.objects.filter(pk=message.pk).update(status=Status.SENDING)

    post(client, RECEIPTS, receipt(message, "delivered", id="8b0e6a1c-0000-4000-8000-000000000002"))

    message.refresh_from_db()
    assert message.status == Status.DELIVERED
    assert message.provider_id == "8b0e6a1c-0000-4000-8000-000000000002"
    assert list(
        MessageStatusEvent.objects.filter(message=message, source=EventSource.RECEIPT).values_list(
            "from_status", "to_status"
        )
    ) == [(Status.SENDING, Status.SENT), (Status.SENT, Status.DELIVERED)]


def test_a_receipt_for_an_unreconciled_retry_is_held_then_applied_when_reconciled(
    client, notify: NotifyStub
) -> None:  # type: ignore[no-untyped-def]
    message = enqueue_sms()
    notify.set_fault("stall", count=1, stall_seconds=3)  # accepted, reply too late
    assert message_send(message_id=message.pk, worker_id=WORKER).result == "failed"
    provider_id = notify.id_for(message.reference)
    assert provider_id

    post(client, RECEIPTS, receipt(message, "delivered", id=provider_id))
    held = DeliveryReceipt.objects.get()
    assert (held.applied, held.outcome) == (False, "held: message not yet marked sent")
    assert status_of(message) == Status.TEMPORARY_FAILURE

    OutboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert message_send(message_id=message.pk, worker_id=WORKER).result == "reconciled"

    held.refresh_from_db()
    assert held.applied and held.outcome == "applied late: sent -> delivered"
    assert status_of(message) == Status.DELIVERED
    assert notify.attempted(message.reference) == 1


def test_an_inbound_text_is_stored_once_however_often_notify_sends_it(client) -> None:  # type: ignore[no-untyped-def]
    body = {
        "id": "df10a23e-0000-4000-8000-000000000003",
        "source_number": "447700900456",
        "destination_number": "07700900000",
        "message": "Thank you",
        "date_received": "2026-11-30T10:15:30.000000Z",
    }

    first = post(client, INBOUND, body)
    again = post(client, INBOUND, body)

    assert (first.json(), again.json()) == ({"stored": True}, {"stored": False})
    sms = InboundSms.objects.get()
    assert (sms.from_number, sms.content) == ("447700900456", "Thank you")
    assert sms.received_at == dt.datetime(2026, 11, 30, 10, 15, 30, tzinfo=dt.UTC)
    assert post(client, INBOUND, {"message": "no id"}).status_code == 400


def test_a_flood_from_one_address_is_refused_before_anything_else(client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.MESSAGING_CALLBACK_RATE_PER_MINUTE = 3
    codes = [post(client, RECEIPTS, {}, token="wrong-wrong-wrong").status_code for _ in range(5)]
    assert codes == [401, 401, 401, 429, 429]


def test_the_poll_asks_notify_about_a_receipt_that_never_came(notify: NotifyStub, settings) -> None:  # type: ignore[no-untyped-def]
    settings.MESSAGING_RECEIPT_POLL_AFTER_HOURS = 6
    old = sent_message("crime-1:charged:v1:sms")
    undecided = sent_message("crime-2:charged:v1:sms")
    recent = sent_message("crime-3:charged:v1:sms")
    long_ago = timezone.now() - dt.timedelta(hours=7)
    OutboundMessage.objects.filter(pk__in=[old.pk, undecided.pk]).update(sent_at=long_ago)
    notify.state.notifications[old.provider_id]["status"] = "delivered"

    result = messages_receipts_poll_once()

    assert (result.asked, result.changed) == (2, 1)
    assert status_of(old) == Status.DELIVERED
    assert status_of(undecided) == Status.SENT, "Notify is still sending it"
    assert status_of(recent) == Status.SENT, "too recent to ask about"
    assert MessageStatusEvent.objects.filter(
        message=old, source=EventSource.RECONCILE, to_status=Status.DELIVERED
    ).exists()


def test_a_failing_status_hook_is_logged_by_type_and_never_breaks_the_outbox(
    client, monkeypatch, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    # The hook is another module's seam; here it fails as badly as it could.
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("07700 900123 would leak if the message were logged")

    message = sent_message()
    monkeypatch.setattr(dispatch, "message_status_changed", broken)

    with structlog.testing.capture_logs() as logs:
        with django_capture_on_commit_callbacks(execute=True):
            response = post(client, RECEIPTS, receipt(message, "delivered"))

    assert response.status_code == 200
    assert status_of(message) == Status.DELIVERED
    failures = [entry for entry in logs if entry["event"] == "messaging.status_hook_failed"]
    assert failures and failures[0]["error"] == "RuntimeError"
    assert "07700" not in json.dumps(logs, default=str)
