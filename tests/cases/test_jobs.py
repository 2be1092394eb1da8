"""Unfinished intake drafts (personal data) are deleted after 30 days untouched."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from victimcare.cases.jobs import intake_drafts_sweep
from victimcare.cases.models import IntakeDraft
from victimcare.core.scheduler import discover_jobs

pytestmark = pytest.mark.django_db


def test_old_drafts_are_swept_and_recent_ones_kept(officer):
    now = timezone.now()
    stale = IntakeDraft.objects.create(owner=officer, updated_at=now - dt.timedelta(days=31))
    recent = IntakeDraft.objects.create(owner=officer, updated_at=now - dt.timedelta(days=29))
    old_but_touched = IntakeDraft.objects.create(
        owner=officer, created_at=now - dt.timedelta(days=60), updated_at=now
    )

    assert intake_drafts_sweep() == 1
    assert set(IntakeDraft.objects.values_list("pk", flat=True)) == {recent.pk, old_but_touched.pk}
    assert not IntakeDraft.objects.filter(pk=stale.pk).exists()
    assert intake_drafts_sweep() == 0  # idempotent


def test_the_sweep_is_a_registered_periodic_job():
    assert discover_jobs()["intake_drafts_sweep"].func is intake_drafts_sweep
