"""The dashboards' tables, built once and shown both on the page and as CSV
(so the download always holds exactly what the page shows). Cells are text:
percentages to one decimal place without the % sign (the column heading says
"%"), "–" where there is nothing to show, RAG and significance in words.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .constants import Rag
from .figures import Figure, Overview
from .figures_breakdowns import BelowTarget, Breakdown, Cell
from .figures_compliance import Compliance, DutyRow, ReferralRow, VpsRow
from .stats import GapTest, Proportion

NONE = "–"
NOT_ENOUGH = str(Rag.NOT_ENOUGH.label)
NO_TARGET = "No target"
SIGNIFICANT = "Significant"
NOT_SIGNIFICANT = "Not significant"


@dataclass
class Table:
    """A table's name (for `?table=` and the CSV file name), its caption,
    headings, rows of text cells and which columns are numbers."""

    name: str
    caption: str
    head: list[str]
    rows: list[list[str]] = field(default_factory=list)
    numeric: frozenset[int] = frozenset()


def pct(share: float | None) -> str:
    return NONE if share is None else f"{100 * share:.1f}"


def points(value: float | None) -> str:
    return NONE if value is None else f"{value:+.1f}"


def p_value(test: GapTest | None) -> str:
    if test is None:
        return NONE
    return "<0.0001" if test.p_value < 0.0001 else f"{test.p_value:.4f}"


def significance(test: GapTest | None) -> str:
    if test is None:
        return NOT_ENOUGH
    return SIGNIFICANT if test.significant else NOT_SIGNIFICANT


def rag_text(status: Rag | None) -> str:
    return NO_TARGET if status is None else str(status.label)


def _share_cells(p: Proportion) -> list[str]:
    if not p.enough:
        return [NOT_ENOUGH, NONE, NONE]
    lower, upper = p.interval
    return [pct(p.share), pct(lower), pct(upper)]


SHARE_HEAD = ["Satisfied (rated 4 or 5) %", "95% interval from %", "95% interval to %"]
SOURCE_HEAD = ["Responses", "From feedback service", "From surveys"]
TARGET_HEAD = ["Target %", "Gap to target (points)", "Against target"]


def _sources(f: Figure) -> list[str]:
    return [str(f.ratings.n), str(f.n_feedback), str(f.n_survey)]


def _target(f: Figure) -> list[str]:
    return [pct(f.target), points(f.gap_to_target), rag_text(f.rag)]


def _mean(f: Figure) -> str:
    m = f.ratings.mean
    return NONE if m is None or not f.proportion.enough else f"{m:.2f}"


def _distribution(f: Figure) -> list[str]:
    if not f.proportion.enough:
        return [NONE] * 5
    return [pct(s) for s in f.ratings.shares]


def _numeric(head: list[str], text_columns: int = 1, words: tuple[str, ...] = ()) -> frozenset[int]:
    return frozenset(i for i, h in enumerate(head) if i >= text_columns and h not in words)


def figure_table(
    name: str, caption: str, first: str, figures: list[Figure], *, targets: bool = False
) -> Table:
    head = [first, *SHARE_HEAD, *SOURCE_HEAD, "Mean rating (1 to 5)"]
    if targets:
        head += TARGET_HEAD
    rows = []
    for f in figures:
        row = [f.label, *_share_cells(f.proportion), *_sources(f), _mean(f)]
        if targets:
            row += _target(f)
        rows.append(row)
    return Table(name, caption, head, rows, _numeric(head, words=("Against target",)))


def overview_tables(o: Overview) -> list[Table]:
    h = o.headline
    headline = figure_table("headline", "Headline for the period", "Area", [h], targets=True)
    distribution = Table(
        "distribution",
        "Ratings from 1 (very dissatisfied) to 5 (very satisfied)",
        ["Rating", "Responses", "Share %"],
        [
            [str(i + 1), str(c), pct(s)]
            for i, (c, s) in enumerate(zip(h.ratings.counts, h.ratings.shares, strict=True))
        ],
        frozenset({1, 2}),
    )
    return [
        headline,
        distribution,
        figure_table("months", "Satisfaction by month", "Month", o.months),
        figure_table("quarters", "Satisfaction by quarter", "Quarter", o.quarters),
        figure_table("boroughs", "Satisfaction by borough", "Borough", o.boroughs, targets=True),
        figure_table("bcus", "Satisfaction by BCU", "BCU", o.bcus),
    ]


GAP_HEAD = ["Gap to the rest (points)", "p-value", "Significance"]


def _gap(f: Figure) -> list[str]:
    t = f.gap_test
    return [points(100 * t.difference) if t else NONE, p_value(t), significance(t)]


def breakdown_tables(b: Breakdown) -> list[Table]:
    head = [
        b.by_label,
        *SHARE_HEAD,
        *SOURCE_HEAD,
        "Mean rating (1 to 5)",
        *[f"Rated {i} %" for i in range(1, 6)],
        *GAP_HEAD,
    ]
    rows = [
        [
            f.label,
            *_share_cells(f.proportion),
            *_sources(f),
            _mean(f),
            *_distribution(f),
            *_gap(f),
        ]
        for f in b.groups
    ]
    tables = [
        Table(
            "breakdown",
            f"Satisfaction by {b.by_label.lower()}, each group against the rest",
            head,
            rows,
            _numeric(head, words=("Significance",)),
        )
    ]
    if b.bame is not None and b.white is not None:
        t = b.bame_test
        gap = [points(100 * t.difference) if t else NONE, p_value(t), significance(t)]
        comparison = ["Gap BAME minus White (points)", "p-value", "Significance"]
        head2 = ["Group", *SHARE_HEAD, *SOURCE_HEAD, *comparison]
        rows2 = [
            [b.bame.label, *_share_cells(b.bame.proportion), *_sources(b.bame), *gap],
            [b.white.label, *_share_cells(b.white.proportion), *_sources(b.white), *[NONE] * 3],
        ]
        tables.append(
            Table("bame", "BAME and White", head2, rows2, _numeric(head2, words=("Significance",)))
        )
    return tables


def _cell_row(c: Cell) -> list[str]:
    f = c.figure
    t = c.rest_test
    return [
        c.borough,
        f"{c.dimension_label}: {f.label}",
        *_share_cells(f.proportion),
        str(f.ratings.n),
        *_target(f),
        points(100 * t.difference) if t else NONE,
        p_value(t),
        significance(t),
    ]


def below_target_tables(b: BelowTarget) -> list[Table]:
    head = ["Borough", *SHARE_HEAD, *SOURCE_HEAD, *TARGET_HEAD, "Shortfall significant"]
    rows = []
    for f in b.boroughs:
        significant = NONE
        if f.gap_to_target is not None and f.gap_to_target < 0:
            significant = "Yes" if f.rag == Rag.RED else "No"
        rows.append([f.label, *_share_cells(f.proportion), *_sources(f), *_target(f), significant])
    words = ("Against target", "Shortfall significant", "Significance", "Group")
    cell_head = [
        "Borough",
        "Group",
        *SHARE_HEAD,
        "Responses",
        *TARGET_HEAD,
        "Gap to the rest of the borough (points)",
        "p-value",
        "Significance",
    ]
    return [
        Table(
            "below-boroughs",
            "Boroughs against their satisfaction target, furthest below first",
            head,
            rows,
            _numeric(head, words=words),
        ),
        Table(
            "below-groups",
            "Groups within boroughs below target, furthest below first",
            cell_head,
            [_cell_row(c) for c in b.cells],
            _numeric(cell_head, 2, words=words),
        ),
        Table(
            "not-enough",
            "Groups within boroughs with too few responses to judge (not ranked)",
            cell_head,
            [_cell_row(c) for c in b.not_enough],
            _numeric(cell_head, 2, words=words),
        ),
    ]


def _rate_cells(p: Proportion) -> list[str]:
    if not p.base:
        return [NONE, NONE, NONE]
    lower, upper = p.interval
    return [pct(p.share), pct(lower), pct(upper)]


def _duty_row(r: DutyRow) -> list[str]:
    counts = [r.due, r.on_time, r.late, r.overdue, r.still_open, r.not_applicable]
    return [
        r.label,
        *map(str, counts),
        *_rate_cells(r.on_time_rate),
        pct(r.target),
        rag_text(r.rag),
    ]


def _vps_row(r: VpsRow) -> list[str]:
    counts = [r.made, r.declined, r.not_offered, r.not_recorded]
    return [
        r.label,
        *map(str, counts),
        *_rate_cells(r.offered_rate),
        pct(r.made_rate.share),
        pct(r.target),
        rag_text(r.rag),
    ]


def _referral_row(r: ReferralRow) -> list[str]:
    return [
        r.label,
        str(r.sent),
        str(r.within_deadline),
        *_rate_cells(r.timely),
        pct(r.target),
        rag_text(r.rag),
        str(r.complete_first_time),
        pct(r.complete.share),
    ]


def compliance_tables(c: Compliance, group_label: str) -> list[Table]:
    head = [
        group_label,
        "Due",
        "On time",
        "Late",
        "Overdue",
        "Still open",
        "Not applicable",
        "On-time rate %",
        "95% interval from %",
        "95% interval to %",
        "Target %",
        "Against target",
    ]
    vps_head = [
        "Borough",
        "Made",
        "Declined",
        "Not offered",
        "Not recorded",
        "Offered rate %",
        "95% interval from %",
        "95% interval to %",
        "Made rate %",
        "Target %",
        "Against target",
    ]
    referral_head = [
        "Borough",
        "Referrals sent",
        "Within 2 working days",
        "Within 2 working days %",
        "95% interval from %",
        "95% interval to %",
        "Target %",
        "Against target",
        "Complete first time",
        "Complete first time %",
    ]
    words = ("Against target",)
    return [
        Table(
            "compliance",
            f"Victims' Code duties due in the period by {group_label.lower()}",
            head,
            [_duty_row(r) for r in [*c.rows, c.total]],
            _numeric(head, words=words),
        ),
        Table(
            "vps",
            "Victim Personal Statements by borough",
            vps_head,
            [_vps_row(r) for r in [*c.vps, c.vps_total]],
            _numeric(vps_head, words=words),
        ),
        Table(
            "referrals",
            "Referrals to support services by borough",
            referral_head,
            [_referral_row(r) for r in [*c.referrals, c.referrals_total]],
            _numeric(referral_head, words=words),
        ),
    ]
