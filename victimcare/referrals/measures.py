"""How well referrals work (issue 8, item 4): for a period, optionally one
borough or one team.

Definitions (the page says them too):

- The *period* is London calendar days from `start` to `end`, both included.
  Referrals count when they were sent in it; data problems when they were
  reported in it; Right 4 duties when they fell due in it.
- *Sent within 2 working days*: referrals whose `within_deadline` is set, out
  of all referrals sent. *Right 4 duties on time*: duties of the rule
  `crime-reported-support-referral` done on time, out of those whose
  timeliness is decided (done on time, done late, or still owed past their
  deadline), as on the compliance page; replaced duties are left out.
- *Complete first time*: referrals that passed the data-quality gate at the
  first attempt, out of all referrals sent.
- *Data problems* by kind, by borough (the crime's area) and by team (the
  crime's team), with how many are still to fix.
- *Median time to rectify*: of the problems reported in the period and fixed,
  the median of `fixed_at - reported_at` (calendar time). Computed in the
  database on SQLite and PostgreSQL alike: count, order by the duration and
  read the one or two middle rows.
- By service: *acceptance rate* = accepted or beyond (contact made, not
  reached, support started, closed, or withdrawn after acceptance) out of
  decided (those plus declined); *contact rate* = contact made or support
  started (now or before a later close or withdrawal) out of accepted.

Every figure carries its base (n). Under MIN_BASE the page shows "not enough
data" instead of a percentage, so a small base is never read as a rate.

Who may see them: `referrals.view_measures` (analysts, police supervisors and
administrators), the whole force: counts only, no personal data, so reads are
not audited. Cost: a handful of GROUP BY queries whatever the volume.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
)
from django.utils import timezone

from victimcare.accounts.models import Area, Organisation, User
from victimcare.duties.calendar import LONDON
from victimcare.duties.constants import OWED_STATES, DutyState
from victimcare.duties.models import Duty

from .constants import ProblemKind, ProblemState, ReferralState, ServiceKind
from .models import DataProblem, Referral, ReferralStatusEvent

PERMISSION = "referrals.view_measures"
REFERRAL_RULE = "crime-reported-support-referral"
MIN_BASE = 5  # below this many, a share is "not enough data"
MAX_PERIOD_DAYS = 366

PERIOD_END_BEFORE_START = "The last day of the period must be the same as or after the first day"
PERIOD_TOO_LONG = "The period must be 366 days or fewer"

S = ReferralState
# States a referral can only be in once the service accepted it.
ACCEPTED_STATES = (S.ACCEPTED, S.CONTACT_MADE, S.NOT_REACHED, S.SUPPORT_STARTED, S.CLOSED)
CONTACT_STATES = (S.CONTACT_MADE, S.SUPPORT_STARTED)


@dataclass(frozen=True)
class Share:
    """`part` out of `n`, with the percentage only when the base is big enough."""

    part: int
    n: int

    @property
    def enough(self) -> bool:
        return self.n >= MIN_BASE

    @property
    def percent(self) -> float | None:
        return round(100 * self.part / self.n, 1) if self.n and self.enough else None

    def text(self) -> str:
        if not self.enough:
            return "Not enough data"
        return f"{self.percent:.1f}%"


@dataclass(frozen=True)
class Filters:
    start: dt.date
    end: dt.date
    area: Area | None = None
    team: Organisation | None = None

    @property
    def first(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time.min, tzinfo=LONDON)

    @property
    def after(self) -> dt.datetime:
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=LONDON)

    def crime_q(self, prefix: str) -> Q:
        q = Q()
        if self.area is not None:
            q &= Q(**{f"{prefix}crime__area": self.area})
        if self.team is not None:
            q &= Q(**{f"{prefix}crime__team": self.team})
        return q


@dataclass(frozen=True)
class ProblemRow:
    key: str
    label: str
    reported: int
    still_open: int


@dataclass(frozen=True)
class Median:
    """The median time to rectify and its base (fixed problems)."""

    value: dt.timedelta | None
    n: int

    @property
    def enough(self) -> bool:
        return self.n >= MIN_BASE

    def text(self) -> str:
        if not self.enough or self.value is None:
            return "Not enough data"
        hours = self.value.total_seconds() / 3600
        if hours < 48:
            return f"{hours:.1f} hours"
        return f"{hours / 24:.1f} days"


@dataclass(frozen=True)
class ServiceRow:
    service_id: int
    name: str
    kind: str
    sent: int
    acceptance: Share
    contact: Share

    @property
    def kind_label(self) -> str:
        return str(ServiceKind(self.kind).label) if self.kind in ServiceKind.values else self.kind


@dataclass(frozen=True)
class Measures:
    filters: Filters
    made_at: dt.datetime
    referrals: int
    within_deadline: Share
    duties_on_time: Share
    complete_first_time: Share
    problems_total: int
    problems_by_kind: list[ProblemRow] = field(default_factory=list)
    problems_by_borough: list[ProblemRow] = field(default_factory=list)
    problems_by_team: list[ProblemRow] = field(default_factory=list)
    rectify: Median = field(default_factory=lambda: Median(None, 0))
    services: list[ServiceRow] = field(default_factory=list)


def period_errors(*, start: dt.date, end: dt.date) -> list[str]:
    if end < start:
        return [PERIOD_END_BEFORE_START]
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        return [PERIOD_TOO_LONG]
    return []


def may_view_measures(*, user: Any) -> bool:
    return bool(user.has_perm(PERMISSION))


def referral_measures(*, user: User, filters: Filters, now: dt.datetime | None = None) -> Measures:
    """The measures for `filters`; PermissionDenied unless `user` may see them,
    ValidationError (plain English) for a bad period."""
    if not may_view_measures(user=user):
        raise PermissionDenied
    return referral_measures_for(filters=filters, now=now)


def referral_measures_for(*, filters: Filters, now: dt.datetime | None = None) -> Measures:
    """The measures, checking no permission (callers: the selector above, tests, commands)."""
    if problems := period_errors(start=filters.start, end=filters.end):
        raise ValidationError({"end": problems})
    now = now or timezone.now()
    referrals = _referrals(filters)
    totals = referrals.aggregate(
        n_sent=Count("pk"),
        n_within=Count("pk", filter=Q(within_deadline=True)),
        n_complete=Count("pk", filter=Q(complete_first_time=True)),
    )
    n = totals["n_sent"] or 0
    problems = _problems(filters)
    return Measures(
        filters=filters,
        made_at=now,
        referrals=n,
        within_deadline=Share(totals["n_within"] or 0, n),
        duties_on_time=_duties_on_time(filters, now),
        complete_first_time=Share(totals["n_complete"] or 0, n),
        problems_total=problems.count(),
        problems_by_kind=_problem_rows(problems, ("kind",), ProblemKind),
        problems_by_borough=_problem_rows(
            problems, ("referral__crime__area__code", "referral__crime__area__name")
        ),
        problems_by_team=_problem_rows(
            problems, ("referral__crime__team__code", "referral__crime__team__name")
        ),
        rectify=_median_rectify(problems),
        services=_by_service(referrals),
    )


def _referrals(filters: Filters) -> QuerySet[Referral]:
    return Referral.objects.filter(
        filters.crime_q(""), sent_at__gte=filters.first, sent_at__lt=filters.after
    )


def _problems(filters: Filters) -> QuerySet[DataProblem]:
    return DataProblem.objects.filter(
        filters.crime_q("referral__"),
        reported_at__gte=filters.first,
        reported_at__lt=filters.after,
    )


def _duties_on_time(filters: Filters, now: dt.datetime) -> Share:
    # VCOP Right 4: refer to support services within 2 working days.
    counts = (
        Duty.objects.filter(
            filters.crime_q(""),
            rule__code=REFERRAL_RULE,
            due_at__gte=filters.first,
            due_at__lt=filters.after,
        )
        .exclude(state=DutyState.REPLACED)
        .aggregate(
            n_on_time=Count("pk", filter=Q(state=DutyState.DONE, on_time=True)),
            n_late=Count("pk", filter=Q(state=DutyState.DONE, on_time=False)),
            n_overdue=Count("pk", filter=Q(state__in=OWED_STATES, due_at__lt=now)),
        )
    )
    on_time = counts["n_on_time"] or 0
    return Share(on_time, on_time + (counts["n_late"] or 0) + (counts["n_overdue"] or 0))


def _problem_rows(
    problems: QuerySet[DataProblem], fields: tuple[str, ...], labels: Any = None
) -> list[ProblemRow]:
    grouped = (
        problems.values(*fields)
        .annotate(n_reported=Count("pk"), n_open=Count("pk", filter=Q(state=ProblemState.OPEN)))
        .order_by(*fields)
    )
    rows = []
    for row in grouped:
        key = str(row[fields[0]])
        if labels is not None:
            label = str(labels(key).label) if key in labels.values else key
        else:
            label = str(row[fields[1]])
        rows.append(ProblemRow(key, label, row["n_reported"], row["n_open"]))
    return sorted(rows, key=lambda r: (-r.reported, r.label))


def _median_rectify(problems: QuerySet[DataProblem]) -> Median:
    """The median of fixed_at - reported_at, in the database: the one or two
    middle rows of the fixed problems ordered by their duration."""
    fixed = problems.filter(state=ProblemState.FIXED, fixed_at__isnull=False).annotate(
        took=ExpressionWrapper(F("fixed_at") - F("reported_at"), output_field=DurationField())
    )
    n = fixed.count()
    if not n:
        return Median(None, 0)
    middle = (n - 1) // 2
    size = 1 if n % 2 else 2
    values = list(
        fixed.order_by("took", "pk").values_list("took", flat=True)[middle : middle + size]
    )
    durations = [v if isinstance(v, dt.timedelta) else dt.timedelta(microseconds=v) for v in values]
    return Median(sum(durations, dt.timedelta()) / len(durations), n)


def _by_service(referrals: QuerySet[Referral]) -> list[ServiceRow]:
    events = ReferralStatusEvent.objects.filter(referral=OuterRef("pk"))
    was_accepted = Exists(events.filter(to_state=S.ACCEPTED))
    was_contacted = Exists(events.filter(to_state__in=CONTACT_STATES))
    after_acceptance = Q(state__in=ACCEPTED_STATES) | (Q(state=S.WITHDRAWN) & Q(was_accepted))
    accepted = Count("pk", filter=after_acceptance)
    grouped = (
        referrals.values("service_id", "service__name", "service__kind")
        .annotate(
            n_sent=Count("pk"),
            n_accepted=accepted,
            n_declined=Count("pk", filter=Q(state=S.DECLINED)),
            n_contacted=Count(
                "pk",
                filter=Q(state__in=CONTACT_STATES) | Q(was_contacted),
            ),
        )
        .order_by("service__name", "service_id")
    )
    return [
        ServiceRow(
            service_id=row["service_id"],
            name=row["service__name"],
            kind=row["service__kind"],
            sent=row["n_sent"],
            acceptance=Share(row["n_accepted"], row["n_accepted"] + row["n_declined"]),
            contact=Share(row["n_contacted"], row["n_accepted"]),
        )
        for row in grouped
    ]
