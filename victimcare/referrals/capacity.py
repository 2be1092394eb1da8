"""Advocate capacity against demand (issue 8, item 5; the 2013 report's
recommendations 7-8): for IDVA and ISVA services, by borough and month.

Definitions (the page says them too):

- *Demand*: referrals sent in the month (London time) to an IDVA service with
  risk level high, or to any ISVA service, counted in the borough of the
  crime (`crime.area`).
- *Capacity*: over the active services of that kind covering the borough,
  the sum of advocates in post × caseload each. A service covering several
  boroughs has its capacity **shared evenly** between them. Evenly, not in
  proportion to demand: shared by demand, every borough a service covers would
  be short in the same months or none would, which hides exactly the local
  pressure this view exists to show; an even share answers "what is there for
  this borough". Capacity is the directory's current figure (it keeps no
  history), so every month of the period uses it.
- *Shortfall*: demand greater than capacity.
- *Waiting days*: the longest and the mean waiting time of those services
  (current figures).
- *Eligible victims referred*: crimes reported in the month in the borough
  that an advocate is for — for IDVAs, domestic abuse with high risk (risk is
  recorded only on referrals, so: a domestic-abuse crime with any referral
  assessed high risk); for ISVAs, sexual offences — and of those, how many
  have a referral to a service of that kind.

Counts only, no personal data: not audited. Who: `referrals.view_measures`.
Cost: one GROUP BY for demand, one for eligibility per kind, and one read of
the directory's advocate services (a small table).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncMonth

from victimcare.accounts.models import Area, User
from victimcare.cases.constants import OffenceGroup
from victimcare.cases.models import Crime
from victimcare.duties.calendar import LONDON

from .constants import ADVOCATE_KINDS, RiskLevel, ServiceKind
from .measures import Share, may_view_measures, period_errors
from .models import Referral, SupportService

KINDS: tuple[str, ...] = (ServiceKind.IDVA, ServiceKind.ISVA)
assert set(KINDS) == set(ADVOCATE_KINDS)  # noqa: S101 - a module invariant
CSV_COLUMNS = (
    "month",
    "service_kind",
    "borough_code",
    "borough",
    "demand",
    "capacity",
    "shortfall",
    "waiting_days_max",
    "waiting_days_mean",
    "eligible",
    "referred",
    "referred_percent",
)


@dataclass(frozen=True)
class CapacityRow:
    month: dt.date  # the first day of the month
    kind: str
    area_id: int
    area_code: str
    area_name: str
    demand: int
    capacity: float
    waiting_max: int | None
    waiting_mean: float | None
    referred: Share

    @property
    def shortfall(self) -> bool:
        return self.demand > self.capacity

    @property
    def kind_label(self) -> str:
        return "IDVA" if self.kind == ServiceKind.IDVA else "ISVA"


@dataclass(frozen=True)
class BoroughSummary:
    """One bar pair of the chart: a borough's mean monthly demand against capacity."""

    kind: str
    area_code: str
    area_name: str
    months: int
    demand_total: int
    capacity: float
    short_months: int

    @property
    def demand_mean(self) -> float:
        return round(self.demand_total / self.months, 1) if self.months else 0.0

    @property
    def shortfall(self) -> bool:
        return self.short_months > 0


@dataclass(frozen=True)
class CapacityTable:
    start: dt.date
    end: dt.date
    area: Area | None
    months: list[dt.date]
    rows: list[CapacityRow] = field(default_factory=list)

    def summaries(self, kind: str) -> list[BoroughSummary]:
        grouped: dict[int, list[CapacityRow]] = defaultdict(list)
        for row in self.rows:
            if row.kind == kind:
                grouped[row.area_id].append(row)
        out = []
        for rows in grouped.values():
            first = rows[0]
            out.append(
                BoroughSummary(
                    kind=kind,
                    area_code=first.area_code,
                    area_name=first.area_name,
                    months=len(self.months),
                    demand_total=sum(r.demand for r in rows),
                    capacity=first.capacity,
                    short_months=sum(r.shortfall for r in rows),
                )
            )
        return sorted(out, key=lambda s: s.area_name)

    def shortfall_boroughs(self, kind: str | None = None) -> set[str]:
        return {r.area_name for r in self.rows if r.shortfall and (kind is None or r.kind == kind)}


def months_between(start: dt.date, end: dt.date) -> list[dt.date]:
    months = []
    current = start.replace(day=1)
    while current <= end:
        months.append(current)
        current = (current + dt.timedelta(days=32)).replace(day=1)
    return months


def _month_of(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(LONDON)
        return value.date().replace(day=1)
    return value.replace(day=1)  # type: ignore[no-any-return]


def capacity_table(
    *, user: User, start: dt.date, end: dt.date, area: Area | None = None
) -> CapacityTable:
    """The table `user` may see; PermissionDenied otherwise, ValidationError for a bad period."""
    if not may_view_measures(user=user):
        raise PermissionDenied
    return capacity_table_for(start=start, end=end, area=area)


def capacity_table_for(*, start: dt.date, end: dt.date, area: Area | None = None) -> CapacityTable:
    """Checks no permission (callers: the selector above, tests, the demo's check)."""
    if problems := period_errors(start=start, end=end):
        raise ValidationError({"end": problems})
    first = dt.datetime.combine(start, dt.time.min, tzinfo=LONDON)
    after = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=LONDON)
    months = months_between(start, end)

    demand = _demand(first, after, area)
    capacity, waiting = _capacity(area)
    eligible = _eligible(first, after, area)

    area_ids = (
        {key[2] for key in demand} | {key[0] for key in capacity} | {key[2] for key in eligible}
    )
    areas = {a.pk: a for a in Area.objects.filter(pk__in=area_ids)}
    rows = []
    for kind in KINDS:
        for area_id in sorted(area_ids, key=lambda pk: areas[pk].name):
            cap = capacity.get((area_id, kind), 0.0)
            waits = waiting.get((area_id, kind), [])
            kind_months = [m for m in months if (m, kind, area_id) in demand]
            eligible_months = [m for m in months if (m, kind, area_id) in eligible]
            if not cap and not kind_months and not eligible_months:
                continue
            for month in months:
                in_need, referred = eligible.get((month, kind, area_id), (0, 0))
                rows.append(
                    CapacityRow(
                        month=month,
                        kind=kind,
                        area_id=area_id,
                        area_code=areas[area_id].code,
                        area_name=areas[area_id].name,
                        demand=demand.get((month, kind, area_id), 0),
                        capacity=round(cap, 1),
                        waiting_max=max(waits) if waits else None,
                        waiting_mean=round(sum(waits) / len(waits), 1) if waits else None,
                        referred=Share(referred, in_need),
                    )
                )
    return CapacityTable(start=start, end=end, area=area, months=months, rows=rows)


def _demand(
    first: dt.datetime, after: dt.datetime, area: Area | None
) -> dict[tuple[dt.date, str, int], int]:
    referrals = Referral.objects.filter(
        Q(service__kind=ServiceKind.IDVA, risk_level=RiskLevel.HIGH)
        | Q(service__kind=ServiceKind.ISVA),
        sent_at__gte=first,
        sent_at__lt=after,
    )
    if area is not None:
        referrals = referrals.filter(crime__area=area)
    grouped = (
        referrals.annotate(month=TruncMonth("sent_at", tzinfo=LONDON))
        .values("month", "service__kind", "crime__area_id")
        .annotate(n_demand=Count("pk"))
        .order_by()
    )
    out: dict[tuple[dt.date, str, int], int] = defaultdict(int)
    for row in grouped:
        out[(_month_of(row["month"]), row["service__kind"], row["crime__area_id"])] += row[
            "n_demand"
        ]
    return out


def _capacity(
    area: Area | None,
) -> tuple[dict[tuple[int, str], float], dict[tuple[int, str], list[int]]]:
    """Capacity and waiting days per (borough, kind), each service's capacity
    shared evenly between the boroughs it covers."""
    through = SupportService.boroughs.through
    links = list(
        through.objects.filter(
            supportservice__active=True, supportservice__kind__in=KINDS
        ).values_list(
            "supportservice_id",
            "area_id",
            "supportservice__kind",
            "supportservice__advocates_in_post",
            "supportservice__caseload_each",
            "supportservice__waiting_days",
        )
    )
    covered: dict[int, int] = defaultdict(int)
    for service_id, *_ in links:
        covered[service_id] += 1
    capacity: dict[tuple[int, str], float] = defaultdict(float)
    waiting: dict[tuple[int, str], list[int]] = defaultdict(list)
    for service_id, area_id, kind, advocates, caseload, waiting_days in links:
        if area is not None and area_id != area.pk:
            continue
        capacity[(area_id, kind)] += advocates * caseload / covered[service_id]
        waiting[(area_id, kind)].append(waiting_days)
    return capacity, waiting


def _eligible(
    first: dt.datetime, after: dt.datetime, area: Area | None
) -> dict[tuple[dt.date, str, int], tuple[int, int]]:
    crimes = Crime.objects.filter(reported_at__gte=first, reported_at__lt=after)
    if area is not None:
        crimes = crimes.filter(area=area)
    of_crime = Referral.objects.filter(crime=OuterRef("pk"))
    who = {
        ServiceKind.IDVA: Q(domestic_abuse=True)
        & Q(Exists(of_crime.filter(risk_level=RiskLevel.HIGH))),
        ServiceKind.ISVA: Q(offence__group=OffenceGroup.SEXUAL_OFFENCES),
    }
    out: dict[tuple[dt.date, str, int], tuple[int, int]] = {}
    for kind, eligible in who.items():
        grouped = (
            crimes.filter(eligible)
            .annotate(month=TruncMonth("reported_at", tzinfo=LONDON))
            .values("month", "area_id")
            .annotate(
                n_eligible=Count("pk"),
                n_referred=Count("pk", filter=Q(Exists(of_crime.filter(service__kind=kind)))),
            )
            .order_by()
        )
        for row in grouped:
            key = (_month_of(row["month"]), str(kind), row["area_id"])
            n, referred = out.get(key, (0, 0))
            out[key] = (n + row["n_eligible"], referred + row["n_referred"])
    return out


# --- Output -----------------------------------------------------------------------


def _safe(value: Any) -> Any:
    """A cell a spreadsheet will not run as a formula."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def capacity_csv(table: CapacityTable) -> str:
    """The table as CSV, one line per borough, kind and month. Counts only."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in table.rows:
        writer.writerow(
            [
                _safe(v)
                for v in (
                    row.month.strftime("%Y-%m"),
                    row.kind,
                    row.area_code,
                    row.area_name,
                    row.demand,
                    row.capacity,
                    "yes" if row.shortfall else "no",
                    row.waiting_max,
                    row.waiting_mean,
                    row.referred.n,
                    row.referred.part,
                    row.referred.percent,
                )
            ]
        )
    return out.getvalue()
