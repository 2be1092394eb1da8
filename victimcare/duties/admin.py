"""Admin pages for the Victims' Code rules and the calendar's local closures.

Rules are data an administrator may revise (constraints and Rule.clean() keep
each row valid); a new Code edition is a new rule file loaded with
`victimcare duties load-rules`. Rows not confirmed in the Code's own text are
flagged (`confirmed`) so an administrator can find and check them.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from victimcare.accounts.admin import PolicyAdmin

from .models import LocalClosure, Rule, RuleSet


class RuleInline(admin.TabularInline):
    model = Rule
    extra = 0
    fields = ["code", "trigger", "owner", "right", "confirmed"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RuleSet)
class RuleSetAdmin(PolicyAdmin):
    list_display = ["edition", "title", "effective_from", "active", "loaded_at"]
    list_filter = ["active"]
    readonly_fields = ["loaded_at"]
    inlines = [RuleInline]


@admin.register(Rule)
class RuleAdmin(PolicyAdmin):
    list_display = ["code", "rule_set", "trigger", "owner", "right", "clock", "confirmed"]
    list_filter = ["rule_set", "confirmed", "owner", "right", "trigger"]
    search_fields = ["code", "duty", "source"]
    ordering = ["rule_set", "position"]


@admin.register(LocalClosure)
class LocalClosureAdmin(PolicyAdmin):
    list_display = ["date", "reason", "created_by"]
    readonly_fields = ["created_by", "created_at"]
    ordering = ["-date"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A closure entered by mistake must be removable; nothing refers to it.
        return self._allowed(request)
