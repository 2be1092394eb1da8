"""Email through an SMTP relay: a real aiosmtpd server on loopback receives it."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from email.policy import default as default_policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from victimcare.messaging.channels import smtp_message_id
from victimcare.messaging.constants import Channel, Status
from victimcare.messaging.services import message_send

from .conftest import enqueue_sms

pytestmark = pytest.mark.django_db
WORKER = "worker-test"


class Relay:
    """Keeps what it receives; answers a chosen code for chosen recipients."""

    def __init__(self) -> None:
        self.received: list[Any] = []
        self.refuse: dict[str, str] = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]  # noqa: N802
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        self.received.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def relay(settings) -> Iterator[Relay]:  # type: ignore[no-untyped-def]
    handler = Relay()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MESSAGING_EMAIL_CHANNEL = "smtp"
    settings.MESSAGING_SMTP_HOST = "127.0.0.1"
    settings.MESSAGING_SMTP_PORT = port
    settings.MESSAGING_SMTP_TIMEOUT_SECONDS = 5
    settings.MESSAGING_SMTP_FROM = "victimcare@example.org"
    settings.MESSAGING_SMTP_MESSAGE_ID_DOMAIN = "victimcare.example.org"
    try:
        yield handler
    finally:
        controller.stop()


def enqueue_email(key: str = "crime-1:charged:v1:email", to: str = "victim.one@example.org"):  # type: ignore[no-untyped-def]
    return enqueue_sms(key, channel=Channel.EMAIL, recipient=to, subject="An update on your case")


def test_an_email_arrives_with_the_idempotency_key_as_its_message_id(relay: Relay) -> None:
    message = enqueue_email()

    outcome = message_send(message_id=message.pk, worker_id=WORKER)

    message.refresh_from_db()
    assert outcome.result == "sent" and message.status == Status.SENT
    [envelope] = relay.received
    assert envelope.mail_from == "victimcare@example.org"
    assert envelope.rcpt_tos == ["victim.one@example.org"]
    parsed = email.message_from_bytes(envelope.original_content, policy=default_policy)
    assert parsed["Message-ID"] == "<crime-1%3Acharged%3Av1%3Aemail@victimcare.example.org>"
    assert parsed["Message-ID"] == message.provider_id == smtp_message_id(message.idempotency_key)
    assert parsed["Subject"] == "An update on your case"
    assert "An update on your case is ready" in parsed.get_content()


def test_texts_still_go_through_the_main_channel_when_email_uses_smtp(relay: Relay) -> None:
    text = enqueue_sms()
    assert message_send(message_id=text.pk, worker_id=WORKER).result == "sent"
    text.refresh_from_db()
    assert text.provider_id == f"local-{text.pk}"
    assert relay.received == []


def test_a_refused_address_is_a_permanent_failure(relay: Relay) -> None:
    relay.refuse["nobody@example.org"] = "550 5.1.1 No such user"
    message = enqueue_email(to="nobody@example.org")

    assert message_send(message_id=message.pk, worker_id=WORKER).result == "failed"
    message.refresh_from_db()
    assert message.status == Status.PERMANENT_FAILURE
    assert message.last_error == "smtp 550 recipient refused"
    assert relay.received == []


def test_a_relay_saying_try_later_is_retried(relay: Relay) -> None:
    relay.refuse["busy@example.org"] = "451 4.3.0 Try again later"
    message = enqueue_email(to="busy@example.org")

    assert message_send(message_id=message.pk, worker_id=WORKER).result == "failed"
    message.refresh_from_db()
    assert message.status == Status.TEMPORARY_FAILURE
    assert message.last_error == "smtp 451 recipient refused"


def test_a_relay_that_is_down_is_retried_later(settings) -> None:  # type: ignore[no-untyped-def]
    settings.MESSAGING_EMAIL_CHANNEL = "smtp"
    settings.MESSAGING_SMTP_HOST = "127.0.0.1"
    settings.MESSAGING_SMTP_PORT = free_port()  # nothing listens there
    message = enqueue_email()

    assert message_send(message_id=message.pk, worker_id=WORKER).result == "failed"
    message.refresh_from_db()
    assert message.status == Status.TEMPORARY_FAILURE
    assert message.last_error == "smtp ConnectionRefusedError"


def test_message_ids_are_valid_and_stable() -> None:
    assert smtp_message_id("a.b-c_d") == "<a.b-c_d@victimcare.example.org>"
    assert smtp_message_id("case 1/duty:2") == smtp_message_id("case 1/duty:2")
    assert " " not in smtp_message_id("case 1/duty:2") and ":" not in smtp_message_id("x:y")
