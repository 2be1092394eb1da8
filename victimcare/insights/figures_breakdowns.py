"""Satisfaction broken down by one dimension (or by borough or BCU), and the
"furthest below target" answer: boroughs and borough × group cells against
their satisfaction targets. Rollups only; one or two GROUP BY queries each.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from victimcare.accounts.models import User

from .constants import (
    DIMENSION_VALUES,
    ETHNICITY_BAME,
    NOT_KNOWN,
    NOT_KNOWN_LABEL,
    Dimension,
    Measure,
)
from .figures import (
    Figure,
    Filters,
    Ratings,
    TargetLookup,
    _base,
    _group,
    _sums,
    area_info,
    bame_vs_white,
    by_gap,
    scoped,
    total,
    with_gaps,
)
from .stats import GapTest, two_proportion_test

BOROUGH = "borough"
BCU = "bcu"
# What a breakdown may be by, in the order the page offers them.
BREAKDOWNS: dict[str, str] = {
    Dimension.OFFENCE_GROUP: "Offence group",
    Dimension.CONTACT_TYPE: "Contact type",
    Dimension.AGE_BAND: "Age band",
    Dimension.ETHNICITY: "Ethnicity",
    Dimension.DISABILITY: "Disability",
    Dimension.NEEDS_RECOGNISED: "Vulnerability or needs recognised",
    BOROUGH: "Borough",
    BCU: "BCU",
}


@dataclass(frozen=True)
class Breakdown:
    filters: Filters
    by: str
    by_label: str
    whole: Figure
    groups: list[Figure]
    # Ethnicity only: BAME against White, as in the 2013 report.
    bame: Figure | None = None
    white: Figure | None = None
    bame_test: GapTest | None = None


def _value_label(dimension: str, value: str) -> str:
    if value == NOT_KNOWN:
        return NOT_KNOWN_LABEL
    return DIMENSION_VALUES.get(dimension, {}).get(value, value)


def _value_order(dimension: str, value: str) -> tuple[int, str]:
    values = list(DIMENSION_VALUES.get(dimension, {}))
    return (values.index(value) if value in values else len(values), value)


def satisfaction_breakdown(*, user: User, filters: Filters, by: str) -> Breakdown:
    """Per group of `by` (a key of `BREAKDOWNS`): share, interval, mean,
    distribution and n by source, each with the gap to the rest of the area
    and its two-proportion test."""
    filters = scoped(user, filters)
    if by in (BOROUGH, BCU):
        rows = _sums(_base(filters, [Dimension.ALL]), "area_id", "source")
        info = area_info(a for (a, _), _ in rows)
        if by == BOROUGH:
            targets = TargetLookup(Measure.SATISFACTION, filters.end)
            grouped = _group((str(a), s, r) for (a, s), r in rows)
            groups = [
                Figure(k, info.names[_area(k)], v, target=targets.share(_area(k)))
                for k, v in grouped.items()
            ]
            groups.sort(key=lambda f: (f.key == "None", f.label))
        else:
            grouped = _group((info.bcu_of[a][0], s, r) for (a, s), r in rows)
            names = dict(info.bcu_of.values())
            groups = sorted(
                (Figure(k, names[k], v) for k, v in grouped.items()),
                key=lambda f: (f.key == "none", f.label),
            )
    else:
        rows = _sums(_base(filters, [by]), "value", "source")
        grouped = _group((v, s, r) for (v, s), r in rows)
        groups = [Figure(k, _value_label(by, k), v) for k, v in grouped.items()]
        groups.sort(key=lambda f: _value_order(by, f.key))
    by_source: dict[str, Ratings] = defaultdict(Ratings)
    for g in groups:
        for source, r in g.by_source.items():
            by_source[source] = by_source[source] + r
    whole = Figure("all", filters.area_label, dict(by_source))
    groups = with_gaps(groups, whole.ratings)
    breakdown = Breakdown(filters, by, BREAKDOWNS[by], whole, groups)
    if by == Dimension.ETHNICITY:
        bame, white, test = bame_vs_white(groups)
        breakdown = Breakdown(filters, by, BREAKDOWNS[by], whole, groups, bame, white, test)
    return breakdown


def _area(key: str) -> int | None:
    return None if key == "None" else int(key)


# --- Furthest below target --------------------------------------------------------------

# The borough × group cells judged against the borough's target: (dimension,
# cell key, label, the values it adds up).
CELL_GROUPS: list[tuple[str, str, str, frozenset[str]]] = [
    (Dimension.ETHNICITY, "bame", "BAME", ETHNICITY_BAME),
    (Dimension.ETHNICITY, "white", "White", frozenset({"white"})),
    (Dimension.DISABILITY, "yes", "Disabled", frozenset({"yes"})),
    (Dimension.DISABILITY, "no", "Not disabled", frozenset({"no"})),
    (Dimension.NEEDS_RECOGNISED, "yes", "Needs recognised", frozenset({"yes"})),
    (Dimension.NEEDS_RECOGNISED, "no", "Needs not recognised", frozenset({"no"})),
] + [
    (Dimension.AGE_BAND, value, f"Aged {label[0].lower()}{label[1:]}", frozenset({value}))
    for value, label in DIMENSION_VALUES[Dimension.AGE_BAND].items()
    if value != "not_said"
]


@dataclass(frozen=True)
class Cell:
    """One group within one borough, against the borough's target and
    against the rest of the borough."""

    area_id: int
    borough: str
    dimension: str
    figure: Figure
    rest_test: GapTest | None = None

    @property
    def dimension_label(self) -> str:
        return BREAKDOWNS[self.dimension]


@dataclass(frozen=True)
class BelowTarget:
    filters: Filters
    boroughs: list[Figure]
    cells: list[Cell]  # below target with enough data, worst first
    not_enough: list[Cell] = field(default_factory=list)
    any_target: bool = False


def below_target(*, user: User, filters: Filters) -> BelowTarget:
    """Every borough in scope against its satisfaction target, worst first,
    and the borough × group cells below target, worst first. Two queries over
    the rollups and one for the targets; boroughs not known are left out (no
    borough, no borough target)."""
    filters = scoped(user, filters)
    targets = TargetLookup(Measure.SATISFACTION, filters.end)
    qs = _base(filters, [Dimension.ALL]).filter(area__isnull=False)
    rows = _sums(qs, "area_id", "source")
    dims = sorted({d for d, *_ in CELL_GROUPS})
    cell_rows = _sums(
        _base(filters, dims).filter(area__isnull=False), "area_id", "dimension", "value", "source"
    )
    info = area_info([a for (a, _), _ in rows] + [a for (a, *_), _ in cell_rows])
    grouped = _group((str(a), s, r) for (a, s), r in rows)
    boroughs = by_gap(
        [Figure(k, info.names[int(k)], v, target=targets.share(int(k))) for k, v in grouped.items()]
    )
    # Per borough and dimension: each value's ratings by source.
    values: dict[tuple[int, str], dict[str, dict[str, Ratings]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    for (area_id, dimension, value, source), r in cell_rows:
        values[(area_id, dimension)][value][source] = r
    cells: list[Cell] = []
    not_enough: list[Cell] = []
    for (area_id, dimension), by_value in sorted(
        values.items(), key=lambda kv: (info.names[kv[0][0]], kv[0][1])
    ):
        whole = total(total(v.values()) for v in by_value.values())
        target = targets.share(area_id)
        for dim, key, label, members in CELL_GROUPS:
            if dim != dimension:
                continue
            sources: dict[str, Ratings] = defaultdict(Ratings)
            for value in members & by_value.keys():
                for source, r in by_value[value].items():
                    sources[source] = sources[source] + r
            if not sources:
                continue
            figure = Figure(key, label, dict(sources), target=target)
            rest = whole - figure.ratings
            cell = Cell(
                area_id,
                info.names[area_id],
                dimension,
                figure,
                two_proportion_test(figure.proportion, rest.proportion),
            )
            if not figure.proportion.enough:
                not_enough.append(cell)
            elif figure.gap_to_target is not None and figure.gap_to_target < 0:
                cells.append(cell)
    cells.sort(key=lambda c: (c.figure.gap_to_target, c.borough, c.figure.label))
    return BelowTarget(filters, boroughs, cells, not_enough, any_target=bool(targets.targets))
