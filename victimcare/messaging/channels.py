"""Channels deliver one outbox row; they never touch its status.

`send` returns the provider's id or raises ChannelError with a `kind` that
tells the service what the failure means for the ledger:

- TEMPORARY: the provider certainly did not take the message (429); retry later.
- UNCERTAIN: it may have (timeout, connection dropped, 5xx, unreadable reply);
  retry later, but only after a look-up by reference finds nothing.
- PERMANENT: the provider refused this message (400); it will never succeed.
- CONFIGURATION: our set-up is wrong (401/403, no template id); a person must act.

`lookup(reference)` answers the provider's id if it already holds a message
with that reference, else None. Error details never carry personal data.
"""

from __future__ import annotations

import enum
import threading
from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from notifications_python_client.errors import APIError, InvalidResponse
from notifications_python_client.notifications import NotificationsAPIClient

from .constants import Channel

if TYPE_CHECKING:
    from .models import OutboundMessage


class FailureKind(enum.StrEnum):
    TEMPORARY = "temporary"
    UNCERTAIN = "uncertain"
    PERMANENT = "permanent"
    CONFIGURATION = "configuration"


class ChannelError(Exception):
    """A send or look-up that did not succeed; `detail` is safe to store and log."""

    def __init__(self, kind: FailureKind, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail[:200]


class MessageChannel(Protocol):
    name: str

    def send(self, message: OutboundMessage) -> str: ...

    def lookup(self, reference: str) -> str | None: ...


class LocalOutboxChannel:
    """The embedded default: the row itself is the outbox an administrator reads.

    "Sending" has no effect outside the database, so there is nothing to look
    up and nothing that could be duplicated.
    """

    name = "local"

    def send(self, message: OutboundMessage) -> str:
        return f"local-{message.id}"

    def lookup(self, reference: str) -> str | None:
        return None


_clients = threading.local()


def notify_client() -> NotificationsAPIClient:
    """This thread's Notify client (one per worker process and thread: it is not thread-safe).

    A new client is made only when the URL, key or timeout settings change.
    """
    config = (settings.NOTIFY_BASE_URL, settings.NOTIFY_API_KEY, settings.NOTIFY_TIMEOUT_SECONDS)
    cached = getattr(_clients, "entry", None)
    if cached is None or cached[0] != config:
        if len(settings.NOTIFY_API_KEY) < 74:
            raise ChannelError(FailureKind.CONFIGURATION, "NOTIFY_API_KEY is not set")
        client = NotificationsAPIClient(
            settings.NOTIFY_API_KEY,
            base_url=settings.NOTIFY_BASE_URL,
            timeout=settings.NOTIFY_TIMEOUT_SECONDS,
        )
        cached = (config, client)
        _clients.entry = cached
    return cached[1]


def _api_error_kind(error: APIError) -> FailureKind:
    if error.response is None:
        # Timeout or dropped connection: the request may have been processed.
        return FailureKind.UNCERTAIN
    status = error.status_code
    if status == 429:
        return FailureKind.TEMPORARY
    if status in (401, 403):
        return FailureKind.CONFIGURATION
    if 400 <= status < 500:
        return FailureKind.PERMANENT
    return FailureKind.UNCERTAIN


def _api_error_detail(error: APIError) -> str:
    """Status and Notify's error class only: its messages can echo what we sent."""
    code = ""
    try:
        errors = error.response.json().get("errors") or []  # type: ignore[union-attr]
        code = str(errors[0].get("error", ""))[:60] if errors else ""
    except (AttributeError, ValueError, TypeError, IndexError):
        code = ""
    if error.response is None:
        cause = error.__cause__
        return f"notify no response ({type(cause).__name__ if cause else 'unknown'})"
    return f"notify {error.status_code} {code}".strip()


class NotifyChannel:
    """GOV.UK Notify through notifications-python-client; reference = the row's UUID.

    Notify templates are pass-through ("((subject))"/"((body))"): the wording is
    rendered and versioned by victimcare and kept in the ledger.
    """

    name = "notify"

    def _template_id(self, channel: str) -> str:
        template_id = settings.NOTIFY_TEMPLATE_IDS.get(channel, "")
        if not template_id:
            raise ChannelError(FailureKind.CONFIGURATION, f"no Notify template id for {channel}")
        return str(template_id)

    def send(self, message: OutboundMessage) -> str:
        template_id = self._template_id(message.channel)
        client = notify_client()
        reference = message.reference
        try:
            if message.channel == Channel.SMS:
                response = client.send_sms_notification(
                    phone_number=message.recipient,
                    template_id=template_id,
                    personalisation={"body": message.body},
                    reference=reference,
                )
            elif message.channel == Channel.EMAIL:
                response = client.send_email_notification(
                    email_address=message.recipient,
                    template_id=template_id,
                    personalisation={"subject": message.subject, "body": message.body},
                    reference=reference,
                )
            else:
                lines = [line for line in message.recipient.splitlines() if line.strip()]
                personalisation = {f"address_line_{n}": line for n, line in enumerate(lines, 1)}
                personalisation |= {"subject": message.subject, "body": message.body}
                response = client.send_letter_notification(
                    template_id=template_id, personalisation=personalisation, reference=reference
                )
        except InvalidResponse as error:
            raise ChannelError(FailureKind.UNCERTAIN, "notify reply was not JSON") from error
        except APIError as error:
            raise ChannelError(_api_error_kind(error), _api_error_detail(error)) from error
        provider_id = response.get("id") if isinstance(response, dict) else None
        if not provider_id:
            raise ChannelError(FailureKind.UNCERTAIN, "notify reply had no id")
        return str(provider_id)

    def lookup(self, reference: str) -> str | None:
        try:
            response = notify_client().get_all_notifications(reference=reference)
        except InvalidResponse as error:
            raise ChannelError(FailureKind.UNCERTAIN, "notify reply was not JSON") from error
        except APIError as error:
            raise ChannelError(_api_error_kind(error), _api_error_detail(error)) from error
        for notification in (response or {}).get("notifications", []):
            if notification.get("reference") == reference and notification.get("id"):
                return str(notification["id"])
        return None


CHANNELS: dict[str, type[LocalOutboxChannel] | type[NotifyChannel]] = {
    "local": LocalOutboxChannel,
    "notify": NotifyChannel,
}


def channel_for(message_channel: str) -> MessageChannel:
    """The configured channel (settings.MESSAGING_CHANNEL) for SMS, email or letter."""
    name = settings.MESSAGING_CHANNEL
    if name not in CHANNELS:
        raise ImproperlyConfigured(f"MESSAGING_CHANNEL must be one of {sorted(CHANNELS)}.")
    return CHANNELS[name]()
