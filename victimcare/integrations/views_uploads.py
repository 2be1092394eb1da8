"""Bulk uploads of journey events (/integrations/uploads/): the organisation's
uploads with the upload form, one upload's state, progress and every problem,
and a small JSON status for optional progress polling. People with
`integrations.upload_events` only; anyone else signed in gets 404.

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

from .bulk import ERRORS_KEPT, access_bulk_upload, bulk_upload_create, bulk_upload_list
from .bulk_check import COLUMNS, MAX_ROWS
from .constants import UploadState as State
from .forms_uploads import EventUploadForm
from .models import BulkUpload
from .permissions_uploads import UPLOAD_EVENTS

LIST_TITLE = "Upload events"
UPLOADED = "File uploaded. It is being checked: nothing is recorded until every row is right."


def _when(value: Any) -> str:
    if value is None:
        return ""
    local = timezone.localtime(value)
    return f"{local.day} {local:%B %Y} at {local:%H:%M}"


def progress_text(upload: BulkUpload) -> str:
    """What the upload is doing, in one sentence (also read out by the live region)."""
    if upload.state == State.PENDING:
        return "Waiting to be checked."
    if upload.state == State.CHECKING:
        if upload.rows_total:
            return f"Checked {upload.rows_checked:,} of {upload.rows_total:,} rows."
        return f"Checked {upload.rows_checked:,} rows."
    if upload.state == State.APPLIED:
        new = upload.rows_applied
        already = max(upload.rows_checked - new, 0)
        text = f"Recorded {new:,} new event{'' if new == 1 else 's'}."
        if already:
            text += f" {already:,} had been recorded before (same idempotency key)."
        return text
    count = upload.error_count
    return f"Rejected: {count:,} problem{'' if count == 1 else 's'} found. Nothing was recorded."


def upload_status_data(upload: BulkUpload) -> dict[str, Any]:
    """The upload's state and counts (no file name, no row contents)."""
    return {
        "state": upload.state,
        "state_label": State(upload.state).label,
        "rows_total": upload.rows_total,
        "rows_checked": upload.rows_checked,
        "rows_applied": upload.rows_applied,
        "error_count": upload.error_count,
        "finished": upload.state in (State.APPLIED, State.REJECTED),
        "text": progress_text(upload),
    }


def _list_page(request: HttpRequest, form: EventUploadForm, status: int = 200) -> HttpResponse:
    return render(
        request,
        "integrations/uploads_list.html",
        {
            "title": LIST_TITLE,
            "form": form,
            "uploads": list(bulk_upload_list(user=request.user)),
            "when": _when,
            "columns": COLUMNS,
            "max_rows": MAX_ROWS,
        },
        status=status,
    )


@never_cache
@permission_required_or_404(UPLOAD_EVENTS)
@require_http_methods(["GET", "POST"])
def uploads(request: HttpRequest) -> HttpResponse:
    """The organisation's uploads and the upload form. A valid file is stored
    as a waiting upload for the worker; the page it leads to shows how far it
    got. A bad upload: error summary, 400, nothing stored."""
    if request.method != "POST":
        return _list_page(request, EventUploadForm())
    form = EventUploadForm(data=request.POST, files=request.FILES)
    if not form.is_valid():
        return _list_page(request, form, status=400)
    upload = bulk_upload_create(
        actor=request.user,
        filename=form.cleaned_data["file"].name or "",
        content=form.content(),
        upload_format=form.upload_format(),
        request=request,
    )
    messages.success(request, UPLOADED)
    return redirect("integrations:upload-detail", pk=upload.pk)


@never_cache
@permission_required_or_404(UPLOAD_EVENTS)
@require_GET
def upload_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One upload of the organisation: state, progress and every problem kept."""
    upload = access_bulk_upload(user=request.user, upload_id=pk)
    return render(
        request,
        "integrations/uploads_detail.html",
        {
            "title": f"Upload {upload.pk}",
            "item": upload,
            "status": upload_status_data(upload),
            "when": _when,
            "errors_kept": ERRORS_KEPT,
            "running": upload.state in (State.PENDING, State.CHECKING),
        },
    )


@never_cache
@permission_required_or_404(UPLOAD_EVENTS)
@require_GET
def upload_status(request: HttpRequest, pk: int) -> JsonResponse:
    """The upload's state and counts as JSON, for the page's progress polling."""
    upload = access_bulk_upload(user=request.user, upload_id=pk)
    return JsonResponse(upload_status_data(upload))
