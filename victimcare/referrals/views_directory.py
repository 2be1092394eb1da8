"""The directory of support services: the list (filter by borough and kind)
and the edit page of one service. Nothing here is personal data: services,
organisations, boroughs and counts. Editing is audited as a CHANGE."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from victimcare.accounts.models import Area
from victimcare.accounts.views import permission_required_or_404
from victimcare.cases.forms import LANGUAGE_NAMES

from .constants import ADVOCATE_KINDS, Gender, RiskLevel
from .directory import access_service_for_edit, age_text, service_list, service_update
from .forms_directory import DirectoryFilterForm, ServiceEditForm
from .models import SupportService
from .permissions import EDIT_SERVICE, VIEW_DIRECTORY

LIST_TITLE = "Support services"
EDIT_TITLE = "Update a support service"


def _areas() -> list[Area]:
    return list(Area.objects.order_by("name"))


def _when(value: dt.datetime | None) -> str:
    if value is None:
        return "Never"
    local = timezone.localtime(value)
    return f"{local.day} {local:%B %Y}"


@never_cache
@permission_required_or_404(VIEW_DIRECTORY)
@require_http_methods(["GET"])
def directory_list(request: HttpRequest) -> HttpResponse:
    """Every service, filtered by borough and kind; an Edit link where the
    person may edit (administrators any, a supervisor their organisation's)."""
    areas = _areas()
    form = DirectoryFilterForm(data=request.GET or None, areas=areas)
    area: Area | None = None
    kind = ""
    if form.is_bound and form.is_valid():
        chosen = form.cleaned_data["borough"]
        area = next((a for a in areas if str(a.pk) == chosen), None)
        kind = form.cleaned_data["kind"]
    services = list(service_list(user=request.user, area=area, kind=kind))
    total_areas = len(areas)
    rows = []
    for s in services:
        covered = sorted(b.name for b in s.boroughs.all())
        rows.append(
            {
                "service": s,
                "boroughs": "Every London borough"
                if len(covered) == total_areas
                else ", ".join(covered) or "None",
                "who": _who(s),
                "advocates": s.kind in ADVOCATE_KINDS,
                "updated": _when(s.capacity_updated_at),
                "may_edit": request.user.has_perm(EDIT_SERVICE, s),
            }
        )
    return render(
        request,
        "referrals/directory_list.html",
        {
            "title": LIST_TITLE,
            "filter": form,
            "rows": rows,
            "area": area,
            "kind": kind,
            # The filter has no errors to summarise: unknown values are ignored.
            "form": None,
        },
    )


def _who(service: SupportService) -> str:
    """Who the service is for, in one line: age, gender, risk, languages."""
    parts = [age_text(service)]
    genders = [Gender(g).label.lower() for g in service.genders if g in Gender.values]
    if genders:
        parts.append(" or ".join(genders))
    risks = [RiskLevel(r).label.lower() for r in service.risk_levels if r in RiskLevel.values]
    if risks:
        parts.append(" or ".join(risks) + " risk")
    languages = [LANGUAGE_NAMES.get(c, c) for c in service.languages]
    if languages:
        parts.append("in " + ", ".join(languages))
    text = "; ".join(parts)
    return text[0].upper() + text[1:]


@never_cache
@permission_required_or_404(VIEW_DIRECTORY)
@require_http_methods(["GET", "POST"])
def directory_edit(request: HttpRequest, service_id: int) -> HttpResponse:
    """Change who a service is for, how it receives referrals and its capacity.
    404 for anyone who may not edit this service."""
    service = access_service_for_edit(user=request.user, service_id=service_id)
    areas = _areas()
    if request.method == "POST":
        form = ServiceEditForm(data=request.POST, areas=areas)
        if form.is_valid():
            try:
                service_update(
                    actor=request.user,
                    service=service,
                    boroughs=form.selected_areas(),
                    request=request,
                    **form.values(),
                )
            except ValidationError as error:
                for key, texts in error.message_dict.items():
                    for text in texts:
                        form.add_error(key if key in form.fields else None, text)
            else:
                messages.success(request, f"{service.name} updated")
                return redirect("referrals:directory")
    else:
        form = ServiceEditForm(
            areas=areas,
            initial={
                "boroughs": [str(pk) for pk in service.boroughs.values_list("pk", flat=True)],
                "min_age": service.min_age,
                "max_age": service.max_age,
                "genders": service.genders,
                "offence_groups": service.offence_groups,
                "risk_levels": service.risk_levels,
                "receive_by": service.receive_by,
                "referral_email": service.referral_email,
                "advocates_in_post": service.advocates_in_post,
                "caseload_each": service.caseload_each,
                "open_cases": service.open_cases,
                "waiting_days": service.waiting_days,
            },
        )
    return render(
        request,
        "referrals/directory_edit.html",
        {
            "title": EDIT_TITLE,
            "form": form,
            "service": service,
            "updated": _when(service.capacity_updated_at),
        },
    )
