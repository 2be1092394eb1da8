"""Survey imports: services and selectors (docs/survey-import.md).

A file is checked whole, streaming, before anything is imported: every row and
column, problems collected with their row numbers (`imports_check`), progress
committed every PROGRESS_EVERY rows so the page can show it. A file with any
problem imports nothing (REJECTED). A clean file is read a second time and
inserted in batches inside ONE transaction (IMPORTED); the unique constraint on
(survey, respondent id) is the last guard against a race with another import.

Who may call: the upload view (`insights.import_survey`), the worker task and
the `victimcare survey` command. Row contents are never logged or audited.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

import structlog
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from victimcare.accounts.models import User
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction
from victimcare.core.filejobs import (
    ERRORS_KEPT,
    filejob_audit_outcome,
    filejob_reject,
    filejobs_stuck_reject,
)
from victimcare.duties.calendar import local_day

from .constants import SurveyImportState as State
from .imports_check import RESPONDENT_IMPORTED, Boroughs, CheckedRow, Problem, survey_rows
from .models import SurveyImport, SurveyResponse
from .permissions import IMPORT_SURVEY

log = structlog.get_logger(__name__)

BATCH = 2000
PROGRESS_EVERY = 1000
OBJECT_TYPE = "insights.surveyimport"
DONE_FIELD = "rows_imported"

IMPORT_FAILED = "The import failed unexpectedly; upload it again"
ALREADY_IMPORTED = (
    "This file has already been imported for this survey. Nothing was stored: "
    "each respondent can only be imported once."
)
ALREADY_WAITING = (
    "This file is already waiting to be checked for this survey. Nothing was stored: "
    "open it from the list below."
)
RESPONDENTS_CLASH = (
    "Another import added respondents with the same ids while this file was being checked. "
    "Nothing was imported: upload the file again to see which rows clash."
)
FILE_CHANGED = "The file changed while it was being imported. Nothing was imported: run it again."

Opener = Callable[[], contextlib.AbstractContextManager[TextIO]]
# (rows checked, about how many rows, whether checking has finished)
Progress = Callable[[int, int | None, bool], None]


class SurveyImportRefused(Exception):
    """The file cannot be taken (already imported or waiting); nothing was stored."""


class _FileChanged(Exception):
    pass


# --- Selectors ----------------------------------------------------------------------


def survey_import_list(*, user: User, limit: int = 100) -> QuerySet[SurveyImport]:
    """The most recent imports, newest first (callers check `insights.import_survey`)."""
    return (
        SurveyImport.objects.select_related("uploaded_by")
        .defer("content")
        .order_by("-uploaded_at", "-pk")[:limit]
    )


def access_survey_import(*, user: User, import_id: int) -> SurveyImport:
    """One import for a person with `insights.import_survey`; 404 otherwise or if missing."""
    if not user.has_perm(IMPORT_SURVEY):
        raise Http404("No such import.")
    found = SurveyImport.objects.select_related("uploaded_by").defer("content")
    try:
        return found.get(pk=import_id)
    except SurveyImport.DoesNotExist as exc:
        raise Http404("No such import.") from exc


# --- Services -----------------------------------------------------------------------


# Bytes that are not UTF-8 are kept as surrogates, so the check can name the
# row they are on (`imports_check._guarded`) rather than fail a buffer ahead.
def bytes_opener(content: bytes) -> Opener:
    """Open `content` as UTF-8 text (a byte-order mark is skipped)."""
    return lambda: io.TextIOWrapper(
        io.BytesIO(content), encoding="utf-8-sig", errors="surrogateescape", newline=""
    )


def path_opener(path: Path) -> Opener:
    return lambda: path.open(encoding="utf-8-sig", errors="surrogateescape", newline="")


def count_lines(chunks: Iterable[bytes]) -> int:
    """About how many data rows: lines after the header (quoted line breaks
    inside a value make it an overestimate, which is why pages say "about")."""
    lines = 0
    last = b"\n"
    for chunk in chunks:
        if chunk:
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    if last != b"\n":
        lines += 1
    return max(lines - 1, 0)


def file_chunks(path: Path, size: int = 1 << 20) -> Iterator[bytes]:
    with path.open("rb") as f:
        while chunk := f.read(size):
            yield chunk


def file_sha256(chunks: Iterable[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest()


def _refuse_repeat(*, survey: str, sha256: str) -> None:
    same = SurveyImport.objects.filter(survey=survey, sha256=sha256)
    if same.filter(state=State.IMPORTED).exists():
        raise SurveyImportRefused(ALREADY_IMPORTED)
    if same.filter(state__in=[State.PENDING, State.CHECKING]).exists():
        raise SurveyImportRefused(ALREADY_WAITING)


@transaction.atomic
def survey_import_create(
    *,
    survey: str,
    filename: str,
    content: bytes,
    actor: User | None,
    request: HttpRequest | None = None,
    enqueue: bool = True,
) -> SurveyImport:
    """Store an uploaded file as a PENDING import, audit it and (with `enqueue`)
    ring the worker once the transaction commits. SurveyImportRefused, with
    nothing stored, when the same file was already imported for the survey."""
    sha256 = hashlib.sha256(content).hexdigest()
    _refuse_repeat(survey=survey, sha256=sha256)
    survey_import = SurveyImport.objects.create(
        survey=survey,
        filename=filename[:200],
        sha256=sha256,
        content=content,
        rows_total=count_lines([content]),
        uploaded_by=actor,
    )
    audit_record(
        action=AuditAction.CREATE,
        request=request,
        actor=actor,
        object_type=OBJECT_TYPE,
        object_id=survey_import.pk,
        detail={"survey": survey, "bytes": len(content), "rows_about": survey_import.rows_total},
    )
    if enqueue:
        from .tasks import survey_import_task

        pk = survey_import.pk
        transaction.on_commit(lambda: survey_import_task.enqueue(import_id=pk))
    return survey_import


@transaction.atomic
def survey_import_register(*, survey: str, path: Path, actor: User | None) -> SurveyImport:
    """Record a file the `survey import` command reads from disk (its content
    is not stored). SurveyImportRefused as for an upload."""
    sha256 = file_sha256(file_chunks(path))
    _refuse_repeat(survey=survey, sha256=sha256)
    survey_import = SurveyImport.objects.create(
        survey=survey,
        filename=path.name[:200],
        sha256=sha256,
        rows_total=count_lines(file_chunks(path)),
        uploaded_by=actor,
    )
    audit_record(
        action=AuditAction.CREATE,
        actor=actor,
        object_type=OBJECT_TYPE,
        object_id=survey_import.pk,
        detail={"survey": survey, "bytes": path.stat().st_size, "via": "command"},
    )
    return survey_import


def survey_import_run(
    *,
    import_id: int,
    opener: Opener | None = None,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
) -> SurveyImport:
    """Check and import one PENDING import (the stored content, or `opener`'s
    file). Idempotent: an import that is not PENDING is returned unchanged; a
    conditional UPDATE claims it, so two workers never both run it. Any
    unexpected failure leaves it REJECTED with IMPORT_FAILED (the log gets the
    error class only). Returns the import as it ended."""
    now = now or timezone.now()
    claimed = SurveyImport.objects.filter(pk=import_id, state=State.PENDING).update(
        state=State.CHECKING, started_at=now, rows_checked=0
    )
    survey_import = SurveyImport.objects.get(pk=import_id)
    if not claimed:
        return survey_import
    if opener is None:
        opener = bytes_opener(bytes(survey_import.content))
    months: set[dt.date] = set()
    try:
        problems, error_count, checked = _check(survey_import, opener, progress, now)
        if error_count:
            _finish_rejected(survey_import, problems, error_count, checked)
        else:
            months = _import(survey_import, opener, now)
    except IntegrityError:
        _finish_rejected(survey_import, [Problem(1, "", RESPONDENTS_CLASH)], 1, None)
    except _FileChanged:
        _finish_rejected(survey_import, [Problem(1, "", FILE_CHANGED)], 1, None)
    except Exception as exc:  # noqa: BLE001 - a person must see it failed
        log.error("insights.survey_import_failed", import_id=import_id, error=type(exc).__name__)
        _finish_rejected(survey_import, [Problem(1, "", IMPORT_FAILED)], 1, None)
    survey_import.refresh_from_db()
    if months:
        _refresh_rollups(months)
    return survey_import


def _check(
    survey_import: SurveyImport, opener: Opener, progress: Progress | None, now: dt.datetime
) -> tuple[list[Problem], int, int]:
    """Read the whole file once; return the first ERRORS_KEPT problems in row
    order, how many there were, and how many data rows were read."""
    kept: list[Problem] = []
    count = 0
    checked = 0
    batch: list[CheckedRow] = []
    total = survey_import.rows_total

    def keep(found: Iterable[Problem]) -> None:
        nonlocal count
        for problem in found:
            count += 1
            if len(kept) < ERRORS_KEPT:
                kept.append(problem)

    def flush() -> None:
        _mark_imported_before(survey_import.survey, batch)
        for row in batch:
            keep(row.problems)
        batch.clear()

    with opener() as stream:
        for item in survey_rows(stream, today=local_day(now), boroughs=Boroughs()):
            if isinstance(item, Problem):
                flush()
                keep([item])
                continue
            checked += 1
            batch.append(item)
            if checked % PROGRESS_EVERY == 0:
                flush()
                # Outside any transaction: each update commits, so the page sees it.
                SurveyImport.objects.filter(pk=survey_import.pk).update(rows_checked=checked)
                if progress:
                    progress(checked, total, False)
        flush()
    if progress:
        progress(checked, total, True)
    return kept, count, checked


def _mark_imported_before(survey: str, batch: list[CheckedRow]) -> None:
    """Add a problem to each row whose respondent id was imported before for the survey."""
    firsts = {
        str(r.values["respondent_id"]): r
        for r in batch
        if r.values.get("respondent_id")
        and not any(p.column == "respondent_id" for p in r.problems)
    }
    if not firsts:
        return
    clashes = SurveyResponse.objects.filter(survey=survey, respondent_id__in=list(firsts))
    for respondent in clashes.values_list("respondent_id", flat=True):
        row = firsts[respondent]
        row.problems.insert(0, Problem(row.row, "respondent_id", RESPONDENT_IMPORTED))


def _import(survey_import: SurveyImport, opener: Opener, now: dt.datetime) -> set[dt.date]:
    """Insert every row in one transaction; return the months (first days) touched."""
    months: set[dt.date] = set()
    rows = 0
    with transaction.atomic(), opener() as stream:
        batch: list[SurveyResponse] = []
        for item in survey_rows(stream, today=local_day(now), boroughs=Boroughs()):
            if isinstance(item, Problem) or item.problems:
                raise _FileChanged
            values: dict[str, Any] = item.values
            day: dt.date = values["interviewed_on"]
            months.add(day.replace(day=1))
            batch.append(
                SurveyResponse(survey_import=survey_import, survey=survey_import.survey, **values)
            )
            if len(batch) >= BATCH:
                SurveyResponse.objects.bulk_create(batch)
                rows += len(batch)
                batch.clear()
        SurveyResponse.objects.bulk_create(batch)
        rows += len(batch)
        SurveyImport.objects.filter(pk=survey_import.pk).update(
            state=State.IMPORTED,
            rows_checked=rows,
            rows_imported=rows,
            errors=[],
            error_count=0,
            content=b"",
            finished_at=timezone.now(),
        )
        _audit_outcome(survey_import, state=State.IMPORTED, rows=rows, problems=0)
    return months


def _finish_rejected(
    survey_import: SurveyImport, problems: list[Problem], error_count: int, checked: int | None
) -> None:
    filejob_reject(
        survey_import,
        object_type=OBJECT_TYPE,
        done_field=DONE_FIELD,
        problems=problems,
        error_count=error_count,
        checked=checked,
    )


def _audit_outcome(survey_import: SurveyImport, *, state: str, rows: int, problems: int) -> None:
    filejob_audit_outcome(
        survey_import,
        object_type=OBJECT_TYPE,
        done_field=DONE_FIELD,
        state=state,
        rows=rows,
        problems=problems,
    )


def _refresh_rollups(months: set[dt.date]) -> None:
    """Bring the monthly rollups up to date for the months the import touched.
    A failure here does not undo the import: the raw rows are the source of
    truth and the periodic refresh picks the months up from its watermark."""
    try:
        from .rollups import rollups_refresh

        rollups_refresh(months=sorted(months))
    except Exception as exc:  # noqa: BLE001 - the import itself has succeeded
        log.warning("insights.survey_rollups_failed", error=type(exc).__name__)


def survey_imports_stuck_reject(*, started_before: dt.datetime) -> int:
    """Reject every import a dead worker left CHECKING since before
    `started_before` (core.filejobs). Returns how many."""
    return filejobs_stuck_reject(
        model=SurveyImport,
        object_type=OBJECT_TYPE,
        done_field=DONE_FIELD,
        message=IMPORT_FAILED,
        started_before=started_before,
    )
