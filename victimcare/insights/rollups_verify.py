"""`rollups_verify`: recompute every rollup cell from the raw data and list
each one that differs from what is stored (empty: they match). The proof,
run by `victimcare insights verify`, the tests and the benchmark, that the
dashboards' figures are the raw data's."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from .models import (
    ComplianceMonthly,
    ReferralMonthly,
    RollupState,
    SatisfactionMonthly,
    StatementMonthly,
)
from .rollups import (
    BATCH,
    COMPLIANCE,
    COMPLIANCE_COUNTS,
    REFERRAL_COUNTS,
    SATISFACTION,
    STATEMENT_COUNTS,
    compliance_cells,
    referral_cells,
    satisfaction_cells,
    statement_cells,
)


@dataclass(frozen=True)
class Mismatch:
    rollup: str
    key: tuple[Any, ...]
    stored: tuple[int, ...] | None
    raw: tuple[int, ...] | None


def rollups_verify(*, now: dt.datetime | None = None) -> list[Mismatch]:
    """Every rollup cell that differs from the raw data (empty: they match).
    Compliance is judged at `now` (the overdue/open split depends on it), by
    default the moment of the last refresh, so a duty that merely fell due since
    is not reported; one whose state changed since is."""
    if now is None:
        state = RollupState.objects.filter(name=COMPLIANCE).first()
        now = state.refreshed_at if state and state.refreshed_at else timezone.now()
    problems: list[Mismatch] = []
    stored_s = {
        (r.month, r.source, r.area_id, r.dimension, r.value): (r.r1, r.r2, r.r3, r.r4, r.r5)
        for r in SatisfactionMonthly.objects.all().iterator(chunk_size=BATCH)
    }
    problems += _compare(SATISFACTION, stored_s, dict(satisfaction_cells()))
    stored_c = {
        (r.month, r.right, r.area_id, r.organisation_id): tuple(
            getattr(r, n) for n in COMPLIANCE_COUNTS
        )
        for r in ComplianceMonthly.objects.all().iterator(chunk_size=BATCH)
    }
    problems += _compare(COMPLIANCE, stored_c, dict(compliance_cells(now=now)))
    stored_v = {
        (r.month, r.area_id, r.team_id): tuple(getattr(r, n) for n in STATEMENT_COUNTS)
        for r in StatementMonthly.objects.all().iterator(chunk_size=BATCH)
    }
    problems += _compare("statements", stored_v, dict(statement_cells()))
    stored_r = {
        (r.month, r.area_id): tuple(getattr(r, n) for n in REFERRAL_COUNTS)
        for r in ReferralMonthly.objects.all().iterator(chunk_size=BATCH)
    }
    problems += _compare("referrals", stored_r, dict(referral_cells()))
    return problems


def _compare(
    name: str, stored: dict[Any, tuple[int, ...]], raw: dict[Any, tuple[int, ...]]
) -> list[Mismatch]:
    return [
        Mismatch(rollup=name, key=key, stored=stored.get(key), raw=raw.get(key))
        for key in sorted(set(stored) | set(raw), key=repr)
        if stored.get(key) != raw.get(key)
    ]
