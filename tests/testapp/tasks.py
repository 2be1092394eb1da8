"""Test-only tasks for the worker process tests (tests/ops)."""

from __future__ import annotations

import time

from django.tasks import task

from .models import ContactRecord


@task()
def record_task(*, label: str, seconds: float = 0.0) -> None:
    """Sleeps `seconds` (a task in hand when a test signals the worker), then
    records `label`: the row is the proof the task ran to its end."""
    time.sleep(seconds)
    ContactRecord.objects.create(label=label)
