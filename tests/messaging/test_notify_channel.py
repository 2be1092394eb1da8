"""Sending through the real Notify client to the Notify-compatible server.

Each story checks the server's own count of what it accepted per reference:
whatever fails, a message reaches it at most once.
"""

from __future__ import annotations

import datetime as dt

import jwt
import pytest
import requests
from django.utils import timezone
from notifications_python_client.errors import HTTPError
from notifications_python_client.notifications import NotificationsAPIClient

from tests.messaging.test_letters import pdf_objects
from victimcare.messaging.constants import EventSource, Status
from victimcare.messaging.models import MessageStatusEvent, OutboundMessage
from victimcare.messaging.notify_stub import DEV_SERVICE_ID, NotifyStub
from victimcare.messaging.services import message_claim, message_send, messages_sweep_once

from .conftest import SMS_TEMPLATE_ID, enqueue_sms

pytestmark = pytest.mark.django_db
WORKER = "worker-test"
WRONG_SECRET_KEY = f"victimcare_dev-{DEV_SERVICE_ID}-99999999-9999-4999-8999-999999999999"


def make_due(message: OutboundMessage) -> None:
    """Let time pass until the message's retry is due."""
    OutboundMessage.objects.filter(pk=message.pk).update(
        next_attempt_at=timezone.now() - dt.timedelta(seconds=1)
    )


def test_a_text_reaches_the_server_exactly_once(notify: NotifyStub) -> None:
    message = enqueue_sms()

    outcome = message_send(message_id=message.pk, worker_id=WORKER)
    again = message_send(message_id=message.pk, worker_id=WORKER)

    message.refresh_from_db()
    assert outcome.result == "sent" and again.result == "not_claimed"
    assert message.status == Status.SENT
    assert notify.accepted(message.reference) == 1
    stored = notify.state.notifications[message.provider_id]
    assert stored["phone_number"] == "07700 900123"
    assert stored["template"]["id"] == SMS_TEMPLATE_ID


def test_an_email_and_a_letter_go_through_the_same_path(notify: NotifyStub) -> None:
    email = enqueue_sms(
        "crime-1:charged:v1:email",
        channel="email",
        recipient="victim.one@example.org",
        subject="Your case",
    )
    letter = enqueue_sms(
        "crime-1:charged:v1:letter",
        channel="letter",
        recipient="Sam Example\n1 Example Street\nLondon\nSW1A 1AA",
        subject="Your case",
    )

    assert message_send(message_id=email.pk, worker_id=WORKER).result == "sent"
    assert message_send(message_id=letter.pk, worker_id=WORKER).result == "sent"
    assert notify.accepted(email.reference) == notify.accepted(letter.reference) == 1
    letter.refresh_from_db()
    # Letters go precompiled: our own tagged PDF, with the address block in it.
    pdf = notify.state.notifications[letter.provider_id]["pdf"]
    assert pdf.startswith(b"%PDF")
    assert b"/StructTreeRoot" in pdf_objects(pdf)


def test_a_worker_that_died_after_the_server_accepted_is_reconciled_not_resent(
    notify: NotifyStub,
) -> None:
    message = enqueue_sms()
    # A worker claims, marks sending, the server accepts... and the worker dies
    # before recording the outcome: the row stays `sending` under its lease.
    message_claim(worker_id="worker-dead", lease=dt.timedelta(minutes=2), message_id=message.pk)
    OutboundMessage.objects.filter(pk=message.pk).update(status=Status.SENDING)
    from victimcare.messaging.channels import NotifyChannel

    accepted_id = NotifyChannel().send(message)
    OutboundMessage.objects.filter(pk=message.pk).update(
        lease_until=timezone.now() - dt.timedelta(seconds=1)
    )

    swept = messages_sweep_once()  # the doorbell runs the send task (ImmediateBackend)

    message.refresh_from_db()
    assert swept.rung == [str(message.pk)]
    assert message.status == Status.SENT
    assert message.provider_id == accepted_id
    assert message.attempts == 2
    assert notify.attempted(message.reference) == 1, "no second request"
    assert MessageStatusEvent.objects.filter(
        message=message, source=EventSource.RECONCILE, to_status=Status.SENT
    ).exists()


def test_a_reply_that_never_came_is_looked_up_before_any_retry(notify: NotifyStub) -> None:
    message = enqueue_sms()
    notify.set_fault("stall", count=1, stall_seconds=5)  # longer than the client's timeout

    first = message_send(message_id=message.pk, worker_id=WORKER)

    message.refresh_from_db()
    assert first.result == "failed"
    assert message.status == Status.TEMPORARY_FAILURE
    assert message.last_error.startswith("notify no response")
    make_due(message)
    second = message_send(message_id=message.pk, worker_id=WORKER)

    assert second.result == "reconciled"
    assert notify.accepted(message.reference) == 1
    assert notify.attempted(message.reference) == 1


def test_a_rate_limited_text_is_retried_later(notify: NotifyStub, settings) -> None:  # type: ignore[no-untyped-def]
    settings.MESSAGING_RATE_429_BACKOFF_SECONDS = 0.3  # every worker pauses this long
    message = enqueue_sms()
    notify.set_fault("429", count=1)

    first = message_send(message_id=message.pk, worker_id=WORKER)

    message.refresh_from_db()
    assert first.result == "failed"
    assert message.status == Status.TEMPORARY_FAILURE
    assert message.last_error == "notify 429 RateLimitError"
    assert message.attempts == 0, "a 429 is not counted as an attempt"
    assert message.next_attempt_at > timezone.now()
    assert messages_sweep_once().rung == [], "not due yet"

    make_due(message)
    assert messages_sweep_once().rung == [str(message.pk)]
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert notify.accepted(message.reference) == 1
    assert notify.attempted(message.reference) == 2
    assert message.attempts == 1


def test_a_server_error_is_an_unknown_outcome_and_retried_after_a_look_up(
    notify: NotifyStub,
) -> None:
    message = enqueue_sms()
    notify.set_fault("500", count=1)

    assert message_send(message_id=message.pk, worker_id=WORKER).result == "failed"
    make_due(message)
    assert message_send(message_id=message.pk, worker_id=WORKER).result == "sent"
    assert notify.accepted(message.reference) == 1


def test_a_refused_number_is_a_permanent_failure(notify: NotifyStub) -> None:
    message = enqueue_sms(recipient="")

    assert message_send(message_id=message.pk, worker_id=WORKER).result == "failed"
    message.refresh_from_db()
    assert message.status == Status.PERMANENT_FAILURE
    assert message.last_error == "notify 400 ValidationError"


def test_a_wrong_api_key_is_refused_like_notify_and_needs_attention(
    notify: NotifyStub, settings
) -> None:  # type: ignore[no-untyped-def]
    client = NotificationsAPIClient(WRONG_SECRET_KEY, base_url=notify.url, timeout=2)
    with pytest.raises(HTTPError) as refused:
        client.send_sms_notification(phone_number="07700 900001", template_id=SMS_TEMPLATE_ID)
    assert refused.value.status_code == 403
    assert refused.value.response.json()["errors"][0]["error"] == "AuthError"

    settings.NOTIFY_API_KEY = WRONG_SECRET_KEY
    message = enqueue_sms()
    message_send(message_id=message.pk, worker_id=WORKER)
    message.refresh_from_db()
    assert message.status == Status.NEEDS_ATTENTION
    assert message.last_error == "notify 403 AuthError"
    assert notify.attempted(message.reference) == 0


def test_a_token_older_than_thirty_seconds_is_refused(notify: NotifyStub) -> None:
    stale = jwt.encode(
        {"iss": DEV_SERVICE_ID, "iat": int(timezone.now().timestamp()) - 120},
        notify.state.secret,
        algorithm="HS256",
    )
    response = requests.get(
        f"{notify.url}/v2/notifications", headers={"Authorization": f"Bearer {stale}"}, timeout=2
    )
    assert response.status_code == 403
    assert "30 seconds" in response.json()["errors"][0]["message"]
    missing = requests.get(f"{notify.url}/v2/notifications", timeout=2)
    assert missing.status_code == 401


def test_the_server_answers_look_ups_and_is_controlled_over_http(notify: NotifyStub) -> None:
    client = NotificationsAPIClient(notify.api_key, base_url=notify.url, timeout=2)
    sent = client.send_sms_notification(
        phone_number="07700 900002", template_id=SMS_TEMPLATE_ID, reference="ref-1"
    )

    assert client.get_notification_by_id(sent["id"])["reference"] == "ref-1"
    listed = client.get_all_notifications(reference="ref-1")["notifications"]
    assert [n["id"] for n in listed] == [sent["id"]]
    assert client.get_all_notifications(reference="ref-2")["notifications"] == []

    requests.post(f"{notify.url}/_stub/faults", json={"mode": "429", "count": 1}, timeout=2)
    with pytest.raises(HTTPError) as limited:
        client.send_sms_notification(
            phone_number="07700 900002", template_id=SMS_TEMPLATE_ID, reference="ref-2"
        )
    assert limited.value.status_code == 429
    received = requests.get(f"{notify.url}/_stub/received", timeout=2).json()
    assert received == {"accepted": {"ref-1": 1}, "attempted": {"ref-1": 1, "ref-2": 1}}


def test_a_letter_without_a_postcode_is_refused_before_notify_is_asked(
    notify: NotifyStub,
) -> None:
    letter = enqueue_sms(
        "crime-1:charged:v1:letter-bad", channel="letter", recipient="1 Example Street\nLondon"
    )
    assert message_send(message_id=letter.pk, worker_id=WORKER).result == "failed"
    letter.refresh_from_db()
    assert letter.status == Status.PERMANENT_FAILURE
    assert notify.attempted(letter.reference) == 0
