"""Staff feedback pages: your own feedback, scores, the recognition list and
recording a commendation (issue 6, item 6). Definitions live in `scores.py`.

Each page answers 404 to people without its permission (as the rest of the
project does), and reads only through `scores.py`, which scopes what is shown.
Comments (free text) are never shown here. Query strings hold the period and
the ordering only; paths hold numeric ids.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from victimcare.accounts.views import permission_required_or_404
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction

from .forms_scores import CommendationForm, period_form
from .scores import (
    COMMENDATION_INTERVAL_DAYS,
    DEFAULT_PERIOD_MONTHS,
    DEFAULT_SORT,
    LONDON,
    NOT_ENOUGH,
    RANKING_BASIS,
    SORTS,
    access_commendable_officer,
    commendation_record,
    is_recognised,
    min_responses,
    officer_score,
    own_feedback,
    period_for,
    recent_commendation,
    recognition_for_user,
    recognition_lower_bound,
    scores_for_user,
    sort_scores,
)

MINE_TITLE = "Your feedback"
SCORES_TITLE = "Feedback scores"
RECOGNITION_TITLE = "Recognition list"
COMMEND_TITLE = "Record a commendation"
COMMENDED = "Commendation recorded"


def _common(minimum: int) -> dict[str, Any]:
    return {
        "minimum": minimum,
        "not_enough": NOT_ENOUGH,
        "ranking_basis": RANKING_BASIS,
        "threshold": recognition_lower_bound(),
        "LONDON": LONDON,
    }


@never_cache
@permission_required_or_404("feedback.view_own_feedback")
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """The signed-in officer's own ratings, share satisfied, monthly trend and
    commendations. Never the comments: their supervisor discusses those."""
    form, months = period_form(request.GET)
    data = own_feedback(user=request.user, months=months) if months else None
    return render(
        request,
        "feedback/mine.html",
        {"title": MINE_TITLE, "form": form, "data": data, **_common(min_responses())},
    )


def _sort_links(months: int, sort: str, descending: bool) -> dict[str, dict[str, str]]:
    """For each sortable column: the link that orders by it (toggling the order
    of the current column) and its aria-sort value."""
    links = {}
    for key in SORTS:
        current = key == sort
        default_desc = key != "name"
        next_desc = (not descending) if current else default_desc
        query = urlencode({"months": months, "sort": key, "order": "desc" if next_desc else "asc"})
        links[key] = {
            "href": f"{reverse('feedback:scores')}?{query}#officers",
            "aria": ("descending" if descending else "ascending") if current else "none",
        }
    return links


@never_cache
@permission_required_or_404("feedback.view_scores")
@require_GET
def scores(request: HttpRequest) -> HttpResponse:
    """Scores by BCU, team and officer within the viewer's scope, in server-side order."""
    form, months = period_form(request.GET)
    sort = request.GET.get("sort", DEFAULT_SORT)
    sort = sort if sort in SORTS else DEFAULT_SORT
    descending = request.GET.get("order", "asc" if sort == "name" else "desc") != "asc"
    figures = scores_for_user(user=request.user, months=months) if months else None
    tables: dict[str, list[Any]] = {}
    if figures is not None:
        tables = {
            name: sort_scores(getattr(figures, name), sort=sort, descending=descending)
            for name in ("bcus", "teams", "officers")
        }
        # Named officers' performance is personal data: record who looked (counts only).
        audit_record(
            action=AuditAction.VIEW,
            request=request,
            object_type="feedback.scores",
            detail={"months": figures.period.months, "officers": len(figures.officers)},
        )
    return render(
        request,
        "feedback/scores.html",
        {
            "title": SCORES_TITLE,
            "form": form,
            "figures": figures,
            "tables": tables,
            "sort": sort,
            "descending": descending,
            "sort_links": _sort_links(months or DEFAULT_PERIOD_MONTHS, sort, descending),
            **_common(figures.minimum if figures else min_responses()),
        },
    )


@never_cache
@permission_required_or_404("feedback.view_scores")
@require_GET
def recognition(request: HttpRequest) -> HttpResponse:
    """Officers in the viewer's scope whose raw Wilson lower bound is above the threshold."""
    form, months = period_form(request.GET)
    data = recognition_for_user(user=request.user, months=months) if months else None
    if data is not None:
        audit_record(
            action=AuditAction.VIEW,
            request=request,
            object_type="feedback.recognition",
            detail={"months": data.scores.period.months, "officers": len(data.officers)},
        )
    return render(
        request,
        "feedback/recognition.html",
        {
            "title": RECOGNITION_TITLE,
            "form": form,
            "data": data,
            "interval_days": COMMENDATION_INTERVAL_DAYS,
            **_common(data.scores.minimum if data else min_responses()),
        },
    )


@never_cache
@permission_required_or_404("feedback.view_scores")
@require_http_methods(["GET", "POST"])
def commend(request: HttpRequest, officer_id: int) -> HttpResponse:
    """A supervisor of the officer records a commendation; the figures it rests
    on are computed when it is recorded. Anyone else: 404."""
    officer = access_commendable_officer(user=request.user, officer_id=officer_id)
    form = CommendationForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            commendation_record(
                actor=request.user, officer=officer, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
        else:
            messages.success(request, COMMENDED)
            return redirect("feedback:recognition")
    score = officer_score(officer=officer, period=period_for(months=DEFAULT_PERIOD_MONTHS))
    return render(
        request,
        "feedback/commend.html",
        {
            "title": COMMEND_TITLE,
            "form": form,
            "officer": officer,
            "score": score,
            "eligible": is_recognised(score),
            "recent": recent_commendation(officer=officer),
            "interval_days": COMMENDATION_INTERVAL_DAYS,
            **_common(score.minimum),
        },
    )
