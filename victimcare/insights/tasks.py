"""Doorbell tasks of insights: they carry only an id; the row is the state."""

from __future__ import annotations

from django.tasks import task

from .imports import survey_import_run


@task()
def survey_import_task(*, import_id: int) -> str:
    """Check and import one uploaded survey file. Idempotent: an import that is
    not waiting (already claimed, finished) is left alone. Returns its state."""
    return str(survey_import_run(import_id=import_id).state)
