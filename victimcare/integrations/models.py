"""Webhook subscriptions and their deliveries (an outbox), partner feeds with
their expected rhythm and outages, and bulk uploads of events."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

from victimcare.accounts.models import Organisation, User
from victimcare.core.fields import EncryptedTextField

from .constants import DeliveryStatus, Rhythm, UploadFormat, UploadState


class WebhookSubscription(models.Model):
    """A partner system's endpoint that is told about journey events of the
    cases shared with its organisation, for the event types it chose. Each
    delivery is signed with HMAC-SHA256 under `secret` (shown once)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="webhook_subscriptions"
    )
    name = models.CharField(max_length=100, help_text="Which system, e.g. 'probation case system'.")
    url = models.URLField(max_length=500)
    secret = EncryptedTextField()
    event_types = models.JSONField(default=list, help_text="Journey event codes.")
    active = models.BooleanField(default=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=200, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["organisation", "active"], name="webhook_sub_org_idx")]

    def __str__(self) -> str:
        return f"webhook {self.pk} ({self.name})"


class WebhookDelivery(models.Model):
    """One event to send to one subscription: written in the same transaction
    as the event (never lost), sent by a worker with retries and back-off, and
    at most one per (subscription, event) apart from explicit replays."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.PROTECT, related_name="deliveries"
    )
    event = models.ForeignKey("cases.JourneyEvent", on_delete=models.PROTECT, related_name="+")
    event_type = models.CharField(max_length=40)
    payload = models.JSONField(default=dict)
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=100, blank=True, default="")
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True, default="")
    delivered_at = models.DateTimeField(null=True, blank=True)
    replay_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, related_name="replays", null=True, blank=True
    )
    requested_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event"],
                condition=models.Q(replay_of__isnull=True),
                name="webhook_delivery_once_uniq",
            )
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due_idx"),
            models.Index(fields=["subscription", "-created_at"], name="webhook_delivery_log_idx"),
        ]

    def __str__(self) -> str:
        return f"delivery {self.pk}"


class Feed(models.Model):
    """A partner system's feed of journey events (e.g. a court's results) with
    the rhythm it is expected to keep. Heard whenever the organisation records
    one of `event_codes` (any event when empty) through the API or a bulk
    upload; silent beyond `tolerance` periods of its rhythm, it is in outage."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="feeds")
    name = models.CharField(max_length=100)
    event_codes = models.JSONField(default=list, blank=True)
    rhythm = models.CharField(max_length=12, choices=Rhythm.choices, default=Rhythm.WORKING_DAY)
    tolerance = models.PositiveSmallIntegerField(
        default=2, help_text="Periods of the rhythm it may stay silent before an alert."
    )
    active = models.BooleanField(default=True)
    last_received_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["organisation", "active"], name="feed_org_idx")]

    def __str__(self) -> str:
        return f"feed {self.pk} ({self.name})"


class FeedOutage(models.Model):
    """One silence of a feed beyond its rhythm: when it was noticed, how many
    open cases were flagged for manual checks, and when the feed came back."""

    feed = models.ForeignKey(Feed, on_delete=models.PROTECT, related_name="outages")
    silent_since = models.DateTimeField(help_text="The last time the feed was heard (or created).")
    detected_at = models.DateTimeField(default=timezone.now)
    cases_flagged = models.PositiveIntegerField(default=0)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["feed"],
                condition=models.Q(resolved_at__isnull=True),
                name="feed_one_open_outage_uniq",
            )
        ]
        indexes = [models.Index(fields=["feed", "-detected_at"], name="feed_outage_idx")]

    def __str__(self) -> str:
        return f"outage {self.pk}"


class BulkUpload(models.Model):
    """A CSV or JSON file of journey events from a partner without an
    integration: checked whole before anything is applied, every problem listed
    by row, applied in one transaction or not at all."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    format = models.CharField(max_length=4, choices=UploadFormat.choices)
    content = models.BinaryField(default=b"", editable=False)
    state = models.CharField(
        max_length=10, choices=UploadState.choices, default=UploadState.PENDING
    )
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    rows_checked = models.PositiveIntegerField(default=0)
    rows_applied = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    uploaded_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "-uploaded_at"], name="bulk_upload_org_idx")
        ]

    def __str__(self) -> str:
        return f"bulk upload {self.pk}"
