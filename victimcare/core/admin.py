"""The audit log (read-only for everyone, superusers included) and background tasks in the Django admin."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django_tasks_db import admin as _tasks_db_admin  # noqa: F401 - registers first; replaced below
from django_tasks_db.models import DBTaskResult

from .audit import audit_record
from .constants import AuditAction
from .models import AuditEvent
from .tasks_recovery import ABANDONED_EXCEPTION_PATH


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


# Background tasks (django-tasks-db). Its own admin asks for Django model
# permissions, which nobody here holds, so administrators could not see a task
# the orphaned-task sweep gave up on (core.tasks_recovery). Read-only; the
# arguments, return values and other tracebacks (which may quote data) are not shown.
admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class TaskResultAdmin(admin.ModelAdmin[DBTaskResult]):
    list_display = ("id", "task_name", "status", "enqueued_at", "started_at", "finished_at")
    list_filter = ("status", "queue_name")
    ordering = ("-enqueued_at",)
    actions = None
    show_full_result_count = False
    fields = readonly_fields = (
        "id",
        "task_path",
        "status",
        "queue_name",
        "enqueued_at",
        "started_at",
        "finished_at",
        "worker_ids",
        "exception_class_path",
        "abandoned_because",
    )

    @admin.display(description="abandoned because")
    def abandoned_because(self, obj: DBTaskResult) -> str:
        return obj.traceback if obj.exception_class_path == ABANDONED_EXCEPTION_PATH else "-"

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("accounts.use_admin"))

    def has_view_permission(self, request: HttpRequest, obj: DBTaskResult | None = None) -> bool:
        return bool(request.user.has_perm("accounts.use_admin"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: DBTaskResult | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: DBTaskResult | None = None) -> bool:
        return False
