"""The audit log in the Django admin: read-only for everyone, superusers included."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from .audit import audit_record
from .constants import AuditAction
from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    """Administrators may look; nobody may add, change or delete (not even a
    superuser), and no bulk actions exist. Every look is itself audited."""

    list_display = (
        "seq",
        "occurred_at",
        "action",
        "actor_id",
        "actor_role",
        "object_type",
        "object_id",
        "subject_type",
        "subject_id",
    )
    list_filter = ("action",)
    search_fields = ("=object_id", "=subject_id")
    search_help_text = "Exact object id or subject id."
    ordering = ("-seq",)
    actions = None
    show_full_result_count = False
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_view_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return bool(request.user.has_perm("core.search_audit"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        if response.status_code == 200:
            # What was typed in the search box may be anything, so it is not kept.
            audit_record(
                action=AuditAction.SEARCH,
                request=request,
                object_type="core.auditevent",
                detail={"via": "admin", "filtered": bool(request.GET)},
            )
        return response

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            audit_record(
                action=AuditAction.VIEW,
                request=request,
                object_type="core.auditevent",
                object_id=object_id,
                detail={"via": "admin"},
            )
        return response
