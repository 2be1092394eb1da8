"""Targets pages (issue 9, item 3): the list of a financial year's targets,
setting a new one and changing one. Rules and messages live in `targets.py`.

Anyone with `insights.view` sees every target (targets are not personal data,
so a borough commander sees the whole list too); only `insights.set_targets`
(analysts and administrators of the oversight body) may set them. Anyone else
gets 404, as everywhere in the project.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from victimcare.accounts.views import permission_required_or_404

from .constants import Measure
from .forms_targets import FORCE_VALUE, TargetForm, year_form
from .models import Target
from .permissions import SET_TARGETS, VIEW
from .targets import (
    FORCE_LABEL,
    QUARTERS,
    financial_year_label,
    target_list,
    target_set,
    targets_for_year,
)

LIST_TITLE = "Targets"
NEW_TITLE = "Set a target"
EDIT_TITLE = "Change a target"
TARGET_SET = "Target set"
TARGET_UPDATED = "Target updated"


def percent_text(value: Decimal | None) -> str:
    """82.50 → "82.5%", 80.00 → "80%", None → ""."""
    if value is None:
        return ""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{text}%"


def when_text(value: datetime.datetime) -> str:
    """A date in the London calendar, like "1 May 2027"."""
    return timezone.localtime(value).strftime("%-d %B %Y")


def _list_url(year: int) -> str:
    return f"{reverse('insights:targets')}?{urlencode({'year': year})}"


@never_cache
@permission_required_or_404(VIEW)
@require_GET
def target_list_page(request: HttpRequest) -> HttpResponse:
    """A financial year's targets, grouped by measure."""
    form, year = year_form(request.GET)
    groups = target_list(year=year) if year is not None else []
    return render(
        request,
        "insights/targets_list.html",
        {
            "title": LIST_TITLE,
            "form": form,
            "year": year,
            "year_label": financial_year_label(year) if year is not None else "",
            "groups": groups,
            "can_set": request.user.has_perm(SET_TARGETS),
            "percent_text": percent_text,
            "force_label": FORCE_LABEL,
            "quarters": QUARTERS,
            "when": when_text,
        },
        status=200 if year is not None else 400,
    )


def _apply(request: HttpRequest, form: TargetForm, target: Target | None) -> HttpResponse | None:
    """Save a valid form through `target_set`; the redirect to the list, or
    None after copying the service's errors onto the form."""
    if target is None:
        measure, area, year = (
            form.cleaned_data["measure"],
            form.cleaned_data["area"],
            form.cleaned_data["year"],
        )
    else:
        measure, area, year = target.measure, target.area, target.year
    existed = (area.pk if area is not None else None) in targets_for_year(
        measure=measure, year=year
    )
    annual, milestones = form.values()
    try:
        target_set(
            actor=request.user,
            measure=measure,
            area=area,
            year=year,
            annual=annual,
            milestones=milestones,
            request=request,
        )
    except ValidationError as error:
        for key, texts in error.message_dict.items():
            for text in texts:
                form.add_error(key if key in form.fields else None, text)
        return None
    messages.success(request, TARGET_UPDATED if existed else TARGET_SET)
    return redirect(_list_url(year))


def _form_page(
    request: HttpRequest, form: TargetForm, title: str, extra: dict[str, Any]
) -> HttpResponse:
    return render(
        request,
        "insights/targets_form.html",
        {"title": title, "form": form, **extra},
        status=400 if form.errors else 200,
    )


@never_cache
@permission_required_or_404(SET_TARGETS)
@require_http_methods(["GET", "POST"])
def target_new(request: HttpRequest) -> HttpResponse:
    """Set a target. One that already exists for the measure, area and year
    is changed (and the person is told so)."""
    if request.method == "POST":
        form = TargetForm(data=request.POST)
        if form.is_valid():
            response = _apply(request, form, None)
            if response is not None:
                return response
    else:
        form = TargetForm(initial={"year": str(year_form({})[1]), "area": FORCE_VALUE})
    return _form_page(request, form, NEW_TITLE, {"action": reverse("insights:target-new")})


@never_cache
@permission_required_or_404(SET_TARGETS)
@require_http_methods(["GET", "POST"])
def target_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the percentages of one target."""
    target = get_object_or_404(Target.objects.select_related("area"), pk=pk)
    if request.method == "POST":
        form = TargetForm(data=request.POST, fixed=True)
        if form.is_valid():
            response = _apply(request, form, target)
            if response is not None:
                return response
    else:
        initial = {"annual": percent_text(target.annual).removesuffix("%")}
        for n in QUARTERS:
            initial[f"q{n}"] = percent_text(getattr(target, f"q{n}")).removesuffix("%")
        form = TargetForm(initial=initial, fixed=True)
    return _form_page(
        request,
        form,
        EDIT_TITLE,
        {
            "action": reverse("insights:target-edit", args=[target.pk]),
            "target": target,
            "measure_label": Measure(target.measure).label,
            "area_label": target.area.name if target.area else FORCE_LABEL,
            "year_label": financial_year_label(target.year),
        },
    )
