"""The insights dashboards (`insights.view`; anyone else 404): the headline
(/insights/), one breakdown (/insights/satisfaction/), the "furthest below
target" answer (/insights/below-target/), Code compliance
(/insights/compliance/) and a CSV download of every table (/insights/csv/).

GET forms (`forms_dashboards`): bad choices show the GOV.UK error summary
with status 400 and no figures. Aggregates only, read from the rollups; the
figures are narrowed to the viewer's boroughs by the selectors.
"""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from victimcare.accounts.stepup import step_up_required
from victimcare.accounts.views import permission_required_or_404

from . import charts
from .figures import Filters, by_gap, satisfaction_overview
from .figures_breakdowns import BREAKDOWNS, below_target, satisfaction_breakdown
from .figures_compliance import GROUPINGS, compliance_figures
from .figures_tables import (
    Table,
    below_target_tables,
    breakdown_tables,
    compliance_tables,
    overview_tables,
)
from .forms_dashboards import (
    TABLE_INVALID,
    BreakdownForm,
    ComplianceForm,
    DashboardForm,
    HomeForm,
    bound,
)
from .permissions import VIEW

# Which page each downloadable table belongs to.
TABLE_PAGES: dict[str, str] = {
    "headline": "home",
    "distribution": "home",
    "months": "home",
    "quarters": "home",
    "boroughs": "home",
    "bcus": "home",
    "breakdown": "satisfaction",
    "bame": "satisfaction",
    "below-boroughs": "below-target",
    "below-groups": "below-target",
    "not-enough": "below-target",
    "compliance": "compliance",
    "vps": "compliance",
    "referrals": "compliance",
}


def _period(filters: Filters) -> str:
    if filters.start == filters.end:
        return f"{filters.start:%B %Y}"
    return f"{filters.start:%B %Y} to {filters.end:%B %Y}"


def _render(
    request: HttpRequest, template: str, form: DashboardForm, context: dict[str, Any]
) -> HttpResponse:
    ok = not form.errors
    context = {
        "form": form,
        "query": form.query(),
        "csv_base": reverse("insights:csv"),
        **context,
    }
    return render(request, f"insights/{template}", context, status=200 if ok else 400)


def _home_context(form: DashboardForm, user: Any) -> dict[str, Any]:
    overview = satisfaction_overview(user=user, filters=form.filters())
    if form.cleaned_data.get("sort") == "gap":
        overview = replace(overview, boroughs=by_gap(overview.boroughs))
    target = overview.headline.target
    return {
        "overview": overview,
        "period": _period(overview.filters),
        "tables": {t.name: t for t in overview_tables(overview)},
        "month_chart": charts.columns(overview.months, target=target),
        "quarter_chart": charts.columns(overview.quarters, target=target),
        "borough_chart": charts.horizontal(overview.boroughs),
    }


@never_cache
@permission_required_or_404(VIEW)
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    form = bound(HomeForm, request)
    context: dict[str, Any] = {"title": "Insights: victim satisfaction", "breakdowns": BREAKDOWNS}
    if form.is_valid():
        context |= _home_context(form, request.user)
    return _render(request, "dashboard_home.html", form, context)


def _satisfaction_context(form: DashboardForm, user: Any) -> dict[str, Any]:
    breakdown = satisfaction_breakdown(
        user=user, filters=form.filters(), by=form.cleaned_data["by"]
    )
    return {
        "breakdown": breakdown,
        "period": _period(breakdown.filters),
        "tables": {t.name: t for t in breakdown_tables(breakdown)},
        "chart": charts.horizontal(breakdown.groups),
    }


@never_cache
@permission_required_or_404(VIEW)
@require_GET
def satisfaction(request: HttpRequest) -> HttpResponse:
    form = bound(BreakdownForm, request)
    context: dict[str, Any] = {"title": "Satisfaction by group", "breakdowns": BREAKDOWNS}
    if form.is_valid():
        context |= _satisfaction_context(form, request.user)
        context["title"] = f"Satisfaction by {BREAKDOWNS[form.cleaned_data['by']].lower()}"
    return _render(request, "dashboard_satisfaction.html", form, context)


def _below_context(form: DashboardForm, user: Any) -> dict[str, Any]:
    result = below_target(user=user, filters=form.filters())
    return {
        "result": result,
        "period": _period(result.filters),
        "tables": {t.name: t for t in below_target_tables(result)},
    }


@never_cache
@permission_required_or_404(VIEW)
@require_GET
def below_target_page(request: HttpRequest) -> HttpResponse:
    form = bound(DashboardForm, request)
    context: dict[str, Any] = {"title": "Which boroughs and groups are furthest below target?"}
    if form.is_valid():
        context |= _below_context(form, request.user)
    return _render(request, "dashboard_below_target.html", form, context)


def _compliance_context(form: DashboardForm, user: Any) -> dict[str, Any]:
    group = form.cleaned_data["group"]
    figures = compliance_figures(user=user, filters=form.filters(), group=group)
    return {
        "compliance": figures,
        "period": _period(figures.filters),
        "groupings": GROUPINGS,
        "tables": {t.name: t for t in compliance_tables(figures, GROUPINGS[group])},
    }


@never_cache
@permission_required_or_404(VIEW)
@require_GET
def compliance(request: HttpRequest) -> HttpResponse:
    form = bound(ComplianceForm, request)
    context: dict[str, Any] = {"title": "Victims' Code compliance", "groupings": GROUPINGS}
    if form.is_valid():
        context |= _compliance_context(form, request.user)
    return _render(request, "dashboard_compliance.html", form, context)


# --- CSV ----------------------------------------------------------------------------------


class CsvForm(HomeForm, BreakdownForm, ComplianceForm):
    extra_names = ("sort", "by", "group")


def _safe(value: str) -> str:
    """A cell a spreadsheet will not run as a formula (a leading minus of a
    number stays: "-5.0" is a number, not a formula)."""
    if value[:1] in ("=", "+", "@", "\t", "\r") or (
        value[:1] == "-" and not value[1:].replace(".", "", 1).isdigit()
    ):
        return "'" + value
    return value


def table_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([_safe(h) for h in table.head])
    for row in table.rows:
        writer.writerow([_safe(c) for c in row])
    return out.getvalue()


CONTEXTS = {
    "home": _home_context,
    "satisfaction": _satisfaction_context,
    "below-target": _below_context,
    "compliance": _compliance_context,
}


@never_cache
@permission_required_or_404(VIEW)
@step_up_required
@require_GET
def csv_download(request: HttpRequest) -> HttpResponse:
    """`?table=<name>&<the page's filters>`: that table as CSV; with bad
    choices, the home page with its errors (400)."""
    form = bound(CsvForm, request)
    name = request.GET.get("table", "")
    if name not in TABLE_PAGES:
        form.is_valid()
        form.add_error(None, TABLE_INVALID)
    if not form.is_valid():
        return _render(
            request, "dashboard_home.html", form, {"title": "Insights: victim satisfaction"}
        )
    context = CONTEXTS[TABLE_PAGES[name]](form, request.user)
    table = context["tables"].get(name)
    if table is None:  # e.g. the BAME table of a breakdown that is not by ethnicity
        form.add_error(None, TABLE_INVALID)
        return _render(
            request, "dashboard_home.html", form, {"title": "Insights: victim satisfaction"}
        )
    filters: Filters = context[
        {"home": "overview", "satisfaction": "breakdown", "below-target": "result"}.get(
            TABLE_PAGES[name], "compliance"
        )
    ].filters
    response = HttpResponse(table_csv(table), content_type="text/csv; charset=utf-8")
    parts = ["insights", name]
    if TABLE_PAGES[name] == "satisfaction":
        parts.append(form.cleaned_data["by"])
    if TABLE_PAGES[name] == "compliance":
        parts.append(form.cleaned_data["group"])
    area = form.cleaned_data.get("area") or ""
    if area:
        parts.append(area.split(":", 1)[1])
    parts += [f"{filters.start:%Y-%m}", f"to-{filters.end:%Y-%m}"]
    filename = "-".join(p.replace("_", "-") for p in parts) + ".csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
