"""The compliance figures page (/compliance/) and its CSV download.

A GET form: the period and the grouping travel in the query string, so a
result can be bookmarked and the CSV link keeps the choices. The figures are
aggregate counts (no personal data), so the query string may hold them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from victimcare.accounts.stepup import step_up_required
from victimcare.accounts.views import permission_required_or_404
from victimcare.core.forms import GovukDateField

from . import messages
from .calendar import LONDON
from .compliance import (
    GROUPINGS,
    ComplianceFigures,
    compliance_csv,
    compliance_figures,
    compliance_period_errors,
)

PERMISSION = "duties.view_compliance"
TITLE = "Victims' Code compliance"
# The form's fields as they appear in the query string (govukDateInput names).
QUERY_FIELDS = (
    "start-day",
    "start-month",
    "start-year",
    "end-day",
    "end-month",
    "end-year",
    "by",
)


class ComplianceForm(forms.Form):
    start = GovukDateField(
        label="First day of the period",
        help_text="For example, 1 1 2026.",
        error_messages={"required": messages.COMPLIANCE_START_REQUIRED},
    )
    end = GovukDateField(
        label="Last day of the period",
        help_text="For example, 31 3 2026. Up to 366 days, both days included.",
        error_messages={"required": messages.COMPLIANCE_END_REQUIRED},
    )
    by = forms.ChoiceField(
        label="Group the figures by",
        choices=list(GROUPINGS.items()),
        error_messages={
            "required": messages.COMPLIANCE_GROUP_BY_INVALID,
            "invalid_choice": messages.COMPLIANCE_GROUP_BY_INVALID,
        },
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if isinstance(start, dt.date) and isinstance(end, dt.date):
            for problem in compliance_period_errors(start=start, end=end):
                self.add_error("end", problem)
        return cleaned


def _submitted(request: HttpRequest) -> bool:
    return any(name in request.GET for name in QUERY_FIELDS)


def _figures(request: HttpRequest, form: ComplianceForm) -> ComplianceFigures | None:
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        return compliance_figures(
            user=request.user, start=data["start"], end=data["end"], group_by=data["by"]
        )
    except ValidationError as exc:  # the selector checks the same rules; keep them in step
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return None


@never_cache
@permission_required_or_404(PERMISSION)
@require_GET
def compliance_page(request: HttpRequest) -> HttpResponse:
    """The form and, once it is filled in correctly, the figures as a table."""
    submitted = _submitted(request)
    form = ComplianceForm(data=request.GET if submitted else None, initial={"by": "right"})
    figures = _figures(request, form) if submitted else None
    csv_url = None
    if figures is not None:
        query = urlencode([(name, request.GET.get(name, "")) for name in QUERY_FIELDS])
        csv_url = f"{reverse('compliance:csv')}?{query}"
    return render(
        request,
        "compliance/figures.html",
        {
            "title": TITLE,
            "form": form,
            "figures": figures,
            "group_label": GROUPINGS.get(figures.group_by, "") if figures else "",
            "csv_url": csv_url,
            "made_at": figures.made_at.astimezone(LONDON).strftime("%-d %B %Y %H:%M")
            if figures
            else "",
        },
    )


@never_cache
@permission_required_or_404(PERMISSION)
@step_up_required
@require_GET
def compliance_csv_download(request: HttpRequest) -> HttpResponse:
    """The same figures as CSV; with bad choices, the page with its errors."""
    form = ComplianceForm(data=request.GET)
    figures = _figures(request, form)
    if figures is None:
        return render(
            request,
            "compliance/figures.html",
            {"title": TITLE, "form": form, "figures": None, "csv_url": None},
            status=400,
        )
    response = HttpResponse(compliance_csv(figures), content_type="text/csv; charset=utf-8")
    name = f"vcop-compliance-{figures.start:%Y%m%d}-{figures.end:%Y%m%d}-by-{figures.group_by}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
