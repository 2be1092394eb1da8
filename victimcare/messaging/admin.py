"""The outbox, read-only: in the embedded default this is where messages "arrive".

Nothing here changes a message: status moves only through the services, so an
administrator reads the ledger and its history but cannot edit or delete it.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from victimcare.accounts.admin import PolicyAdmin

from .models import DeliveryReceipt, InboundSms, MessageStatusEvent, OutboundMessage


class MessageStatusEventInline(admin.TabularInline):
    model = MessageStatusEvent
    extra = 0
    fields = ["occurred_at", "from_status", "to_status", "source", "attempt", "detail"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OutboundMessage)
class OutboundMessageAdmin(PolicyAdmin):
    list_display = [
        "created_at",
        "channel",
        "template_code",
        "language",
        "status",
        "attempts",
        "sent_at",
    ]
    list_filter = ["status", "channel", "recipient_kind", "template_code"]
    ordering = ["-created_at"]
    fields = [
        "id",
        "channel",
        "recipient_kind",
        "crime",
        "victim",
        "template_code",
        "template_version",
        "language",
        "recipient",
        "subject",
        "body",
        "status",
        "attempts",
        "next_attempt_at",
        "lease_until",
        "claimed_by",
        "provider_id",
        "last_error",
        "safety_reason",
        "created_at",
        "sent_at",
        "completed_at",
    ]
    readonly_fields = fields
    inlines = [MessageStatusEventInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(PolicyAdmin):
    """What a provider told us, as received: readable, never editable."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(DeliveryReceipt)
class DeliveryReceiptAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "status", "applied", "outcome", "reference"]
    list_filter = ["status", "applied"]
    fields = [
        "received_at",
        "status",
        "reference",
        "provider_id",
        "message",
        "provider_completed_at",
        "applied",
        "outcome",
        "raw",
    ]
    readonly_fields = fields


@admin.register(InboundSms)
class InboundSmsAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "provider_id"]
    fields = ["received_at", "provider_id", "from_number", "content", "raw"]
    readonly_fields = fields
