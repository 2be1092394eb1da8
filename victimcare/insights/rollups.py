"""Monthly rollups of the raw data, which the dashboards read.

Raw rows stay the source of truth; a rollup row is a count derived from them
and can be rebuilt at any time. Three rollups, each per London calendar month:

- `SatisfactionMonthly`: ratings 1–5 per source, borough and one value of one
  dimension (`sources.py` says how a raw row gets its values). A feedback
  response counts in the month it was received, a survey response in the month
  of its interview.
- `ComplianceMonthly`: duties per month of their deadline, right, borough and
  the organisation owing them, in the categories of `duties.compliance` at the
  moment of the refresh (replaced duties left out).
- `StatementMonthly`: Victim Personal Statement outcomes of the statements
  taken in the month, not corrected by a later event, per borough and team.
- `ReferralMonthly`: referrals to support sent in the month per borough, how
  many within 2 working days and how many complete at the first attempt
  (both fixed when a referral is sent).

Refreshing (`rollups_refresh`), every 15 minutes (`jobs.py`):
- satisfaction: the current and previous months, plus every month holding a
  feedback or survey row added since the last refresh (the highest raw id seen
  is kept as a watermark, so back-dated rows and survey imports are caught);
- compliance, statements and referrals: from two months back to one month ahead, where
  duties change state; duties due earlier can still be done late, which moves
  one from "overdue" to "late" (the on-time rate does not change), and the
  nightly full rebuild picks that up.
A month is recomputed whole: its rows are deleted and inserted again in one
transaction, under a lock on the rollup's state row, so two refreshes never
interleave. `rollups_verify` recomputes everything from the raw data and lists
every cell that differs: the proof that the rollups match.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from victimcare.cases.constants import EventCode, VpsOutcome
from victimcare.cases.models import JourneyEvent
from victimcare.duties.constants import OWED_STATES, DutyState
from victimcare.duties.models import Duty
from victimcare.feedback.models import Response
from victimcare.referrals.models import Referral

from .constants import Dimension, Source
from .models import (
    ComplianceMonthly,
    ReferralMonthly,
    RollupState,
    SatisfactionMonthly,
    StatementMonthly,
    SurveyResponse,
)
from .sources import FEEDBACK_AREA, SURVEY_AREA, feedback_value, survey_value

LONDON = ZoneInfo("Europe/London")
SATISFACTION = "satisfaction"
SURVEY = "satisfaction_survey"
COMPLIANCE = "compliance"
RATINGS = (1, 2, 3, 4, 5)
DUTY_MONTHS_BACK = 2
DUTY_MONTHS_AHEAD = 1
BATCH = 5000


@dataclass
class RefreshResult:
    """What a refresh did: the months recomputed and the rows written."""

    satisfaction_months: list[dt.date] = field(default_factory=list)
    duty_months: list[dt.date] | None = None  # None: all (a full rebuild)
    rows: int = 0
    seconds: float = 0.0


# --- Months ---------------------------------------------------------------------------


def month_start(moment: dt.date | dt.datetime) -> dt.date:
    """The first day of the London month holding `moment`."""
    if isinstance(moment, dt.datetime):
        moment = moment.astimezone(LONDON).date()
    return moment.replace(day=1)


def month_add(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_bounds(months: Iterable[dt.date]) -> tuple[dt.datetime, dt.datetime]:
    """The London instants from the start of the first month to the end of the last."""
    ordered = sorted(months)
    first = dt.datetime.combine(ordered[0], dt.time.min, tzinfo=LONDON)
    after = dt.datetime.combine(month_add(ordered[-1], 1), dt.time.min, tzinfo=LONDON)
    return first, after


def _as_month(value: dt.date | dt.datetime) -> dt.date:
    return month_start(value) if isinstance(value, dt.datetime) else value.replace(day=1)


# --- Counting raw rows ----------------------------------------------------------------


def _rating_counts() -> dict[str, Any]:
    return {f"r{r}": Count("pk", filter=Q(rating=r)) for r in RATINGS}


def month_runs(months: Iterable[dt.date]) -> list[set[dt.date]]:
    """`months` as runs of consecutive months (one raw query per run, so a
    back-dated row from years ago does not make the refresh read the years between)."""
    runs: list[set[dt.date]] = []
    previous: dt.date | None = None
    for month in sorted(set(months)):
        if previous is None or month != month_add(previous, 1):
            runs.append(set())
        runs[-1].add(month)
        previous = month
    return runs


def satisfaction_cells(
    *, months: set[dt.date] | None = None
) -> Iterator[tuple[tuple[dt.date, str, int | None, str, str], tuple[int, ...]]]:
    """Every non-empty satisfaction cell computed from the raw rows:
    ((month, source, area id, dimension, value), (r1, …, r5)). Limited to
    `months` when given (None: all)."""
    if months:
        for run in month_runs(months):
            yield from _satisfaction_run(run)
    else:
        yield from _satisfaction_run(None)


def _satisfaction_run(
    months: set[dt.date] | None,
) -> Iterator[tuple[tuple[dt.date, str, int | None, str, str], tuple[int, ...]]]:
    feedback: QuerySet[Any] = Response.objects.all()
    survey: QuerySet[Any] = SurveyResponse.objects.all()
    if months:
        first, after = month_bounds(months)
        feedback = feedback.filter(created_at__gte=first, created_at__lt=after)
        survey = survey.filter(interviewed_on__gte=first.date(), interviewed_on__lt=after.date())
    plans = (
        (Source.FEEDBACK, feedback, TruncMonth("created_at", tzinfo=LONDON), FEEDBACK_AREA),
        (Source.SURVEY, survey, TruncMonth("interviewed_on"), SURVEY_AREA),
    )
    for source, rows, month_expr, area in plans:
        value_of = feedback_value if source == Source.FEEDBACK else survey_value
        for dimension in Dimension:
            grouped = (
                rows.values(month=month_expr, area_key=F(area), value=value_of(dimension))
                .annotate(**_rating_counts())
                .order_by()
            )
            for row in grouped.iterator(chunk_size=BATCH):
                month = _as_month(row["month"])
                if months and month not in months:
                    continue
                counts = tuple(int(row[f"r{r}"]) for r in RATINGS)
                key = (month, str(source), row["area_key"], str(dimension), str(row["value"]))
                yield key, counts


def _duty_rows(months: set[dt.date] | None) -> QuerySet[Any]:
    duties = Duty.objects.exclude(state=DutyState.REPLACED)
    if months:
        first, after = month_bounds(months)
        duties = duties.filter(due_at__gte=first, due_at__lt=after)
    return duties


def compliance_cells(
    *, months: set[dt.date] | None = None, now: dt.datetime
) -> Iterator[tuple[tuple[dt.date, int, int | None, int], tuple[int, ...]]]:
    """((month, right, area id, organisation id), (due, on_time, late, overdue,
    still_open, not_applicable)) from the duties, as `duties.compliance` counts them."""
    owed = Q(state__in=OWED_STATES)
    grouped = (
        _duty_rows(months)
        .values(
            month=TruncMonth("due_at", tzinfo=LONDON),
            right_key=F("right"),
            area_key=F("crime__area"),
            organisation_key=F("owner_organisation"),
        )
        .annotate(
            n_due=Count("pk"),
            n_on_time=Count("pk", filter=Q(state=DutyState.DONE, on_time=True)),
            n_late=Count("pk", filter=Q(state=DutyState.DONE, on_time=False)),
            n_overdue=Count("pk", filter=owed & Q(due_at__lt=now)),
            n_still_open=Count("pk", filter=owed & Q(due_at__gte=now)),
            n_not_applicable=Count("pk", filter=Q(state=DutyState.NOT_APPLICABLE)),
        )
        .order_by()
    )
    for row in grouped.iterator(chunk_size=BATCH):
        month = _as_month(row["month"])
        if months and month not in months:
            continue
        key = (month, int(row["right_key"]), row["area_key"], int(row["organisation_key"]))
        yield key, tuple(int(row[f"n_{n}"]) for n in COMPLIANCE_COUNTS)


COMPLIANCE_COUNTS = ("due", "on_time", "late", "overdue", "still_open", "not_applicable")
STATEMENT_COUNTS = ("made", "declined", "not_offered", "not_recorded")


def statement_cells(
    *, months: set[dt.date] | None = None
) -> Iterator[tuple[tuple[dt.date, int | None, int], tuple[int, ...]]]:
    """((month, area id, team id), (made, declined, not_offered, not_recorded))."""
    statements = JourneyEvent.objects.filter(code=EventCode.STATEMENT_TAKEN).filter(
        ~Exists(JourneyEvent.objects.filter(supersedes=OuterRef("pk")))
    )
    if months:
        first, after = month_bounds(months)
        statements = statements.filter(occurred_at__gte=first, occurred_at__lt=after)
    grouped = (
        statements.values(
            month=TruncMonth("occurred_at", tzinfo=LONDON),
            area_key=F("crime__area"),
            team_key=F("crime__team"),
        )
        .annotate(
            total=Count("pk"),
            made=Count("pk", filter=Q(details__vps=VpsOutcome.MADE.value)),
            declined=Count("pk", filter=Q(details__vps=VpsOutcome.DECLINED.value)),
            not_offered=Count("pk", filter=Q(details__vps=VpsOutcome.NOT_OFFERED.value)),
        )
        .order_by()
    )
    for row in grouped.iterator(chunk_size=BATCH):
        month = _as_month(row["month"])
        if months and month not in months:
            continue
        made, declined, not_offered = (int(row[n]) for n in ("made", "declined", "not_offered"))
        counts = (made, declined, not_offered, int(row["total"]) - made - declined - not_offered)
        yield (month, row["area_key"], int(row["team_key"])), counts


REFERRAL_COUNTS = ("sent", "within_deadline", "complete_first_time")


def referral_cells(
    *, months: set[dt.date] | None = None
) -> Iterator[tuple[tuple[dt.date, int | None], tuple[int, ...]]]:
    """((month, area id), (sent, within 2 working days, complete first time))."""
    referrals = Referral.objects.all()
    if months:
        first, after = month_bounds(months)
        referrals = referrals.filter(sent_at__gte=first, sent_at__lt=after)
    grouped = (
        referrals.values(month=TruncMonth("sent_at", tzinfo=LONDON), area_key=F("crime__area"))
        .annotate(
            n_sent=Count("pk"),
            n_within=Count("pk", filter=Q(within_deadline=True)),
            n_complete=Count("pk", filter=Q(complete_first_time=True)),
        )
        .order_by()
    )
    for row in grouped.iterator(chunk_size=BATCH):
        month = _as_month(row["month"])
        if months and month not in months:
            continue
        counts = (int(row["n_sent"]), int(row["n_within"]), int(row["n_complete"]))
        yield (month, row["area_key"]), counts


# --- Refresh --------------------------------------------------------------------------


def _state(name: str) -> RollupState:
    RollupState.objects.get_or_create(name=name)
    return RollupState.objects.select_for_update().get(name=name)


def _new_months(model: type[Any], date_field: str, watermark: int, top: int) -> set[dt.date]:
    """The months of raw rows with ids above `watermark` (up to `top`)."""
    if top <= watermark:
        return set()
    rows = model.objects.filter(pk__gt=watermark, pk__lte=top)
    expr = TruncMonth(date_field, tzinfo=LONDON) if date_field == "created_at" else None
    months = rows.annotate(month=expr or TruncMonth(date_field)).values_list("month", flat=True)
    return {_as_month(m) for m in months.distinct().order_by()}


def _bulk_insert(model: type[Any], objects: Iterable[Any]) -> int:
    written = 0
    batch: list[Any] = []
    for obj in objects:
        batch.append(obj)
        if len(batch) >= BATCH:
            model.objects.bulk_create(batch)
            written += len(batch)
            batch = []
    if batch:
        model.objects.bulk_create(batch)
        written += len(batch)
    return written


def _satisfaction_write(months: set[dt.date] | None) -> int:
    existing = SatisfactionMonthly.objects.all()
    if months is not None:
        existing = existing.filter(month__in=months)
    existing.delete()
    return _bulk_insert(
        SatisfactionMonthly,
        (
            SatisfactionMonthly(
                month=m, source=s, area_id=a, dimension=d, value=v, **_ratings(counts)
            )
            for (m, s, a, d, v), counts in satisfaction_cells(months=months)
        ),
    )


def _ratings(counts: tuple[int, ...]) -> dict[str, int]:
    return {f"r{r}": counts[r - 1] for r in RATINGS}


def _duties_write(months: set[dt.date] | None, now: dt.datetime) -> int:
    for model in (ComplianceMonthly, StatementMonthly, ReferralMonthly):
        existing = model.objects.all()
        if months is not None:
            existing = existing.filter(month__in=months)
        existing.delete()
    written = _bulk_insert(
        ComplianceMonthly,
        (
            ComplianceMonthly(
                month=m,
                right=r,
                area_id=a,
                organisation_id=o,
                **dict(zip(COMPLIANCE_COUNTS, c, strict=True)),
            )
            for (m, r, a, o), c in compliance_cells(months=months, now=now)
        ),
    )
    written += _bulk_insert(
        StatementMonthly,
        (
            StatementMonthly(
                month=m, area_id=a, team_id=t, **dict(zip(STATEMENT_COUNTS, c, strict=True))
            )
            for (m, a, t), c in statement_cells(months=months)
        ),
    )
    return written + _bulk_insert(
        ReferralMonthly,
        (
            ReferralMonthly(month=m, area_id=a, **dict(zip(REFERRAL_COUNTS, c, strict=True)))
            for (m, a), c in referral_cells(months=months)
        ),
    )


def rollups_refresh(
    *,
    full: bool = False,
    months: Iterable[dt.date] | None = None,
    now: dt.datetime | None = None,
) -> RefreshResult:
    """Bring the rollups up to date (see the module docstring); `full` rebuilds
    everything; `months` adds months to recompute (e.g. after a survey import)."""
    started = time.monotonic()
    now = now or timezone.now()
    result = RefreshResult()
    current = month_start(now)
    with transaction.atomic():
        state = _state(SATISFACTION)
        survey_state = _state(SURVEY)
        top = Response.objects.aggregate(top=Max("pk"))["top"] or 0
        survey_top = SurveyResponse.objects.aggregate(top=Max("pk"))["top"] or 0
        if full:
            result.rows += _satisfaction_write(None)
        else:
            wanted = {current, month_add(current, -1)} | {_as_month(m) for m in months or ()}
            wanted |= _new_months(Response, "created_at", state.watermark, top)
            wanted |= _new_months(
                SurveyResponse, "interviewed_on", survey_state.watermark, survey_top
            )
            result.satisfaction_months = sorted(wanted)
            result.rows += _satisfaction_write(wanted)
        for item, mark in ((state, top), (survey_state, survey_top)):
            item.watermark = mark
            item.refreshed_at = now
            if full:
                item.rebuilt_at = now
            item.seconds = time.monotonic() - started
            item.save()
    duty_started = time.monotonic()
    with transaction.atomic():
        duty_state = _state(COMPLIANCE)
        duty_months = (
            None
            if full
            else {month_add(current, k) for k in range(-DUTY_MONTHS_BACK, DUTY_MONTHS_AHEAD + 1)}
        )
        result.duty_months = sorted(duty_months) if duty_months is not None else None
        result.rows += _duties_write(duty_months, now)
        duty_state.refreshed_at = now
        if full:
            duty_state.rebuilt_at = now
        duty_state.seconds = time.monotonic() - duty_started
        duty_state.save()
    result.seconds = time.monotonic() - started
    return result
