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

from victimcare.core.fields import BlindIndexField, EncryptedTextField

from .constants import (
    Channel,
    EventSource,
    ReceiptStatus,
    RecipientKind,
    Status,
    TaskKind,
    TaskState,
)


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
    duty = models.ForeignKey(
        "duties.Duty",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="messages",
        help_text="The duty this message fulfils when sent (SMS/email: when delivered).",
    )
    event = models.ForeignKey(
        "cases.JourneyEvent",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="messages",
        help_text="The journey event the message tells the victim about.",
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
    # Why a safety rule stopped or cancelled it (no personal data: rule names only).
    safety_reason = models.CharField(max_length=200, blank=True, default="")

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
            # The retention sweep pages through messages by (created_at, id).
            models.Index(fields=["created_at", "id"], name="messaging_msg_created_idx"),
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
            models.Index(fields=["message", "occurred_at"], name="messaging_event_message_idx"),
            # The retention sweep pages through events still holding a raw
            # receipt; erased ones leave the index, so each night reads only new rows.
            models.Index(
                fields=["occurred_at", "id"],
                condition=Q(raw__isnull=False),
                name="messaging_event_raw_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.message_id}: {self.from_status or '-'} -> {self.to_status}"


class ContactTask(models.Model):
    """A victim a person must contact themselves, because a message could not be
    sent safely or could not be delivered. Shown on the officer in the case's
    worklist and the Victim Focus Desk's until someone marks it done."""

    crime = models.ForeignKey("cases.Crime", on_delete=models.CASCADE, related_name="contact_tasks")
    victim = models.ForeignKey(
        "cases.Victim", on_delete=models.PROTECT, related_name="contact_tasks"
    )
    message = models.ForeignKey(
        OutboundMessage,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks",
    )
    duty = models.ForeignKey(
        "duties.Duty", on_delete=models.PROTECT, null=True, blank=True, related_name="contact_tasks"
    )
    kind = models.CharField(max_length=32, choices=TaskKind.choices)
    # Rule names and status codes only: no personal data.
    reason = models.CharField(max_length=300)
    assignee = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contact_tasks",
        help_text="The officer in the case.",
    )
    state = models.CharField(max_length=10, choices=TaskState.choices, default=TaskState.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    done_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # One open task per message: a retried failure does not pile up tasks.
            models.UniqueConstraint(
                fields=["message", "kind"],
                condition=Q(message__isnull=False),
                name="messaging_task_message_kind_uniq",
            )
        ]
        indexes = [
            models.Index(fields=["assignee", "state", "created_at"], name="messaging_task_oic_idx"),
            models.Index(fields=["state", "created_at"], name="messaging_task_open_idx"),
        ]

    def __str__(self) -> str:
        return f"Contact task {self.pk}"


class DeliveryReceipt(models.Model):
    """A delivery-status callback exactly as received, kept before it is applied."""

    provider_id = models.CharField(max_length=100, blank=True)
    reference = models.CharField(max_length=100, blank=True, db_index=True)
    status = models.CharField(max_length=32, choices=ReceiptStatus.choices)
    message = models.ForeignKey(
        OutboundMessage,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="receipts",
    )
    raw = EncryptedTextField(help_text="The callback body (may repeat the recipient).")
    received_at = models.DateTimeField(default=timezone.now)
    provider_completed_at = models.DateTimeField(null=True, blank=True)
    applied = models.BooleanField(default=False)
    outcome = models.CharField(max_length=100, blank=True, help_text="What applying it did.")

    class Meta:
        ordering = ["received_at", "id"]
        indexes = [
            # The retention sweep pages through receipts by (received_at, id).
            models.Index(fields=["received_at", "id"], name="messaging_receipt_received_idx")
        ]

    def __str__(self) -> str:
        return f"Receipt {self.pk}: {self.status}"


class InboundSms(models.Model):
    """A text message a victim sent to the service's number (kept for the feedback issue)."""

    provider_id = models.CharField(max_length=100, unique=True)
    from_number = EncryptedTextField()
    from_number_index = BlindIndexField(source="from_number", kind="phone")
    content = EncryptedTextField()
    raw = EncryptedTextField()
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"Inbound SMS {self.pk}"


class RateLimitBucket(models.Model):
    """A token bucket shared by every worker (one per provider service).

    Taken from with a row lock (SELECT … FOR UPDATE on PostgreSQL; SQLite
    serialises writers), so the limit holds across processes and hosts."""

    name = models.CharField(max_length=100, unique=True)
    tokens = models.FloatField()
    refreshed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name
