"""What every uploaded-file job shares (the survey import of insights, the
bulk upload of events of integrations): a problem found in a file, ending a
job rejected with its problems, the audit entry of its outcome, and the sweep
that rejects jobs a dead worker left "being checked".

A job model has: `state` (with "checking" and "rejected" among its values),
`errors`, `error_count`, `rows_checked`, a rows-done counter (its name is
`done_field`), `content`, `finished_at`, `started_at` and `uploaded_by`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from .audit import audit_record
from .constants import AuditAction

ERRORS_KEPT = 1000
CHECKING = "checking"
REJECTED = "rejected"


@dataclass(frozen=True)
class Problem:
    """One problem in a file: the row as a spreadsheet numbers it (the header
    is row 1), the column, and a plain-English message that repeats nothing
    of the file."""

    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "column": self.column, "message": self.message}


def filejob_audit_outcome(
    job: Any, *, object_type: str, done_field: str, state: str, rows: int, problems: int
) -> None:
    """The audit entry of a job's outcome: counts only, never the file's contents."""
    audit_record(
        action=AuditAction.CHANGE,
        actor=job.uploaded_by,
        object_type=object_type,
        object_id=job.pk,
        detail={"state": str(state), done_field: rows, "problems": problems},
    )


def filejob_reject(
    job: Any,
    *,
    object_type: str,
    done_field: str,
    problems: list[Problem],
    error_count: int,
    checked: int | None,
) -> None:
    """End `job` rejected with its first ERRORS_KEPT problems (and how many
    there were), nothing done and the file dropped; audited."""
    changes: dict[str, Any] = {
        "state": REJECTED,
        "errors": [p.as_dict() for p in problems[:ERRORS_KEPT]],
        "error_count": error_count,
        done_field: 0,
        "content": b"",
        "finished_at": timezone.now(),
    }
    if checked is not None:
        changes["rows_checked"] = checked
    with transaction.atomic():
        type(job).objects.filter(pk=job.pk).update(**changes)
        filejob_audit_outcome(
            job,
            object_type=object_type,
            done_field=done_field,
            state=REJECTED,
            rows=0,
            problems=error_count,
        )


def filejobs_stuck_reject(
    *,
    model: type[models.Model],
    object_type: str,
    done_field: str,
    message: str,
    started_before: dt.datetime,
) -> int:
    """Reject every job still "checking" that started before `started_before`
    (its worker died mid-file: an error would have finished it), with
    `message`. Conditional on the state, so a job that finishes meanwhile keeps
    its outcome. Nothing of it was done (a job applies in one transaction).
    Returns how many."""
    swept = 0
    manager = model._default_manager
    stuck = manager.filter(state=CHECKING, started_at__lt=started_before)
    for job in stuck.select_related("uploaded_by").defer("content"):
        with transaction.atomic():
            claimed = manager.filter(pk=job.pk, state=CHECKING).update(
                state=REJECTED,
                errors=[Problem(1, "", message).as_dict()],
                error_count=1,
                content=b"",
                finished_at=timezone.now(),
                **{done_field: 0},
            )
            if claimed:
                filejob_audit_outcome(
                    job,
                    object_type=object_type,
                    done_field=done_field,
                    state=REJECTED,
                    rows=0,
                    problems=1,
                )
                swept += 1
    return swept
