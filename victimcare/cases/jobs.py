"""Periodic jobs of the case record."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from victimcare.core.scheduler import periodic

from .models import IntakeDraft

# An unfinished intake holds personal data typed by an officer: it is kept
# only as long as it is plausibly being worked on (data minimisation).
INTAKE_DRAFT_RETENTION = dt.timedelta(days=30)


@periodic("intake_drafts_sweep", every=dt.timedelta(hours=6))
def intake_drafts_sweep() -> int:
    """Delete intake drafts not touched for INTAKE_DRAFT_RETENTION; return how many."""
    cutoff = timezone.now() - INTAKE_DRAFT_RETENTION
    deleted, _ = IntakeDraft.objects.filter(updated_at__lt=cutoff).delete()
    return deleted
