"""Victims' Code compliance figures: per right, borough or team, for a period.

Definitions (also in docs/decisions.md):

- A duty is *due in the period* when its deadline (`due_at`) falls on a London
  calendar day from `start` to `end`, both included. Duties replaced by a tighter
  deadline are left out; the replacement counts (once).
- Every duty due in the period is in exactly one of: *done on time* (done,
  `on_time`), *done late* (done, not `on_time`), *overdue* (still owed and its
  deadline has passed, at the moment the figures are made, whether or not the
  overdue sweep has run yet), *still open* (still owed, deadline not yet
  passed) or *not applicable*. So due = on time + late + overdue + open + n/a.
- *On-time rate* = done on time / (done on time + done late + overdue): of the
  duties whose timeliness is decided (an overdue duty can no longer be on
  time), the share met on time. Not-applicable and still-open duties are
  outside it. None (shown as "–") when nothing is decided.
- VPS (VCOP Right 7): *statements* are `statement_taken` events that happened
  (`occurred_at`) on a London day in the period and were not corrected by a
  later event (`supersedes`); each counts once with its `details["vps"]`:
  made, declined or not offered, or *not recorded* when it has none.
  *Offered rate* = (made + declined) / (made + declined + not offered) and
  *made rate* = made / (made + declined + not offered): statements with no
  recorded outcome are counted but left out of both rates.
- Grouping: `right` (the duty's right; VPS figures sit on Right 7's row),
  `borough` (the crime's borough, for duties and statements) or `team` (for
  duties the organisation that owes the duty, e.g. a response team or a
  Witness Care Unit; for statements the crime's team).

Who may see them: analysts (the whole force) and supervisors (duties owed by
their organisation and every one below it; statements of crimes of those
teams). Aggregate counts only, no personal data, so the figures are not
audited. Small numbers are not suppressed: these are for internal
management; anything published (the insights issue) must suppress them.

Cost: one GROUP BY query for the duties and one for the statements, whatever
the grouping; both run on SQLite and PostgreSQL (the `duty_organisation_idx`
and `duty_open_due_idx` indexes do not cover `due_at` alone; see the report).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from victimcare.accounts.constants import Role
from victimcare.accounts.models import User
from victimcare.accounts.selectors import organisation_subtree_ids
from victimcare.cases.constants import EventCode, VpsOutcome
from victimcare.cases.models import JourneyEvent

from . import messages
from .calendar import LONDON
from .constants import OWED_STATES, DutyState
from .models import Duty

GroupBy = Literal["right", "borough", "team"]
GROUPINGS: dict[str, str] = {"right": "Right", "borough": "Borough", "team": "Team or unit"}
MAX_PERIOD_DAYS = 366  # a leap year, both ends included
VPS_RIGHT = 7

# Short titles of the 12 rights (../shared/domain/vcop.md), for row labels.
RIGHT_TITLES = {
    1: "To understand and be understood",
    2: "To have the crime recorded without unjustified delay",
    3: "To information when reporting the crime",
    4: "To be referred to support services",
    5: "To information about compensation",
    6: "To information about the investigation and prosecution",
    7: "To make a Victim Personal Statement",
    8: "To information about the trial and your role as a witness",
    9: "To information about the outcome of the case and any appeals",
    10: "To expenses and the return of property",
    11: "To information about the offender after conviction",
    12: "To make a complaint about your rights not being met",
}


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass(frozen=True)
class ComplianceRow:
    """The figures of one group (or of all: the total row). Counts only."""

    key: str
    label: str
    due: int = 0
    done_on_time: int = 0
    done_late: int = 0
    overdue: int = 0
    still_open: int = 0
    not_applicable: int = 0
    vps_statements: int = 0
    vps_made: int = 0
    vps_declined: int = 0
    vps_not_offered: int = 0

    @property
    def decided(self) -> int:
        return self.done_on_time + self.done_late + self.overdue

    @property
    def on_time_rate(self) -> float | None:
        return _rate(self.done_on_time, self.decided)

    @property
    def vps_recorded(self) -> int:
        return self.vps_made + self.vps_declined + self.vps_not_offered

    @property
    def vps_not_recorded(self) -> int:
        return self.vps_statements - self.vps_recorded

    @property
    def vps_offered_rate(self) -> float | None:
        return _rate(self.vps_made + self.vps_declined, self.vps_recorded)

    @property
    def vps_made_rate(self) -> float | None:
        return _rate(self.vps_made, self.vps_recorded)

    def as_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "on_time_rate": self.on_time_rate,
            "vps_not_recorded": self.vps_not_recorded,
            "vps_offered_rate": self.vps_offered_rate,
            "vps_made_rate": self.vps_made_rate,
        }


COUNTS = (
    "due",
    "done_on_time",
    "done_late",
    "overdue",
    "still_open",
    "not_applicable",
    "vps_statements",
    "vps_made",
    "vps_declined",
    "vps_not_offered",
)
CSV_COLUMNS = (
    "group_by",
    "key",
    "label",
    *COUNTS[:6],
    "on_time_rate",
    *COUNTS[6:],
    "vps_not_recorded",
    "vps_offered_rate",
    "vps_made_rate",
)


@dataclass(frozen=True)
class ComplianceFigures:
    start: dt.date
    end: dt.date
    group_by: str
    scope: str
    made_at: dt.datetime
    rows: list[ComplianceRow] = field(default_factory=list)
    total: ComplianceRow = field(default_factory=lambda: ComplianceRow(key="", label="Total"))


def may_view_compliance(*, user: Any) -> bool:
    return bool(user.has_perm("duties.view_compliance"))


def compliance_period_errors(*, start: dt.date, end: dt.date) -> list[str]:
    """What is wrong with a period (end before start, longer than MAX_PERIOD_DAYS)."""
    if end < start:
        return [messages.COMPLIANCE_END_BEFORE_START]
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        return [messages.COMPLIANCE_PERIOD_TOO_LONG]
    return []


def compliance_figures(
    *,
    user: User,
    start: dt.date,
    end: dt.date,
    group_by: GroupBy,
    now: dt.datetime | None = None,
) -> ComplianceFigures:
    """The compliance figures `user` may see for the period, grouped by `group_by`.

    Analysts see the whole force, supervisors their organisation and everything
    below it; anyone else gets PermissionDenied. Bad input (unknown grouping,
    end before start, a period over 366 days) raises ValidationError with the
    texts in `messages`.
    """
    if not may_view_compliance(user=user):
        raise PermissionDenied
    if user.role == Role.ANALYST:
        return compliance_figures_for_scope(
            organisation_ids=None, start=start, end=end, group_by=group_by, now=now
        )
    return compliance_figures_for_scope(
        organisation_ids=organisation_subtree_ids(organisation_id=user.organisation_id),
        scope=user.organisation.name,
        start=start,
        end=end,
        group_by=group_by,
        now=now,
    )


def compliance_figures_for_scope(
    *,
    organisation_ids: set[int] | None,
    start: dt.date,
    end: dt.date,
    group_by: str,
    scope: str = "Whole force",
    now: dt.datetime | None = None,
) -> ComplianceFigures:
    """The figures for duties owed by `organisation_ids` (None: all) and the
    statements of crimes of those teams. For `compliance_figures` and the
    operators' command only: it checks no permission."""
    if group_by not in GROUPINGS:
        raise ValidationError({"group_by": [messages.COMPLIANCE_GROUP_BY_INVALID]})
    if problems := compliance_period_errors(start=start, end=end):
        raise ValidationError({"end": problems})
    now = now or timezone.now()
    first = dt.datetime.combine(start, dt.time.min, tzinfo=LONDON)
    after = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=LONDON)

    rows: dict[str, ComplianceRow] = {}
    for key, label, counts in _duty_counts(
        organisation_ids=organisation_ids, first=first, after=after, now=now, group_by=group_by
    ):
        rows[key] = ComplianceRow(key=key, label=label, **counts)
    for key, label, counts in _vps_counts(
        organisation_ids=organisation_ids, first=first, after=after, group_by=group_by
    ):
        rows[key] = replace(rows.get(key) or ComplianceRow(key=key, label=label), **counts)

    ordered = sorted(
        rows.values(),
        key=(lambda r: (int(r.key), "")) if group_by == "right" else (lambda r: (0, r.label)),
    )
    total = ComplianceRow(
        key="", label="Total", **{name: sum(getattr(r, name) for r in ordered) for name in COUNTS}
    )
    return ComplianceFigures(
        start=start,
        end=end,
        group_by=group_by,
        scope=scope,
        made_at=now,
        rows=ordered,
        total=total,
    )


def _duty_counts(
    *,
    organisation_ids: set[int] | None,
    first: dt.datetime,
    after: dt.datetime,
    now: dt.datetime,
    group_by: str,
) -> list[tuple[str, str, dict[str, int]]]:
    duties = Duty.objects.exclude(state=DutyState.REPLACED).filter(
        due_at__gte=first, due_at__lt=after
    )
    if organisation_ids is not None:
        duties = duties.filter(owner_organisation_id__in=organisation_ids)
    fields = {
        "right": ("right",),
        "borough": ("crime__area__code", "crime__area__name"),
        "team": ("owner_organisation__code", "owner_organisation__name"),
    }[group_by]
    owed = Q(state__in=OWED_STATES)
    grouped = (
        duties.values(*fields)
        .annotate(
            due=Count("pk"),
            done_on_time=Count("pk", filter=Q(state=DutyState.DONE, on_time=True)),
            done_late=Count("pk", filter=Q(state=DutyState.DONE, on_time=False)),
            overdue=Count("pk", filter=owed & Q(due_at__lt=now)),
            still_open=Count("pk", filter=owed & Q(due_at__gte=now)),
            not_applicable=Count("pk", filter=Q(state=DutyState.NOT_APPLICABLE)),
        )
        .order_by(*fields)
    )
    return [_keyed(row, fields, group_by) for row in grouped]


def _vps_counts(
    *,
    organisation_ids: set[int] | None,
    first: dt.datetime,
    after: dt.datetime,
    group_by: str,
) -> list[tuple[str, str, dict[str, int]]]:
    statements = JourneyEvent.objects.filter(
        code=EventCode.STATEMENT_TAKEN, occurred_at__gte=first, occurred_at__lt=after
    ).filter(~Exists(JourneyEvent.objects.filter(supersedes=OuterRef("pk"))))
    if organisation_ids is not None:
        statements = statements.filter(crime__team_id__in=organisation_ids)
    counts = {
        "vps_statements": Count("pk"),
        "vps_made": Count("pk", filter=Q(details__vps=VpsOutcome.MADE.value)),
        "vps_declined": Count("pk", filter=Q(details__vps=VpsOutcome.DECLINED.value)),
        "vps_not_offered": Count("pk", filter=Q(details__vps=VpsOutcome.NOT_OFFERED.value)),
    }
    if group_by == "right":
        # Right 7 is the VPS right: one row.
        totals = statements.aggregate(**counts)
        if not totals["vps_statements"]:
            return []
        key = str(VPS_RIGHT)
        return [(key, _right_label(VPS_RIGHT), {k: v or 0 for k, v in totals.items()})]
    fields = {
        "borough": ("crime__area__code", "crime__area__name"),
        "team": ("crime__team__code", "crime__team__name"),
    }[group_by]
    grouped = statements.values(*fields).annotate(**counts).order_by(*fields)
    return [_keyed(row, fields, group_by) for row in grouped]


def _right_label(right: int) -> str:
    return f"Right {right}: {RIGHT_TITLES.get(right, '')}".rstrip(": ")


def _keyed(
    row: dict[str, Any], fields: tuple[str, ...], group_by: str
) -> tuple[str, str, dict[str, int]]:
    counts = {k: int(v or 0) for k, v in row.items() if k not in fields}
    if group_by == "right":
        return str(row["right"]), _right_label(int(row["right"])), counts
    code, name = (row[f] for f in fields)
    return str(code), str(name), counts


# --- Output -----------------------------------------------------------------------


def compliance_csv(figures: ComplianceFigures) -> str:
    """The figures as CSV: one line per group, then the total. Counts only."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in [*figures.rows, figures.total]:
        values = row.as_dict()
        writer.writerow([figures.group_by, *(_csv_value(values[c]) for c in CSV_COLUMNS[1:])])
    return out.getvalue()


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value  # an organisation's name is never run as a spreadsheet formula
    return value


def compliance_json(figures: ComplianceFigures) -> dict[str, Any]:
    """The figures as JSON-able data, with the period and the definitions' names."""
    return {
        "start": figures.start.isoformat(),
        "end": figures.end.isoformat(),
        "group_by": figures.group_by,
        "scope": figures.scope,
        "made_at": figures.made_at.astimezone(LONDON).isoformat(),
        "rows": [row.as_dict() for row in figures.rows],
        "total": figures.total.as_dict(),
    }
