"""Referral measures (/referrals/measures/) and advocate capacity against demand
(/referrals/capacity/, /referrals/capacity.csv) for analysts and police
supervisors and administrators (`referrals.view_measures`; anyone else 404).

GET forms: the period and filters travel in the query string (aggregate counts
only, no personal data), so a result can be bookmarked and the CSV link keeps
the choices. With no query the pages show a default period at once.
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
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from victimcare.accounts.constants import OrganisationKind
from victimcare.accounts.models import Area, Organisation
from victimcare.accounts.stepup import step_up_required
from victimcare.accounts.views import permission_required_or_404
from victimcare.core.forms import GovukDateField
from victimcare.duties.calendar import LONDON

from .capacity import KINDS, BoroughSummary, CapacityTable, capacity_csv, capacity_table
from .constants import ServiceKind
from .measures import Filters, Measures, period_errors, referral_measures
from .permissions import VIEW_MEASURES

START_REQUIRED = "Enter the first day of the period"
END_REQUIRED = "Enter the last day of the period"
BOROUGH_INVALID = "Select a borough from the list"
TEAM_INVALID = "Select a team from the list"
DATE_FIELDS = ("start-day", "start-month", "start-year", "end-day", "end-month", "end-year")


class PeriodForm(forms.Form):
    start = GovukDateField(
        label="First day of the period",
        help_text="For example, 1 3 2026.",
        error_messages={"required": START_REQUIRED},
    )
    end = GovukDateField(
        label="Last day of the period",
        help_text="For example, 31 8 2026. Up to 366 days, both days included.",
        error_messages={"required": END_REQUIRED},
    )
    borough = forms.ChoiceField(
        label="Borough",
        required=False,
        error_messages={"invalid_choice": BOROUGH_INVALID},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["borough"].choices = [("", "All boroughs")] + [
            (a.code, a.name) for a in Area.objects.order_by("name")
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if isinstance(start, dt.date) and isinstance(end, dt.date):
            for problem in period_errors(start=start, end=end):
                self.add_error("end", problem)
        return cleaned

    def area(self) -> Area | None:
        code = self.cleaned_data.get("borough")
        return Area.objects.get(code=code) if code else None


class MeasuresForm(PeriodForm):
    team = forms.ChoiceField(
        label="Team", required=False, error_messages={"invalid_choice": TEAM_INVALID}
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [("", "All teams")] + [
            (o.code, o.name)
            for o in Organisation.objects.filter(kind=OrganisationKind.TEAM, active=True).order_by(
                "name"
            )
        ]

    def team_org(self) -> Organisation | None:
        code = self.cleaned_data.get("team")
        return Organisation.objects.get(code=code) if code else None


def _default_data(months_back: int, extra: tuple[str, ...]) -> dict[str, str]:
    today = timezone.now().astimezone(LONDON).date()
    first = today.replace(day=1)
    for _ in range(months_back):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    data = {
        "start-day": str(first.day),
        "start-month": str(first.month),
        "start-year": str(first.year),
        "end-day": str(today.day),
        "end-month": str(today.month),
        "end-year": str(today.year),
    }
    return data | dict.fromkeys(extra, "")


def _bound(request: HttpRequest, form_class: type[PeriodForm], months_back: int) -> PeriodForm:
    extra = tuple(n for n in ("borough", "team") if n in form_class.base_fields)
    if any(name in request.GET for name in (*DATE_FIELDS, *extra)):
        return form_class(data=request.GET)
    return form_class(data=_default_data(months_back, extra))


def _query(form: PeriodForm) -> str:
    names = (*DATE_FIELDS, *(n for n in ("borough", "team") if n in form.fields))
    return urlencode([(name, form.data.get(name, "")) for name in names])


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _period_text(start: dt.date, end: dt.date) -> str:
    return f"{start:%-d %B %Y} to {end:%-d %B %Y}"


# --- Measures -----------------------------------------------------------------------


@never_cache
@permission_required_or_404(VIEW_MEASURES)
@require_GET
def measures_page(request: HttpRequest) -> HttpResponse:
    form = _bound(request, MeasuresForm, months_back=2)
    measures: Measures | None = None
    if form.is_valid():
        assert isinstance(form, MeasuresForm)  # noqa: S101 - for the type checker
        data = form.cleaned_data
        filters = Filters(data["start"], data["end"], area=form.area(), team=form.team_org())
        try:
            measures = referral_measures(user=request.user, filters=filters)  # type: ignore[arg-type]
        except ValidationError as exc:
            _add_errors(form, exc)
    return render(
        request,
        "referrals/measures_page.html",
        {
            "title": "Referral measures",
            "form": form,
            "measures": measures,
            "period": _period_text(measures.filters.start, measures.filters.end)
            if measures
            else "",
        },
        status=200 if measures or not form.errors else 400,
    )


# --- Capacity -----------------------------------------------------------------------

CHART_WIDTH = 900
CHART_LABEL = 230
CHART_ROW = 40
CHART_BAR = 15
CHART_TOP = 8


def chart(summaries: list[BoroughSummary]) -> dict[str, Any]:
    """Geometry of a horizontal bar chart: per borough, mean monthly demand and
    capacity, shortfall boroughs marked in words (not colour alone)."""
    top = max([s.demand_mean for s in summaries] + [s.capacity for s in summaries] + [1.0])
    span = CHART_WIDTH - CHART_LABEL - 110
    bars = []
    for i, s in enumerate(summaries):
        y = CHART_TOP + i * CHART_ROW
        bars.append(
            {
                "label": s.area_name,
                "shortfall": s.shortfall,
                "y": y,
                "demand": s.demand_mean,
                "demand_width": round(span * s.demand_mean / top, 1),
                "capacity": s.capacity,
                "capacity_width": round(span * s.capacity / top, 1),
            }
        )
    return {
        "width": CHART_WIDTH,
        "height": CHART_TOP * 2 + CHART_ROW * len(summaries),
        "label_x": CHART_LABEL - 8,
        "bar_x": CHART_LABEL,
        "bar": CHART_BAR,
        "bars": bars,
    }


KIND_TITLES = {
    ServiceKind.IDVA: "Independent domestic violence advisers (IDVAs)",
    ServiceKind.ISVA: "Independent sexual violence advisers (ISVAs)",
}


@never_cache
@permission_required_or_404(VIEW_MEASURES)
@require_GET
def capacity_page(request: HttpRequest) -> HttpResponse:
    form = _bound(request, PeriodForm, months_back=5)
    table = _capacity(request, form)
    sections = []
    if table is not None:
        for kind in KINDS:
            summaries = table.summaries(kind)
            sections.append(
                {
                    "kind": kind,
                    "title": KIND_TITLES[kind],
                    "short": "IDVA" if kind == ServiceKind.IDVA else "ISVA",
                    "summaries": summaries,
                    "chart": chart(summaries),
                    "rows": [r for r in table.rows if r.kind == kind],
                }
            )
    return render(
        request,
        "referrals/capacity_page.html",
        {
            "title": "Advocate capacity against demand",
            "form": form,
            "table": table,
            "sections": sections,
            "period": _period_text(table.start, table.end) if table else "",
            "csv_url": f"{reverse('referrals:capacity-csv')}?{_query(form)}" if table else None,
        },
        status=200 if table is not None or not form.errors else 400,
    )


def _capacity(request: HttpRequest, form: PeriodForm) -> CapacityTable | None:
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        return capacity_table(
            user=request.user,  # type: ignore[arg-type]
            start=data["start"],
            end=data["end"],
            area=form.area(),
        )
    except ValidationError as exc:
        _add_errors(form, exc)
        return None


@never_cache
@permission_required_or_404(VIEW_MEASURES)
@step_up_required
@require_GET
def capacity_csv_download(request: HttpRequest) -> HttpResponse:
    """The same table as CSV; with bad choices, the page with its errors."""
    form = _bound(request, PeriodForm, months_back=5)
    table = _capacity(request, form)
    if table is None:
        return render(
            request,
            "referrals/capacity_page.html",
            {"title": "Advocate capacity against demand", "form": form, "table": None},
            status=400,
        )
    response = HttpResponse(capacity_csv(table), content_type="text/csv; charset=utf-8")
    borough = f"-{table.area.code}" if table.area else ""
    name = f"advocate-capacity-{table.start:%Y%m%d}-{table.end:%Y%m%d}{borough}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
