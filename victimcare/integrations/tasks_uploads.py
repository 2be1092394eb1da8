"""The doorbell task of bulk uploads: it carries only an id; the row is the state."""

from __future__ import annotations

from django.tasks import task

from .bulk import bulk_upload_run


@task()
def bulk_upload_task(*, upload_id: int) -> str:
    """Check and apply one uploaded file of events. Idempotent: an upload that
    is not waiting (already claimed, finished) is left alone. Returns its state."""
    return str(bulk_upload_run(upload_id=upload_id).state)
