"""The outbox ledger: one row per message, and the history of its status.

A row is written in the same transaction as the change that causes it; its
UUID is the reference the provider stores, so a retry whose outcome is unknown
can look the message up instead of sending it twice. Recipient, subject and
body are personal data and stored encrypted; `last_error` holds only status
codes and error class names.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from victimcare.core.fields import EncryptedTextField

from .constants import Channel, EventSource, RecipientKind, Status


class OutboundMessage(models.Model):
    """One SMS, email or letter, from enqueue to its final status."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    recipient_kind = models.CharField(max_length=16, choices=RecipientKind.choices)
    crime = models.ForeignKey(
        "cases.Crime", on_delete=models.PROTECT, null=True, blank=True, related_name="messages"
    )
    victim = models.ForeignKey(
        "cases.Victim", on_delete=models.PROTECT, null=True, blank=True, related_name="messages"
    )
    template_code = models.CharField(max_length=64)
    template_version = models.PositiveIntegerField(default=1)
    language = models.CharField(max_length=16, default="en")
    # Phone number, email address, or postal address lines separated by newlines.
    recipient = EncryptedTextField()
    subject = EncryptedTextField(blank=True, default="")
    body = EncryptedTextField()
    idempotency_key = models.CharField(max_length=200)

    status = models.CharField(max_length=32, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=100, blank=True, default="")
    doorbell_at = models.DateTimeField(null=True, blank=True)
    provider_id = models.CharField(max_length=100, blank=True, default="")
    last_error = models.CharField(max_length=200, blank=True, default="")

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_key"], name="messaging_message_idempotency_key_uniq"
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="messaging_message_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=Channel.values), name="messaging_message_channel_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="messaging_msg_due_idx"),
            models.Index(fields=["status", "lease_until"], name="messaging_msg_lease_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.template_code} {self.id} ({self.status})"

    @property
    def reference(self) -> str:
        """The reference given to the provider: this row's UUID."""
        return str(self.id)


class MessageStatusEvent(models.Model):
    """One status change of a message, or one raw receipt, in the order recorded."""

    message = models.ForeignKey(OutboundMessage, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=32, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=32, choices=Status.choices)
    source = models.CharField(max_length=16, choices=EventSource.choices)
    worker_id = models.CharField(max_length=100, blank=True, default="")
    attempt = models.PositiveIntegerField(default=0)
    detail = models.CharField(max_length=200, blank=True, default="")
    # A provider's raw receipt may repeat the recipient, so it is encrypted too.
    raw = EncryptedTextField(null=True, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [
            models.Index(fields=["message", "occurred_at"], name="messaging_event_message_idx")
        ]

    def __str__(self) -> str:
        return f"{self.message_id}: {self.from_status or '-'} -> {self.to_status}"
