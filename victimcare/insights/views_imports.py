"""Survey imports (/insights/surveys/): the list of past imports with the
upload form, one import's state, progress and problems, and a small JSON status
for the page's optional progress polling. Analysts with
`insights.import_survey` only; anyone else signed in gets 404.

File names come from the uploader's computer: shown escaped (Jinja2
autoescape), never logged or audited.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from victimcare.accounts.views import permission_required_or_404

from .constants import SurveyImportState as State
from .forms_imports import SurveyUploadForm
from .imports import (
    ERRORS_KEPT,
    SurveyImportRefused,
    access_survey_import,
    survey_import_create,
    survey_import_list,
)
from .imports_check import COLUMNS
from .models import SurveyImport
from .permissions import IMPORT_SURVEY

LIST_TITLE = "Survey imports"
UPLOADED = "File uploaded. It is being checked: nothing is imported until every row is right."


def _when(value: Any) -> str:
    if value is None:
        return ""
    local = timezone.localtime(value)
    return f"{local.day} {local:%B %Y} at {local:%H:%M}"


def progress_text(survey_import: SurveyImport) -> str:
    """What the import is doing, in one sentence (also read out by the live region)."""
    checked = f"{survey_import.rows_checked:,}"
    total = survey_import.rows_total
    if survey_import.state == State.PENDING:
        return "Waiting to be checked."
    if survey_import.state == State.CHECKING:
        if total:
            return f"Checked {checked} of about {total:,} rows."
        return f"Checked {checked} rows."
    if survey_import.state == State.IMPORTED:
        return f"Imported {survey_import.rows_imported:,} rows."
    count = survey_import.error_count
    return f"Rejected: {count:,} problem{'' if count == 1 else 's'} found. Nothing was imported."


def _status(survey_import: SurveyImport) -> dict[str, Any]:
    return {
        "state": survey_import.state,
        "state_label": State(survey_import.state).label,
        "rows_total": survey_import.rows_total,
        "rows_checked": survey_import.rows_checked,
        "rows_imported": survey_import.rows_imported,
        "error_count": survey_import.error_count,
        "finished": survey_import.state in (State.IMPORTED, State.REJECTED),
        "text": progress_text(survey_import),
    }


def _list_page(request: HttpRequest, form: SurveyUploadForm, status: int = 200) -> HttpResponse:
    imports = list(survey_import_list(user=request.user))
    return render(
        request,
        "insights/imports_list.html",
        {
            "title": LIST_TITLE,
            "form": form,
            "imports": imports,
            "when": _when,
            "columns": COLUMNS,
        },
        status=status,
    )


@never_cache
@permission_required_or_404(IMPORT_SURVEY)
@require_http_methods(["GET", "POST"])
def imports(request: HttpRequest) -> HttpResponse:
    """The past imports and the upload form. A valid upload is stored as a
    waiting import, checked by the worker; the page it leads to shows how far
    it got. A bad upload: error summary, 400, nothing stored."""
    if request.method != "POST":
        return _list_page(request, SurveyUploadForm())
    form = SurveyUploadForm(data=request.POST, files=request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            survey_import = survey_import_create(
                survey=form.cleaned_data["survey"],
                filename=upload.name or "",
                content=form.content(),
                actor=request.user,
                request=request,
            )
        except SurveyImportRefused as refused:
            form.add_error("file", str(refused))
        else:
            messages.success(request, UPLOADED)
            return redirect("insights:import-detail", pk=survey_import.pk)
    return _list_page(request, form, status=400)


@never_cache
@permission_required_or_404(IMPORT_SURVEY)
@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One import: its state, progress and every problem kept (the first
    ERRORS_KEPT), with row and column."""
    survey_import = access_survey_import(user=request.user, import_id=pk)
    return render(
        request,
        "insights/imports_detail.html",
        {
            "title": f"Survey import {survey_import.pk}",
            "item": survey_import,
            "status": _status(survey_import),
            "when": _when,
            "errors_kept": ERRORS_KEPT,
            "running": survey_import.state in (State.PENDING, State.CHECKING),
        },
    )


@never_cache
@permission_required_or_404(IMPORT_SURVEY)
@require_GET
def import_status(request: HttpRequest, pk: int) -> JsonResponse:
    """The import's state and counts as JSON (no file name, no row contents)."""
    survey_import = access_survey_import(user=request.user, import_id=pk)
    return JsonResponse(_status(survey_import))
