"""Bulk uploads of journey events: services and selectors (docs/bulk-upload.md).

A file is checked whole before anything is applied. Each event is first read
(`bulk_check`: the file's shape and each cell), then checked exactly as
recording it one by one would check it: the crime is fetched with
`cases.selectors.access_crime` as the uploader (so a crime that does not exist
and one they may not see give the same problem) and the event goes through
`cases.services.event_record` itself inside a transaction that is then rolled
back (`transaction.set_rollback`). That dry run, rather than calling the
validation helpers one by one, was chosen so the check can never drift from
the service: every rule event_record enforces (codes the organisation records,
details, dates, the victim on the crime, idempotency keys used for another
case) is enforced here too. Each row is its own short transaction, so progress
committed every PROGRESS_EVERY rows is visible to the page.

Only a file without any problem is applied: every event through event_record
again (duties, webhook deliveries and feed health as for single events) in ONE
transaction; a problem found then (the case changed meanwhile) rolls all of it
back. A retried file with idempotency keys records nothing twice.

Who may call: the upload page and the API (`integrations.upload_events`; the
API also needs the `bulk:write` scope) and the worker task. Row contents are
never logged; the audit entries of the upload carry counts only.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import structlog
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from victimcare.accounts.models import User
from victimcare.cases import messages as case_messages
from victimcare.cases.models import Crime, CrimeVictim, Victim
from victimcare.cases.selectors import access_crime
from victimcare.cases.services import event_record
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction
from victimcare.core.filejobs import (
    ERRORS_KEPT,
    filejob_audit_outcome,
    filejob_reject,
    filejobs_stuck_reject,
)

from .bulk_check import EVENT_UNKNOWN, ParsedRow, Problem, count_rows, upload_rows
from .constants import UploadState as State
from .models import BulkUpload
from .permissions_uploads import UPLOAD_EVENTS

log = structlog.get_logger(__name__)

OBJECT_TYPE = "integrations.bulkupload"
DONE_FIELD = "rows_applied"
PROGRESS_EVERY = 200

CRIME_UNKNOWN = (
    "There is no crime with this reference among the cases your organisation can see. "
    "Check the crime reference number"
)
KEY_CHANGED = (
    "This idempotency key was used before for a different event. Give each event its own key"
)
UPLOAD_FAILED = "The upload failed unexpectedly. Nothing was recorded: upload the file again"
UPLOAD_NOT_ALLOWED = "You can no longer upload events. Nothing was recorded"

# event_record names fields by its own arguments; the file by its columns.
_COLUMN_OF = {
    "code": "event",
    "occurred_at": "occurred_at",
    "received_at": "occurred_at",
    "victim": "victim_id",
    "idempotency_key": "idempotency_key",
    "crime": "crime_reference",
    "__all__": "",
}
# A message that reads better for a file than the one the form shows.
_MESSAGE_FOR_FILE = {case_messages.EVENT_CODE_UNKNOWN: EVENT_UNKNOWN}

Progress = Callable[[int, int | None], None]


@dataclass
class _Ready:
    """A row that passed every check: what applying it needs."""

    parsed: ParsedRow
    crime_id: int


class _Rejected(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems


# --- Selectors ----------------------------------------------------------------------


def bulk_upload_list(*, user: User, limit: int = 100) -> QuerySet[BulkUpload]:
    """The uploads of the person's organisation, newest first (callers check UPLOAD_EVENTS)."""
    return (
        BulkUpload.objects.filter(organisation_id=user.organisation_id)
        .select_related("uploaded_by")
        .defer("content")
        .order_by("-uploaded_at", "-pk")[:limit]
    )


def access_bulk_upload(*, user: User, upload_id: int) -> BulkUpload:
    """One upload of the person's organisation for someone with UPLOAD_EVENTS;
    404 for anyone else, another organisation's upload and a missing one alike."""
    if not user.has_perm(UPLOAD_EVENTS):
        raise Http404("No such upload.")
    found = BulkUpload.objects.select_related("uploaded_by").defer("content")
    try:
        return found.get(pk=upload_id, organisation_id=user.organisation_id)
    except BulkUpload.DoesNotExist as exc:
        raise Http404("No such upload.") from exc


# --- Services -----------------------------------------------------------------------


@transaction.atomic
def bulk_upload_create(
    *,
    actor: User,
    filename: str,
    content: bytes,
    upload_format: str,
    request: HttpRequest | None = None,
    enqueue: bool = True,
) -> BulkUpload:
    """Store a file as a PENDING upload of the actor's organisation, audit it
    (counts only) and, with `enqueue`, ring the worker once this commits.
    Callers have checked UPLOAD_EVENTS and the size limit."""
    if not actor.has_perm(UPLOAD_EVENTS):
        raise PermissionDenied
    upload = BulkUpload.objects.create(
        organisation_id=actor.organisation_id,
        uploaded_by=actor,
        filename=filename[:200],
        sha256=hashlib.sha256(content).hexdigest(),
        format=upload_format,
        content=content,
        rows_total=count_rows(content, upload_format),
    )
    audit_record(
        action=AuditAction.CREATE,
        request=request,
        actor=actor,
        object_type=OBJECT_TYPE,
        object_id=upload.pk,
        detail={"format": upload_format, "bytes": len(content), "rows_about": upload.rows_total},
    )
    if enqueue:
        from .tasks_uploads import bulk_upload_task

        pk = upload.pk
        transaction.on_commit(lambda: bulk_upload_task.enqueue(upload_id=pk))
    return upload


def bulk_upload_run(*, upload_id: int, progress: Progress | None = None) -> BulkUpload:
    """Check and apply one PENDING upload. Idempotent: an upload that is not
    PENDING is returned unchanged; a conditional UPDATE claims it, so two
    workers never both run it. Any unexpected failure leaves it REJECTED with
    UPLOAD_FAILED (the log gets the error class only). Returns it as it ended."""
    claimed = BulkUpload.objects.filter(pk=upload_id, state=State.PENDING).update(
        state=State.CHECKING, started_at=timezone.now(), rows_checked=0
    )
    upload = BulkUpload.objects.select_related("uploaded_by").get(pk=upload_id)
    if not claimed:
        return upload
    actor = upload.uploaded_by
    try:
        if not actor.has_perm(UPLOAD_EVENTS):
            raise _Rejected([Problem(1, "", UPLOAD_NOT_ALLOWED)])
        ready, problems, count, checked = _check(upload, actor, progress)
        if count:
            _finish_rejected(upload, problems, count, checked)
        else:
            _apply(upload, actor, ready)
    except _Rejected as rejected:
        _finish_rejected(upload, rejected.problems, len(rejected.problems), None)
    except Exception as exc:  # noqa: BLE001 - a person must see it failed
        log.error("integrations.bulk_upload_failed", upload_id=upload_id, error=type(exc).__name__)
        _finish_rejected(upload, [Problem(1, "", UPLOAD_FAILED)], 1, None)
    upload.refresh_from_db()
    return upload


def _problems_from(row: int, exc: ValidationError) -> list[Problem]:
    problems = []
    for name, messages in exc.message_dict.items():
        # Any other field event_record names is a field of `details`.
        column = _COLUMN_OF.get(name, "details")
        for message in messages:
            problems.append(Problem(row, column, _MESSAGE_FOR_FILE.get(message, message)))
    return problems


class _Crimes:
    """Crimes by reference as the uploader may see them (None: unknown or forbidden)."""

    def __init__(self, actor: User) -> None:
        self.actor = actor
        self._found: dict[str, Crime | None] = {}

    def get(self, reference: str) -> Crime | None:
        key = reference.strip().upper()
        if key not in self._found:
            try:
                self._found[key] = access_crime(user=self.actor, crn=key)
            except Http404:
                self._found[key] = None
        return self._found[key]


def _victim(crime: Crime, victim_id: int | None) -> Victim | None:
    if victim_id is None:
        return None
    link = CrimeVictim.objects.filter(crime=crime, victim_id=victim_id).select_related("victim")
    found = link.first()
    return found.victim if found is not None else None


def _record(actor: User, crime: Crime, row: ParsedRow) -> tuple[list[Problem], Any | None, bool]:
    """Call event_record for `row`; return its problems, the event and whether it was new."""
    victim = _victim(crime, row.victim_id)
    if row.victim_id is not None and victim is None:
        return [Problem(row.row, "victim_id", case_messages.VICTIM_NOT_ON_CRIME)], None, False
    assert row.occurred_at is not None  # noqa: S101 (a row without problems has it)
    try:
        event, created = event_record(
            actor=actor,
            crime=crime,
            code=row.code,
            occurred_at=row.occurred_at,
            victim=victim,
            details=row.details,
            idempotency_key=row.idempotency_key,
        )
    except ValidationError as exc:
        return _problems_from(row.row, exc), None, False
    except PermissionDenied:
        return [Problem(row.row, "crime_reference", CRIME_UNKNOWN)], None, False
    if not created and (event.code != row.code or event.occurred_at != row.occurred_at):
        return [Problem(row.row, "idempotency_key", KEY_CHANGED)], event, False
    return [], event, created


def _dry_run(actor: User, crimes: _Crimes, row: ParsedRow) -> tuple[list[Problem], int | None]:
    """Check one row as recording it would, recording nothing."""
    crime = crimes.get(row.crime_reference)
    if crime is None:
        return [Problem(row.row, "crime_reference", CRIME_UNKNOWN)], None
    with transaction.atomic():
        # A copy: event_record moves the crime's status on the instance too,
        # and this recording is rolled back.
        problems, _event, _created = _record(actor, copy.copy(crime), row)
        transaction.set_rollback(True)
    return problems, crime.pk


def _check(
    upload: BulkUpload, actor: User, progress: Progress | None
) -> tuple[list[_Ready], list[Problem], int, int]:
    """Every row read and dry-run; returns the rows ready to apply, the first
    ERRORS_KEPT problems in row order, how many there were and rows checked."""
    kept: list[Problem] = []
    count = 0
    checked = 0
    ready: list[_Ready] = []
    crimes = _Crimes(actor)

    def keep(found: Iterable[Problem]) -> None:
        nonlocal count
        for problem in found:
            count += 1
            if len(kept) < ERRORS_KEPT:
                kept.append(problem)

    for item in upload_rows(bytes(upload.content), upload.format):
        if isinstance(item, Problem):
            keep([item])
            continue
        checked += 1
        if item.problems:
            keep(item.problems)
        else:
            problems, crime_id = _dry_run(actor, crimes, item)
            keep(problems)
            if not problems and crime_id is not None:
                ready.append(_Ready(parsed=item, crime_id=crime_id))
        if checked % PROGRESS_EVERY == 0:
            # Outside any transaction: each update commits, so the page sees it.
            BulkUpload.objects.filter(pk=upload.pk).update(rows_checked=checked)
            if progress:
                progress(checked, upload.rows_total)
    if progress:
        progress(checked, upload.rows_total)
    return ready, kept, count, checked


def _apply(upload: BulkUpload, actor: User, ready: list[_Ready]) -> None:
    """Record every row in one transaction, or nothing (raises _Rejected)."""
    with transaction.atomic():
        crimes = _Crimes(actor)  # fetched again: the policy is asked inside this transaction
        problems: list[Problem] = []
        recorded = 0
        for item in ready:
            crime = crimes.get(item.parsed.crime_reference)
            if crime is None or crime.pk != item.crime_id:
                problems.append(Problem(item.parsed.row, "crime_reference", CRIME_UNKNOWN))
                continue
            found, _event, created = _record(actor, crime, item.parsed)
            problems.extend(found)
            recorded += int(created)
        if problems:
            raise _Rejected(problems[:ERRORS_KEPT])
        BulkUpload.objects.filter(pk=upload.pk).update(
            state=State.APPLIED,
            rows_checked=len(ready),
            rows_applied=recorded,
            errors=[],
            error_count=0,
            content=b"",
            finished_at=timezone.now(),
        )
        _audit_outcome(upload, state=State.APPLIED, rows=recorded, problems=0)


def _finish_rejected(
    upload: BulkUpload, problems: list[Problem], error_count: int, checked: int | None
) -> None:
    filejob_reject(
        upload,
        object_type=OBJECT_TYPE,
        done_field=DONE_FIELD,
        problems=problems,
        error_count=error_count,
        checked=checked,
    )


def _audit_outcome(upload: BulkUpload, *, state: str, rows: int, problems: int) -> None:
    filejob_audit_outcome(
        upload,
        object_type=OBJECT_TYPE,
        done_field=DONE_FIELD,
        state=state,
        rows=rows,
        problems=problems,
    )


def bulk_uploads_stuck_reject(*, started_before: Any) -> int:
    """Reject every upload a dead worker left CHECKING since before
    `started_before` (core.filejobs). Nothing of it was recorded (applying is
    one transaction). Returns how many."""
    return filejobs_stuck_reject(
        model=BulkUpload,
        object_type=OBJECT_TYPE,
        done_field=DONE_FIELD,
        message=UPLOAD_FAILED,
        started_before=started_before,
    )
