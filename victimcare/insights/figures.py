"""Satisfaction figures for the insights dashboards, read from the monthly
rollups only (`SatisfactionMonthly`), never from raw feedback or survey rows.

Each page is a few GROUP BY queries over the rollup index (dimension, month):
the sums of r1..r5 per the keys a table needs; anything finer (quarters, BCUs,
"the rest of the area") is added up in Python from those few rows.

Selectors: every public function takes the acting user and narrows the
borough filter to what that user may see (`scope.visible_area_ids`), whatever
the filter says, so a BCU's people never see another borough's figures nor
the "borough not known" ones. Compliance figures are in `figures_compliance`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import QuerySet, Sum

from victimcare.accounts.models import Area, User

from .constants import ALL_VALUE, ETHNICITY_BAME, Dimension, Measure, Rag, Source
from .models import SatisfactionMonthly
from .rollups import month_add
from .scope import visible_area_ids
from .stats import GapTest, Proportion, rag, two_proportion_test
from .targets import financial_year_of, target_value_at, targets_for_year

MAX_MONTHS = 60
RATING_FIELDS = ("r1", "r2", "r3", "r4", "r5")


# --- Filters --------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """A dashboard's choices: months `start`..`end` (first days, both
    included), boroughs (None: the whole force, including "borough not
    known"), source (None: every source) and a label for the area."""

    start: dt.date
    end: dt.date
    area_ids: frozenset[int] | None = None
    source: str | None = None
    area_label: str = "All London"

    @property
    def months(self) -> list[dt.date]:
        out, month = [], self.start
        while month <= self.end:
            out.append(month)
            month = month_add(month, 1)
        return out


def scoped(user: User, filters: Filters) -> Filters:
    """`filters` narrowed to the boroughs `user` may see."""
    visible = visible_area_ids(user)
    if visible is None:
        return filters
    area_ids = visible if filters.area_ids is None else filters.area_ids & visible
    return Filters(
        filters.start, filters.end, frozenset(area_ids), filters.source, filters.area_label
    )


# --- Ratings --------------------------------------------------------------------------


@dataclass(frozen=True)
class Ratings:
    """How many rated 1, 2, 3, 4 and 5."""

    counts: tuple[int, int, int, int, int] = (0, 0, 0, 0, 0)

    def __add__(self, other: Ratings) -> Ratings:
        a, b = self.counts, other.counts
        return Ratings((a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3], a[4] + b[4]))

    def __sub__(self, other: Ratings) -> Ratings:
        a, b = self.counts, other.counts
        return Ratings((a[0] - b[0], a[1] - b[1], a[2] - b[2], a[3] - b[3], a[4] - b[4]))

    @property
    def n(self) -> int:
        return sum(self.counts)

    @property
    def satisfied(self) -> int:
        return self.counts[3] + self.counts[4]

    @property
    def proportion(self) -> Proportion:
        return Proportion(self.satisfied, self.n)

    @property
    def mean(self) -> float | None:
        if not self.n:
            return None
        return sum((i + 1) * c for i, c in enumerate(self.counts)) / self.n

    @property
    def shares(self) -> tuple[float | None, ...]:
        return tuple(c / self.n if self.n else None for c in self.counts)


def total(ratings: Iterable[Ratings]) -> Ratings:
    out = Ratings()
    for r in ratings:
        out = out + r
    return out


@dataclass(frozen=True)
class Figure:
    """Satisfaction of one group: ratings by source (every figure says which
    sources it uses and how many from each), target and gaps when judged."""

    key: str
    label: str
    by_source: dict[str, Ratings] = field(default_factory=dict)
    target: float | None = None
    gap_test: GapTest | None = None  # against the rest of the area

    @property
    def ratings(self) -> Ratings:
        return total(self.by_source.values())

    @property
    def proportion(self) -> Proportion:
        return self.ratings.proportion

    @property
    def n_feedback(self) -> int:
        return self.by_source.get(Source.FEEDBACK, Ratings()).n

    @property
    def n_survey(self) -> int:
        return self.by_source.get(Source.SURVEY, Ratings()).n

    @property
    def rag(self) -> Rag | None:
        return rag(self.proportion, self.target)

    @property
    def gap_to_target(self) -> float | None:
        """Share minus target, in percentage points; None without both."""
        if self.target is None or not self.proportion.enough:
            return None
        return 100 * ((self.proportion.share or 0.0) - self.target)


def _sums(qs: QuerySet[SatisfactionMonthly], *keys: str) -> list[tuple[tuple, Ratings]]:
    rows = qs.values(*keys).annotate(**{f"s{f}": Sum(f) for f in RATING_FIELDS}).order_by()
    return [
        (
            tuple(row[k] for k in keys),
            Ratings(tuple(int(row[f"s{f}"] or 0) for f in RATING_FIELDS)),  # type: ignore[arg-type]
        )
        for row in rows
    ]


def _base(filters: Filters, dimensions: Iterable[str]) -> QuerySet[SatisfactionMonthly]:
    dims = list(dimensions)
    qs = SatisfactionMonthly.objects.filter(month__gte=filters.start, month__lte=filters.end)
    qs = qs.filter(dimension=dims[0]) if len(dims) == 1 else qs.filter(dimension__in=dims)
    if filters.source:
        qs = qs.filter(source=filters.source)
    if filters.area_ids is not None:
        qs = qs.filter(area_id__in=filters.area_ids)
    return qs


# --- Areas and targets ----------------------------------------------------------------


@dataclass(frozen=True)
class AreaInfo:
    names: dict[int | None, str]
    bcu_of: dict[int | None, tuple[str, str]]  # area id -> (BCU code, BCU name)


NOT_KNOWN_BOROUGH = "Borough not known"
NO_BCU = ("none", "No BCU")


def area_info(area_ids: Iterable[int | None]) -> AreaInfo:
    ids = {a for a in area_ids if a is not None}
    names: dict[int | None, str] = {None: NOT_KNOWN_BOROUGH}
    bcu_of: dict[int | None, tuple[str, str]] = {None: NO_BCU}
    for area in Area.objects.filter(pk__in=ids).select_related("bcu"):
        names[area.pk] = area.name
        bcu_of[area.pk] = (area.bcu.code, area.bcu.name) if area.bcu else NO_BCU
    return AreaInfo(names, bcu_of)


class TargetLookup:
    """The targets of one measure for a period ending in `end` (one query):
    a borough's own target, else the force-wide one (as
    `targets.applicable_target`), as a share 0–1."""

    def __init__(self, measure: str, end: dt.date) -> None:
        self.end = end
        self.targets = targets_for_year(measure=measure, year=financial_year_of(end))

    def share(self, area_id: int | None) -> float | None:
        target = self.targets.get(area_id) if area_id is not None else None
        target = target or self.targets.get(None)
        return target_value_at(target, self.end) if target is not None else None

    def for_filter(self, filters: Filters) -> float | None:
        """The target of a figure over the filter's area: that borough's when
        the filter is one borough, else the force-wide target."""
        ids = filters.area_ids
        return self.share(next(iter(ids)) if ids is not None and len(ids) == 1 else None)


# --- Overview (home) ------------------------------------------------------------------


@dataclass(frozen=True)
class Overview:
    filters: Filters
    headline: Figure
    months: list[Figure]
    quarters: list[Figure]
    boroughs: list[Figure]
    bcus: list[Figure]


def quarter_of(month: dt.date) -> str:
    return f"{month.year}-Q{(month.month - 1) // 3 + 1}"


def quarter_label(key: str, months_in: int) -> str:
    year, q = key.split("-Q")
    names = {"1": "January to March", "2": "April to June", "3": "July to September"}
    text = f"{names.get(q, 'October to December')} {year}"
    return text if months_in == 3 else f"{text} ({months_in} of 3 months in the period)"


def _group(
    rows: Iterable[tuple[str, str, Ratings]],
) -> dict[str, dict[str, Ratings]]:
    out: dict[str, dict[str, Ratings]] = defaultdict(dict)
    for key, source, ratings in rows:
        out[key][source] = out[key].get(source, Ratings()) + ratings
    return out


def satisfaction_overview(*, user: User, filters: Filters) -> Overview:
    """Headline, trend by month and quarter, and figures by borough and BCU
    for the period: one query over the rollups plus areas and targets."""
    filters = scoped(user, filters)
    rows = _sums(_base(filters, [Dimension.ALL]), "month", "source", "area_id")
    info = area_info(key[2] for key, _ in rows)
    targets = TargetLookup(Measure.SATISFACTION, filters.end)
    headline = Figure(
        "all",
        filters.area_label,
        _group(("all", s, r) for (_, s, _), r in rows).get("all", {}),
        target=targets.for_filter(filters),
    )
    by_month = _group((m.isoformat(), s, r) for (m, s, _), r in rows)
    months = [
        Figure(m.isoformat(), f"{m:%B %Y}", by_month.get(m.isoformat(), {})) for m in filters.months
    ]
    quarters: list[Figure] = []
    counts: dict[str, int] = defaultdict(int)
    for m in filters.months:
        counts[quarter_of(m)] += 1
    by_quarter = _group((quarter_of(m), s, r) for (m, s, _), r in rows)
    for key, n in counts.items():
        quarters.append(Figure(key, quarter_label(key, n), by_quarter.get(key, {})))
    by_area = _group((str(a), s, r) for (_, s, a), r in rows)
    boroughs = [
        Figure(key, info.names[_id(key)], sources, target=targets.share(_id(key)))
        for key, sources in by_area.items()
    ]
    boroughs.sort(key=lambda f: (f.key == "None", f.label))
    by_bcu = _group((info.bcu_of[a][0], s, r) for (_, s, a), r in rows)
    bcu_names = dict(info.bcu_of.values())
    bcus = [Figure(k, bcu_names[k], v) for k, v in by_bcu.items()]
    bcus.sort(key=lambda f: (f.key == NO_BCU[0], f.label))
    return Overview(filters, headline, months, quarters, boroughs, bcus)


def _id(key: str) -> int | None:
    return None if key == "None" else int(key)


def by_gap(figures: list[Figure]) -> list[Figure]:
    """Worst first: the most below target first; figures without a verdict
    (no target, not enough data) last, A–Z."""
    judged = [f for f in figures if f.gap_to_target is not None]
    others = [f for f in figures if f.gap_to_target is None]
    judged.sort(key=lambda f: (f.gap_to_target, f.label))
    return judged + sorted(others, key=lambda f: f.label)


def with_gaps(figures: list[Figure], whole: Ratings) -> list[Figure]:
    """Each figure with the two-proportion test against the rest of `whole`."""
    out = []
    for f in figures:
        rest = whole - f.ratings
        test = two_proportion_test(f.proportion, rest.proportion)
        out.append(Figure(f.key, f.label, f.by_source, f.target, test))
    return out


def bame_vs_white(groups: list[Figure]) -> tuple[Figure, Figure, GapTest | None]:
    """The 2013 report's comparison: BAME (every known group but White)
    against White."""
    bame: dict[str, Ratings] = {}
    white: dict[str, Ratings] = {}
    for g in groups:
        into = bame if g.key in ETHNICITY_BAME else white if g.key == "white" else None
        if into is None:
            continue
        for source, r in g.by_source.items():
            into[source] = into.get(source, Ratings()) + r
    a = Figure("bame", "Black, Asian and minority ethnic (BAME)", bame)
    b = Figure("white", "White", white)
    return a, b, two_proportion_test(a.proportion, b.proportion)


ALL_KEY = ALL_VALUE
