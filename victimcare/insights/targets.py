"""Targets (issue 9, item 3): services and selectors.

An oversight user (`permissions.SET_TARGETS`) sets, for one measure
(`constants.Measure`) and one borough (or the whole force, `area` empty), an
annual target for a financial year (April to March; `year` 2027 is 2027/28)
and, optionally, an interim milestone for the end of each quarter of that
year: Q1 April–June, Q2 July–September, Q3 October–December, Q4 January–March.
All are percentages (0–100, up to 2 decimal places). There is at most one
target per (measure, area, year); setting it again changes it. Every change is
audited with the old and new values (no personal data is involved).

How a target applies to a figure (`applicable_target`): a dashboard compares
the figure for its period with the value that applies at the period's *last
month*. That month falls in one financial year and one quarter of it. The
borough's own target for that year is used, else the force-wide one; the value
is that quarter's milestone when one is set, else the annual target. So a
figure for April–September 2027 is judged against Q2 of 2027/28, and one for
the whole of 2027/28 against Q4 (or the annual target when Q4 is empty).
For many boroughs at once, `targets_for_year` (one query) with
`target_value_at` gives the same answer as `applicable_target` per borough.
Targets are not personal data: anyone with `insights.view` may read them all.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from victimcare.accounts.models import Area, User
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction

from . import permissions
from .constants import Measure
from .models import Target

# Financial years offered (first calendar year of each): 2024/25 … 2030/31.
YEAR_MIN = 2024
YEAR_MAX = 2030
QUARTERS = (1, 2, 3, 4)
PERCENT_MAX = Decimal(100)
PERCENT_PLACES = 2

# User-visible error texts (tests import them).
ANNUAL_INVALID = "Enter the annual target as a percentage, like 80 or 82.5"
ANNUAL_RANGE = "The annual target must be between 0% and 100%"
ANNUAL_PLACES = "The annual target can have no more than 2 decimal places"
MILESTONE_INVALID = (
    "Enter the quarter {n} milestone as a percentage, like 80 or 82.5, or leave it empty"
)
MILESTONE_RANGE = "The quarter {n} milestone must be between 0% and 100%"
MILESTONE_PLACES = "The quarter {n} milestone can have no more than 2 decimal places"
YEAR_INVALID = f"Choose a financial year from {YEAR_MIN}/{(YEAR_MIN + 1) % 100:02d} to {YEAR_MAX}/{(YEAR_MAX + 1) % 100:02d}"
MEASURE_INVALID = "Choose what the target is for"
AREA_INVALID = "Choose the whole force or a borough"
FORCE_LABEL = "Whole force"

_NUMBER = re.compile(r"-?(\d+(\.\d*)?|\.\d+)")


def financial_year_of(month: datetime.date) -> int:
    """The financial year (its first calendar year) containing `month`:
    2027-05-01 → 2027, 2028-02-01 → 2027, 2028-03-31 → 2027, 2028-04-01 → 2028."""
    return month.year if month.month >= 4 else month.year - 1


def financial_year_label(year: int) -> str:
    """2027 → "2027/28"."""
    return f"{year}/{(year + 1) % 100:02d}"


def financial_quarter_of(month: datetime.date) -> int:
    """1 for April–June, 2 July–September, 3 October–December, 4 January–March."""
    return (month.month - 4) % 12 // 3 + 1


def current_financial_year() -> int:
    """The financial year containing today (London calendar)."""
    return financial_year_of(timezone.localdate())


def year_choices() -> list[tuple[int, str]]:
    return [(y, financial_year_label(y)) for y in range(YEAR_MIN, YEAR_MAX + 1)]


def _percentage(
    value: object, *, invalid: str, out_of_range: str, places: str
) -> tuple[Decimal | None, str | None]:
    """The value as a Decimal with 2 places, or the error to show."""
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        number = Decimal(value)
    else:
        # Plain numbers only, as people type them ("80", "82.5", "82.5%"):
        # no exponents, thousands separators or words.
        text = str(value).strip().removesuffix("%").strip()
        if not _NUMBER.fullmatch(text):
            return None, invalid
        try:
            number = Decimal(text)
        except (InvalidOperation, ValueError):
            return None, invalid
    if not number.is_finite():
        return None, invalid
    if number < 0 or number > PERCENT_MAX:
        return None, out_of_range
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -PERCENT_PLACES:
        return None, places
    return number.quantize(Decimal("0.01")), None


def _as_text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _snapshot(target: Target) -> dict[str, str | None]:
    return {
        "annual": _as_text(target.annual),
        **{f"q{n}": _as_text(getattr(target, f"q{n}")) for n in QUARTERS},
    }


def _lookup(measure: str, area: Area | None, year: int) -> QuerySet[Target]:
    area_q = Q(area__isnull=True) if area is None else Q(area=area)
    return Target.objects.filter(area_q, measure=measure, year=year)


def percentages_check(
    *, annual: object, milestones: Mapping[int, object]
) -> tuple[Decimal | None, dict[int, Decimal | None], dict[str, str]]:
    """The annual target and milestones (quarter → value, None when empty) as
    Decimals with 2 places, and the errors found, keyed "annual", "q1".."q4".
    Accepts Decimals, integers and text as people type it ("82.5", "82.5%")."""
    errors: dict[str, str] = {}
    annual_value: Decimal | None = None
    if annual is None or (isinstance(annual, str) and not annual.strip()):
        errors["annual"] = ANNUAL_INVALID
    else:
        annual_value, error = _percentage(
            annual, invalid=ANNUAL_INVALID, out_of_range=ANNUAL_RANGE, places=ANNUAL_PLACES
        )
        if error:
            errors["annual"] = error
    unknown = set(milestones) - set(QUARTERS)
    if unknown:
        raise ValueError(f"Milestones are for quarters 1 to 4, not {sorted(unknown)}.")
    values: dict[int, Decimal | None] = {}
    for n in QUARTERS:
        raw = milestones.get(n)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            values[n] = None
            continue
        values[n], error = _percentage(
            raw,
            invalid=MILESTONE_INVALID.format(n=n),
            out_of_range=MILESTONE_RANGE.format(n=n),
            places=MILESTONE_PLACES.format(n=n),
        )
        if error:
            errors[f"q{n}"] = error
    return annual_value, values, errors


@transaction.atomic
def target_set(
    *,
    actor: User,
    measure: str,
    area: Area | None,
    year: int,
    annual: Decimal,
    milestones: Mapping[int, Decimal | None],
    request: HttpRequest | None = None,
) -> Target:
    """Create or change the one target for (measure, area, year) and audit it.

    PermissionDenied unless `actor` may set targets. ValidationError (nothing
    saved) with plain-English messages under the keys "measure", "year",
    "annual" and "q1".."q4". `milestones` maps quarter (1–4) to a percentage or
    None (no milestone); quarters left out are cleared."""
    if not actor.has_perm(permissions.SET_TARGETS):
        raise PermissionDenied
    errors: dict[str, str] = {}
    if measure not in Measure.values:
        errors["measure"] = MEASURE_INVALID
    if not isinstance(year, int) or isinstance(year, bool) or not YEAR_MIN <= year <= YEAR_MAX:
        errors["year"] = YEAR_INVALID
    annual_value, values, number_errors = percentages_check(annual=annual, milestones=milestones)
    errors.update(number_errors)
    if errors:
        raise ValidationError(errors)
    assert annual_value is not None  # noqa: S101 (checked above)

    # Lock the existing row so two people setting the same target at once
    # are serialised (each change audited against the value it replaced).
    target = _lookup(measure, area, year).select_for_update().first()
    created = target is None
    if target is None:
        target = Target(measure=measure, area=area, year=year)
        before = None
    else:
        before = _snapshot(target)
    target.annual = annual_value
    for n in QUARTERS:
        setattr(target, f"q{n}", values[n])
    target.set_by = actor
    target.set_at = timezone.now()
    target.save()
    audit_record(
        action=AuditAction.CREATE if created else AuditAction.CHANGE,
        request=request,
        actor=actor,
        object_type="insights.target",
        object_id=target.pk,
        detail={
            "measure": measure,
            "area": area.pk if area is not None else None,
            "year": year,
            "before": before,
            "after": _snapshot(target),
        },
    )
    return target


def targets_for_year(*, measure: str, year: int) -> dict[int | None, Target]:
    """The targets for `measure` in financial year `year`, by area id (None:
    the whole force)."""
    return {t.area_id: t for t in Target.objects.filter(measure=measure, year=year).order_by("pk")}


def target_list(*, year: int) -> list[tuple[str, str, list[Target]]]:
    """Every target of financial year `year`, grouped by measure (in the order
    of `Measure`): (measure, its label, targets with the whole force first and
    then boroughs A–Z). Measures without targets are left out."""
    rows = (
        Target.objects.filter(year=year)
        .select_related("area", "set_by")
        .order_by("measure", "area__name", "pk")
    )
    by_measure: dict[str, list[Target]] = {}
    for target in rows:
        by_measure.setdefault(target.measure, []).append(target)
    groups = []
    for measure, label in Measure.choices:
        targets = by_measure.get(measure)
        if targets:
            targets.sort(key=lambda t: (t.area is not None, t.area.name if t.area else ""))
            groups.append((measure, str(label), targets))
    return groups


def target_value_at(target: Target, end_month: datetime.date) -> float:
    """The share (0–1) of `target` that applies at `end_month`: that
    quarter's milestone when set, else the annual target."""
    milestone = getattr(target, f"q{financial_quarter_of(end_month)}")
    value = milestone if milestone is not None else target.annual
    return float(value) / 100


def applicable_target(
    *, measure: str, area_id: int | None, end_month: datetime.date
) -> tuple[Target | None, float | None]:
    """The target a figure ending in `end_month` is judged against: the
    borough's target for the financial year containing `end_month`, else the
    force-wide one; and the share (0–1) that applies then (the milestone of the
    financial quarter containing `end_month` when set, else the annual target).
    (None, None) when there is none."""
    year = financial_year_of(end_month)
    candidates = Target.objects.filter(measure=measure, year=year)
    if area_id is None:
        target = candidates.filter(area__isnull=True).first()
    else:
        found = {t.area_id: t for t in candidates.filter(Q(area_id=area_id) | Q(area__isnull=True))}
        target = found.get(area_id) or found.get(None)
    if target is None:
        return None, None
    return target, target_value_at(target, end_month)
