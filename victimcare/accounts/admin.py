"""Admin pages for organisations, areas and people, behind the permission policy.

Django's model permissions are not used: each ModelAdmin asks the policy
(`accounts.use_admin`, `accounts.manage_people`). Nothing here shows or edits
a password hash, and nothing deletes: people are deactivated, which ends their
sessions on their next request (StaffSessionMiddleware).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from .admin_site import admin_allowed
from .models import Area, Organisation, User


class PolicyAdmin(admin.ModelAdmin):
    """A ModelAdmin whose access follows one named permission; deleting is never offered."""

    permission = "accounts.use_admin"

    def _allowed(self, request: HttpRequest) -> bool:
        return admin_allowed(request) and request.user.has_perm(self.permission)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Organisation)
class OrganisationAdmin(PolicyAdmin):
    list_display = ["name", "kind", "code", "parent", "is_specialist", "active"]
    list_filter = ["kind", "is_specialist", "active"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]
    ordering = ["name"]


@admin.register(Area)
class AreaAdmin(PolicyAdmin):
    list_display = ["name", "code", "bcu"]
    list_filter = ["bcu"]
    search_fields = ["name", "code"]
    ordering = ["name"]


@admin.register(User)
class UserAdmin(PolicyAdmin):
    """People. No password field: a new person gets an unusable password until
    they are given one through a separate, audited route."""

    permission = "accounts.manage_people"
    list_display = ["full_name", "email", "role", "organisation", "is_active"]
    list_filter = ["role", "organisation__kind", "is_active"]
    search_fields = ["email", "full_name"]
    autocomplete_fields = ["organisation"]
    ordering = ["full_name"]
    fields = [
        "email",
        "full_name",
        "organisation",
        "role",
        "collar_number",
        "is_active",
        "otp_exempt",
        "last_login",
        "date_joined",
    ]
    readonly_fields = ["otp_exempt", "last_login", "date_joined"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).select_related("organisation")

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        if not change:
            obj.set_unusable_password()
        obj.email = obj.email.strip().lower()
        super().save_model(request, obj, form, change)
