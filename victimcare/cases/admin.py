"""Admin pages for the case record's reference data.

Crimes, victims and events are deliberately absent: administrators manage
people and reference data, never cases (least privilege), and the case
record is changed only through services, which audit every change. The
offence list is data (cases/data/<OFFENCE_LIST>.json, `load_reference_data`),
so it is shown read-only here: an edit would be undone by the next load.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from victimcare.accounts.admin import PolicyAdmin

from .models import Offence


@admin.register(Offence)
class OffenceAdmin(PolicyAdmin):
    list_display = ["name", "code", "group", "restricted", "enhanced", "active"]
    list_filter = ["group", "restricted", "enhanced", "active"]
    search_fields = ["name", "code"]
    ordering = ["group", "name"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
