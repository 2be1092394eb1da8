"""Victims' Code compliance and Victim Personal Statement figures from the
monthly rollups (`ComplianceMonthly`, `StatementMonthly`, `ReferralMonthly`), with the
definitions of `duties.compliance`:

- on-time rate = on time / (on time + late + overdue), with its Wilson 95%
  interval; open and not-applicable duties are outside it;
- VPS offered rate = (made + declined) / (made + declined + not offered), made
  rate = made / the same; statements with no recorded outcome are outside both;
- referrals (Right 4): the share sent within 2 working days and the share
  complete first time, of the referrals sent (`referrals.measures`).

Three GROUP BY queries (duties, statements, referrals) plus names and targets.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Sum

from victimcare.accounts.models import Organisation, User
from victimcare.duties.compliance import RIGHT_TITLES

from .constants import Measure, Rag
from .figures import Filters, TargetLookup, area_info, scoped
from .models import ComplianceMonthly, ReferralMonthly, StatementMonthly
from .stats import Proportion, rag

GROUPINGS: dict[str, str] = {"right": "Right", "borough": "Borough", "team": "Team or unit"}
DUTY_COUNTS = ("due", "on_time", "late", "overdue", "still_open", "not_applicable")
VPS_COUNTS = ("made", "declined", "not_offered", "not_recorded")
REFERRAL_COUNTS = ("sent", "within_deadline", "complete_first_time")


@dataclass(frozen=True)
class DutyRow:
    key: str
    label: str
    due: int = 0
    on_time: int = 0
    late: int = 0
    overdue: int = 0
    still_open: int = 0
    not_applicable: int = 0
    target: float | None = None

    @property
    def on_time_rate(self) -> Proportion:
        return Proportion(self.on_time, self.on_time + self.late + self.overdue)

    @property
    def rag(self) -> Rag | None:
        return rag(self.on_time_rate, self.target)


@dataclass(frozen=True)
class VpsRow:
    key: str
    label: str
    made: int = 0
    declined: int = 0
    not_offered: int = 0
    not_recorded: int = 0
    target: float | None = None

    @property
    def recorded(self) -> int:
        return self.made + self.declined + self.not_offered

    @property
    def offered_rate(self) -> Proportion:
        return Proportion(self.made + self.declined, self.recorded)

    @property
    def made_rate(self) -> Proportion:
        return Proportion(self.made, self.recorded)

    @property
    def rag(self) -> Rag | None:
        return rag(self.offered_rate, self.target)


@dataclass(frozen=True)
class ReferralRow:
    """Referrals to support services (Right 4) sent in the period: the share
    sent within 2 working days (judged against the target) and the share that
    passed the data-quality gate at the first attempt."""

    key: str
    label: str
    sent: int = 0
    within_deadline: int = 0
    complete_first_time: int = 0
    target: float | None = None

    @property
    def timely(self) -> Proportion:
        return Proportion(self.within_deadline, self.sent)

    @property
    def complete(self) -> Proportion:
        return Proportion(self.complete_first_time, self.sent)

    @property
    def rag(self) -> Rag | None:
        return rag(self.timely, self.target)


@dataclass(frozen=True)
class Compliance:
    filters: Filters
    group: str
    rows: list[DutyRow]
    total: DutyRow
    vps: list[VpsRow]
    vps_total: VpsRow
    referrals: list[ReferralRow]
    referrals_total: ReferralRow


def _sum_rows(qs, key: str, counts: tuple[str, ...]) -> dict:  # type: ignore[no-untyped-def]
    rows = qs.values(key).annotate(**{f"s_{c}": Sum(c) for c in counts}).order_by()
    return {row[key]: tuple(int(row[f"s_{c}"] or 0) for c in counts) for row in rows}


def compliance_figures(*, user: User, filters: Filters, group: str) -> Compliance:
    """Duties due in the period's months grouped by `group` (right, borough
    or team), and VPS outcomes by borough, within the user's boroughs. The
    source filter does not apply (these are not ratings)."""
    filters = scoped(user, filters)
    period = {"month__gte": filters.start, "month__lte": filters.end}
    duties = ComplianceMonthly.objects.filter(**period)
    statements = StatementMonthly.objects.filter(**period)
    referrals = ReferralMonthly.objects.filter(**period)
    if filters.area_ids is not None:
        duties = duties.filter(area_id__in=filters.area_ids)
        statements = statements.filter(area_id__in=filters.area_ids)
        referrals = referrals.filter(area_id__in=filters.area_ids)
    key = {"right": "right", "borough": "area_id", "team": "organisation_id"}[group]
    duty_sums = _sum_rows(duties, key, DUTY_COUNTS)
    vps_sums = _sum_rows(statements, "area_id", VPS_COUNTS)
    referral_sums = _sum_rows(referrals, "area_id", REFERRAL_COUNTS)
    info = area_info(list(duty_sums) * (group == "borough") + list(vps_sums) + list(referral_sums))
    compliance_targets = TargetLookup(Measure.COMPLIANCE, filters.end)
    vps_targets = TargetLookup(Measure.VPS_OFFERED, filters.end)
    if group == "right":
        labels = {r: f"Right {r}: {RIGHT_TITLES.get(r, '')}" for r in duty_sums}
    elif group == "borough":
        labels = {a: info.names[a] for a in duty_sums}
    else:
        orgs = Organisation.objects.filter(pk__in=list(duty_sums)).values_list("pk", "name")
        labels = dict(orgs)
    area_wide = compliance_targets.for_filter(filters)
    rows = [
        DutyRow(
            str(k),
            labels.get(k, str(k)),
            *counts,
            target=compliance_targets.share(k) if group == "borough" else area_wide,
        )
        for k, counts in duty_sums.items()
    ]
    if group == "right":
        rows.sort(key=lambda r: int(r.key))
    else:
        rows.sort(key=lambda r: (r.key == "None", r.label))
    sums = [sum(getattr(r, c) for r in rows) for c in DUTY_COUNTS]
    total_row = DutyRow("all", f"All ({filters.area_label})", *sums, target=area_wide)
    vps = [
        VpsRow(str(a), info.names[a], *counts, target=vps_targets.share(a))
        for a, counts in vps_sums.items()
    ]
    vps.sort(key=lambda r: (r.key == "None", r.label))
    vps_sums_all = [sum(getattr(r, c) for r in vps) for c in VPS_COUNTS]
    vps_total = VpsRow(
        "all", f"All ({filters.area_label})", *vps_sums_all, target=vps_targets.for_filter(filters)
    )
    referral_targets = TargetLookup(Measure.REFERRAL_TIMELY, filters.end)
    referral_rows = [
        ReferralRow(str(a), info.names[a], *counts, target=referral_targets.share(a))
        for a, counts in referral_sums.items()
    ]
    referral_rows.sort(key=lambda r: (r.key == "None", r.label))
    referral_all = [sum(getattr(r, c) for r in referral_rows) for c in REFERRAL_COUNTS]
    referrals_total = ReferralRow(
        "all",
        f"All ({filters.area_label})",
        *referral_all,
        target=referral_targets.for_filter(filters),
    )
    return Compliance(
        filters, group, rows, total_row, vps, vps_total, referral_rows, referrals_total
    )
