"""The quarterly publication for analysts (`insights.publish`; anyone else 404):

- /insights/publications/ lists the runs and has the "Publish a quarter" form
  (ended quarters with data, most recent first); a POST runs the publication
  there and then (fine at demo scale) and comes back to the list;
- /insights/publications/<pk>/download/ the run's files as a zip;
- /insights/publications/<pk>/report/ the run's report.html, under our usual
  Content Security Policy plus the hash of the report's one inline style sheet.

Aggregates only; making a run and downloading one are audited.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.csp import CSP
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from victimcare.accounts.stepup import step_up_required
from victimcare.accounts.views import permission_required_or_404
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction
from victimcare.duties.calendar import LONDON

from .models import Publication
from .permissions import PUBLISH
from .publication import REPORT_HTML, PublicationError, publication_archive_files, publication_run
from .publication_data import london_today, quarters_with_data
from .publication_render import style_hash

QUARTER_REQUIRED = "Select the quarter to publish"
QUARTER_INVALID = "Select a quarter from the list"
NO_QUARTERS = "There is no ended quarter with data to publish yet."
PUBLISHED = "{quarter} has been published."
LIST_TEMPLATE = "insights/publication_list.html"
RUNS_SHOWN = 50


class PublishForm(forms.Form):
    quarter = forms.ChoiceField(
        label="Quarter",
        help_text="Calendar quarters that have ended and have feedback or survey responses.",
        error_messages={"required": QUARTER_REQUIRED, "invalid_choice": QUARTER_INVALID},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = london_today(timezone.now())
        self.fields["quarter"].choices = [
            (q.label, f"{q.label} ({q.describe()})") for q in quarters_with_data(today=today)
        ]


def _runs() -> list[dict[str, Any]]:
    runs = (
        Publication.objects.select_related("created_by")
        .defer("archive")
        .order_by("-created_at", "-pk")[:RUNS_SHOWN]
    )
    return [
        {
            "pk": run.pk,
            "quarter": run.quarter,
            "made": _when(run.created_at),
            "by": run.created_by.full_name if run.created_by else "",
            "snapshot": run.snapshot_sha256[:12],
        }
        for run in runs
    ]


def _when(moment: dt.datetime) -> str:
    local = moment.astimezone(LONDON)
    return f"{local.day} {local:%B %Y}, {local:%H:%M}"


def _page(request: HttpRequest, form: PublishForm, status: int = 200) -> HttpResponse:
    context = {
        "title": "Quarterly publication",
        "form": form,
        "runs": _runs(),
        "no_quarters": NO_QUARTERS if not form.fields["quarter"].choices else "",
    }
    return render(request, LIST_TEMPLATE, context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required_or_404(PUBLISH)
def publication_list(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request, PublishForm())
    form = PublishForm(data=request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        publication = publication_run(
            quarter=form.cleaned_data["quarter"], actor=request.user, request=request
        )
    except PublicationError as exc:
        form.add_error("quarter", str(exc))
        return _page(request, form, status=400)
    messages.success(request, PUBLISHED.format(quarter=publication.quarter))
    return redirect("insights:publications")


def _access(pk: int) -> Publication:
    publication = Publication.objects.filter(pk=pk).first()
    if publication is None:
        raise Http404("No such publication.")
    return publication


@never_cache
@require_GET
@permission_required_or_404(PUBLISH)
@step_up_required
def publication_download(request: HttpRequest, pk: int) -> HttpResponse:
    publication = _access(pk)
    audit_record(
        action=AuditAction.EXPORT,
        request=request,
        object_type="insights.publication",
        object_id=publication.pk,
        detail={"quarter": publication.quarter},
    )
    response = HttpResponse(bytes(publication.archive), content_type="application/zip")
    filename = f"victimcare-publication-{publication.quarter}-{publication.pk}.zip"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@never_cache
@require_GET
@permission_required_or_404(PUBLISH)
def publication_report(request: HttpRequest, pk: int) -> HttpResponse:
    publication = _access(pk)
    html = publication_archive_files(publication)[REPORT_HTML].decode("utf-8")
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    policy = dict(settings.SECURE_CSP)
    policy["style-src"] = [CSP.SELF, style_hash(html)]
    response._csp_config = policy  # type: ignore[attr-defined]
    return response
