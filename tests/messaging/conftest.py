"""Fixtures for messaging: the Notify-compatible server on a free loopback port."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from victimcare.messaging.constants import Channel, RecipientKind
from victimcare.messaging.models import OutboundMessage
from victimcare.messaging.notify_stub import NotifyStub
from victimcare.messaging.services import message_enqueue

SMS_TEMPLATE_ID = "f33517ff-2a88-4f6e-b855-c550268ce08a"
EMAIL_TEMPLATE_ID = "a2d4f1a6-9bd0-4a2b-8f0e-4c54a0e3b1a1"
LETTER_TEMPLATE_ID = "0c5b6a2e-8f1d-4f57-9b55-5a7cbb3c4d21"
CLIENT_TIMEOUT = 0.5


@pytest.fixture
def notify_stub() -> Iterator[NotifyStub]:
    with NotifyStub() as stub:
        yield stub


@pytest.fixture
def notify(settings, notify_stub: NotifyStub) -> NotifyStub:  # type: ignore[no-untyped-def]
    """Messaging configured to send through the real Notify client to the stub."""
    settings.MESSAGING_CHANNEL = "notify"
    settings.NOTIFY_BASE_URL = notify_stub.url
    settings.NOTIFY_API_KEY = notify_stub.api_key
    settings.NOTIFY_TIMEOUT_SECONDS = CLIENT_TIMEOUT
    settings.NOTIFY_TEMPLATE_IDS = {
        "sms": SMS_TEMPLATE_ID,
        "email": EMAIL_TEMPLATE_ID,
        "letter": LETTER_TEMPLATE_ID,
    }
    return notify_stub


def enqueue_sms(key: str = "crime-1:charged:v1:sms", **overrides: Any) -> OutboundMessage:
    """A text to a fake number (Ofcom's drama range), as a case change would queue it.

    Addressed to a member of staff, whom the send-time safe-contact verdict
    always allows, so these outbox stories are not about safe contact (that
    has its own tests); pass recipient_kind=RecipientKind.VICTIM to change it.
    """
    values: dict[str, Any] = {
        "channel": Channel.SMS,
        "recipient_kind": RecipientKind.STAFF,
        "recipient": "07700 900123",
        "body": "An update on your case is ready. Call 101 and quote your reference.",
        "template_code": "suspect_charged",
        "idempotency_key": key,
    }
    return message_enqueue(**(values | overrides))
