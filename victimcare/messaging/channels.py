"""Channels deliver one outbox row; they never touch its status.

`send` returns the provider's id or raises ChannelError with a `kind` that
tells the service what the failure means for the ledger:

- TEMPORARY: the provider certainly did not take the message; retry later.
- RATE_LIMITED: the provider refused our pace (429): as TEMPORARY, but no
  attempt is counted and every worker backs off.
- UNCERTAIN: it may have (timeout, connection dropped, 5xx, unreadable reply);
  retry later, but only after a look-up by reference finds nothing.
- PERMANENT: the provider refused this message (400); it will never succeed.
- CONFIGURATION: our set-up is wrong (401/403, no template id); a person must act.

`lookup(reference)` answers the provider's id if it already holds a message
with that reference, else None. Error details never carry personal data.

`rate_bucket` names the shared token bucket (victimcare.messaging.ratelimit)
the channel's requests are counted against, or is None for no limit.
"""

from __future__ import annotations

import enum
import io
import smtplib
import socket
import threading
from typing import TYPE_CHECKING, Protocol
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from notifications_python_client.errors import APIError, InvalidResponse
from notifications_python_client.notifications import NotificationsAPIClient

from .constants import Channel

if TYPE_CHECKING:
    from .models import OutboundMessage


class FailureKind(enum.StrEnum):
    TEMPORARY = "temporary"
    RATE_LIMITED = "rate_limited"
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
    rate_bucket: str | None

    def send(self, message: OutboundMessage) -> str: ...

    def lookup(self, reference: str) -> str | None: ...


class LocalOutboxChannel:
    """The embedded default: the row itself is the outbox an administrator reads.

    "Sending" has no effect outside the database, so there is nothing to look
    up and nothing that could be duplicated.
    """

    name = "local"
    rate_bucket = None

    @property
    def delivers_at_once(self) -> bool:
        """The local outbox is where the message ends up: once written there it
        is delivered, so the demo completes duties as a delivery receipt would
        (MESSAGING_LOCAL_DELIVERS_AT_ONCE; tests that play receipts turn it off)."""
        return bool(settings.MESSAGING_LOCAL_DELIVERS_AT_ONCE)

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
        return FailureKind.RATE_LIMITED
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

    @property
    def rate_bucket(self) -> str:
        """One bucket per Notify service (its id is inside the API key)."""
        return f"notify:{settings.NOTIFY_API_KEY[-73:-37]}"

    def _template_id(self, channel: str) -> str:
        template_id = settings.NOTIFY_TEMPLATE_IDS.get(channel, "")
        if not template_id:
            raise ChannelError(FailureKind.CONFIGURATION, f"no Notify template id for {channel}")
        return str(template_id)

    @staticmethod
    def _sender(message: OutboundMessage, channel: str) -> str:
        """Notify's SMS sender id / email reply-to id: the neutral one (set up in
        Notify with a sender name that does not say "Police") for victims on
        restricted cases, else the service's usual one (blank: Notify's default)."""
        from .safety import needs_neutral_sender

        if needs_neutral_sender(message=message):
            return str(settings.NOTIFY_NEUTRAL_SENDER_IDS.get(channel, ""))
        return str(settings.NOTIFY_SENDER_IDS.get(channel, ""))

    def send(self, message: OutboundMessage) -> str:
        template_id = (
            "" if message.channel == Channel.LETTER else self._template_id(message.channel)
        )
        client = notify_client()
        reference = message.reference
        try:
            if message.channel == Channel.SMS:
                response = client.send_sms_notification(
                    phone_number=message.recipient,
                    template_id=template_id,
                    personalisation={"body": message.body},
                    reference=reference,
                    sms_sender_id=self._sender(message, "sms") or None,
                )
            elif message.channel == Channel.EMAIL:
                response = client.send_email_notification(
                    email_address=message.recipient,
                    template_id=template_id,
                    personalisation={"subject": message.subject, "body": message.body},
                    reference=reference,
                    email_reply_to_id=self._sender(message, "email") or None,
                )
            else:
                # Our own tagged, accessible PDF (large print, easy read, right to
                # left), sent precompiled: Notify prints exactly what we made.
                from .letters import LetterError, letter_pdf_for_message

                try:
                    pdf = letter_pdf_for_message(message)
                except LetterError as error:
                    raise ChannelError(FailureKind.PERMANENT, "letter address refused") from error
                response = client.send_precompiled_letter_notification(
                    reference=reference, pdf_file=io.BytesIO(pdf)
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

    def status(self, provider_id: str) -> dict[str, str] | None:
        """Notify's current status of one notification (for receipts that never came).

        Answers {"status", "completed_at"} or None if Notify no longer has it.
        """
        try:
            response = notify_client().get_notification_by_id(provider_id)
        except InvalidResponse as error:
            raise ChannelError(FailureKind.UNCERTAIN, "notify reply was not JSON") from error
        except APIError as error:
            if error.status_code == 404:
                return None
            raise ChannelError(_api_error_kind(error), _api_error_detail(error)) from error
        if not isinstance(response, dict) or not response.get("status"):
            raise ChannelError(FailureKind.UNCERTAIN, "notify reply had no status")
        return {
            "status": str(response["status"]),
            "completed_at": str(response.get("completed_at") or ""),
        }


# RFC 5322 atext, the characters a Message-ID's left part may hold unquoted.
_ATEXT = "!#$%&'*+-/=?^_`{|}~."


def smtp_message_id(idempotency_key: str) -> str:
    """`<key@domain>`: the idempotency key, with characters outside RFC 5322
    atext percent-encoded (':' becomes '%3A'), so the same fact always gets the
    same Message-ID and receiving systems can drop a duplicate."""
    left = quote(idempotency_key, safe=_ATEXT.replace("%", "")).strip(".") or "message"
    return f"<{left}@{settings.MESSAGING_SMTP_MESSAGE_ID_DOMAIN}>"


class SmtpEmailChannel:
    """Email through an SMTP relay (Django's SMTP backend); the alternative to Notify.

    SMTP has no look-up, so a message whose outcome was unknown (the connection
    dropped after DATA) may be sent again: at-least-once, with the same
    Message-ID (the idempotency key) every time.
    """

    name = "smtp"
    rate_bucket = None

    def send(self, message: OutboundMessage) -> str:
        from django.core.mail import EmailMessage
        from django.core.mail.backends.smtp import EmailBackend

        if message.channel != Channel.EMAIL:
            raise ChannelError(FailureKind.CONFIGURATION, f"smtp cannot send {message.channel}")
        message_id = smtp_message_id(message.idempotency_key)
        # Configured explicitly, as a MAILERS entry would be (alias given: no fallback
        # to EMAIL_*): the outbox's relay is its own, not the site's mailer.
        backend = EmailBackend(
            alias="messaging",
            host=settings.MESSAGING_SMTP_HOST,
            port=settings.MESSAGING_SMTP_PORT,
            username=settings.MESSAGING_SMTP_USERNAME or None,
            password=settings.MESSAGING_SMTP_PASSWORD or None,
            use_tls=settings.MESSAGING_SMTP_STARTTLS,
            timeout=settings.MESSAGING_SMTP_TIMEOUT_SECONDS,
        )
        email = EmailMessage(
            subject=message.subject,
            body=message.body,
            from_email=settings.MESSAGING_SMTP_FROM,
            to=[message.recipient],
            headers={"Message-ID": message_id, "X-Victimcare-Reference": message.reference},
        )
        try:
            backend.send_messages([email])
        except smtplib.SMTPAuthenticationError as error:
            raise ChannelError(FailureKind.CONFIGURATION, f"smtp {error.smtp_code} auth") from error
        except smtplib.SMTPRecipientsRefused as error:
            codes = sorted({code for code, _ in error.recipients.values()})
            kind = FailureKind.PERMANENT if codes and codes[0] >= 500 else FailureKind.TEMPORARY
            raise ChannelError(
                kind, f"smtp {codes[0] if codes else ''} recipient refused"
            ) from error
        except smtplib.SMTPResponseException as error:
            # A reply code means the server answered: 5xx refuses for good, 4xx for now.
            kind = FailureKind.PERMANENT if error.smtp_code >= 500 else FailureKind.TEMPORARY
            raise ChannelError(kind, f"smtp {error.smtp_code}") from error
        except (ConnectionRefusedError, smtplib.SMTPConnectError, socket.gaierror) as error:
            raise ChannelError(FailureKind.TEMPORARY, f"smtp {type(error).__name__}") from error
        except (OSError, smtplib.SMTPException) as error:
            # Timeout or a dropped connection, possibly after DATA: outcome unknown.
            raise ChannelError(FailureKind.UNCERTAIN, f"smtp {type(error).__name__}") from error
        return message_id

    def lookup(self, reference: str) -> str | None:
        return None


CHANNELS: dict[str, type[LocalOutboxChannel] | type[NotifyChannel] | type[SmtpEmailChannel]] = {
    "local": LocalOutboxChannel,
    "notify": NotifyChannel,
    "smtp": SmtpEmailChannel,
}


def channel_name_for(message_channel: str) -> str:
    """The configured channel's name: MESSAGING_EMAIL_CHANNEL for email if set,
    else MESSAGING_CHANNEL."""
    if message_channel == Channel.EMAIL and settings.MESSAGING_EMAIL_CHANNEL:
        return str(settings.MESSAGING_EMAIL_CHANNEL)
    return str(settings.MESSAGING_CHANNEL)


def channel_for(message_channel: str) -> MessageChannel:
    """The configured channel for SMS, email or letter (see channel_name_for)."""
    name = channel_name_for(message_channel)
    if name not in CHANNELS:
        raise ImproperlyConfigured(f"Messaging channel must be one of {sorted(CHANNELS)}.")
    return CHANNELS[name]()
