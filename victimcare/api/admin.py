"""API tokens in the admin: visible and revocable by administrators, never created there
(the secret is shown once, by `victimcare token create`), never edited or deleted."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from victimcare.accounts.admin import PolicyAdmin

from .models import ApiToken
from .services import TokenError, token_revoke


@admin.register(ApiToken)
class ApiTokenAdmin(PolicyAdmin):
    list_display = [
        "prefix",
        "organisation",
        "name",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    ]
    list_filter = ["organisation"]
    search_fields = ["prefix", "name"]
    ordering = ["organisation", "-created_at"]
    readonly_fields = [
        "organisation",
        "name",
        "user",
        "prefix",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    ]
    exclude = ["token_hash"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Revoke the selected tokens", permissions=["view"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset.filter(revoked_at__isnull=True):
            try:
                token_revoke(prefix=token.prefix)
            except TokenError as exc:
                self.message_user(request, str(exc), messages.WARNING)
        self.message_user(request, "Revoked.", messages.SUCCESS)
