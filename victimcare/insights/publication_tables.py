"""The tables of a quarterly publication, protected (disclosure.py) and as CSV.

Every table is groups (rows) × categories (columns) of counts, published with
its row totals, column totals and grand total, and one percentage column.
Counts only: no free text, no officer, team or person, ever. Each release
covers its own quarter only (no cumulative or multi-quarter table).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass

from victimcare.accounts.models import Area
from victimcare.duties.compliance import RIGHT_TITLES

from .constants import DIMENSION_VALUES, NOT_KNOWN, NOT_KNOWN_LABEL, Dimension
from .disclosure import Protected, suppress
from .publication_data import COMPLIANCE_COUNTS, DIMENSIONS, Snapshot

BANDS = (
    ("satisfied", "Satisfied (rated 4 or 5)"),
    ("neither", "Neither (rated 3)"),
    ("dissatisfied", "Dissatisfied (rated 1 or 2)"),
)
COMPLIANCE_COLUMNS = (
    ("done_on_time", "Done on time"),
    ("done_late", "Done late"),
    ("overdue", "Overdue"),
    ("still_open", "Still open"),
    ("not_applicable", "Not applicable"),
)
assert tuple(key for key, _ in COMPLIANCE_COLUMNS) == COMPLIANCE_COUNTS
TOTAL_KEY = "total"
TOTAL_LABEL = "All"
BOROUGH_HEADING = "Borough"
SATISFACTION_NOTE = (
    "Sources: ratings from the feedback service (rate your contact) received in the "
    "quarter and imported survey responses interviewed in it."
)
# Position of each value in a snapshot row: (rating, borough, *DIMENSIONS).
_POSITION = {str(d): n for n, d in enumerate(DIMENSIONS, start=2)}


@dataclass(frozen=True)
class PublishedTable:
    """One protected table. Row and column keys are stable codes (the CSV's
    first column and header); labels are plain English (the report)."""

    name: str
    title: str
    row_heading: str
    rows: list[tuple[str, str]]
    columns: list[tuple[str, str]]
    total_column: tuple[str, str]
    share_column: tuple[str, str] | None
    share_base: tuple[int, ...]  # interior columns whose sum is the base; () = the total
    protected: Protected
    note: str

    def share(self, i: int) -> str:
        if self.share_column is None:
            return ""
        last = len(self.columns)
        base = [(i, j) for j in self.share_base] if self.share_base else [(i, last)]
        return self.protected.share((i, 0), base)

    def lines(self) -> list[tuple[str, str, list[str], str]]:
        """(code, label, published cells incl. the total, share or "") per
        row, the total row last."""
        out = []
        labels = [*self.rows, (TOTAL_KEY, TOTAL_LABEL)]
        for i, (code, label) in enumerate(labels):
            cells = [self.protected.shown(i, j) for j in range(len(self.columns) + 1)]
            out.append((code, label, cells, self.share(i)))
        return out

    def csv(self) -> bytes:
        """The table as UTF-8 CSV (LF line ends, no timestamp): byte-identical
        for the same counts."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(
            [
                "code",
                _slug(self.row_heading),
                *(key for key, _ in self.columns),
                self.total_column[0],
                *([self.share_column[0]] if self.share_column else []),
            ]
        )
        for code, label, cells, share in self.lines():
            shares = [share] if self.share_column else []
            writer.writerow([_safe(code), _safe(label), *cells, *shares])
        return buffer.getvalue().encode("utf-8")


def _slug(text: str) -> str:
    return "_".join(text.lower().split())


def _safe(text: str) -> str:
    """A label is never run as a spreadsheet formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _band(rating: int) -> int:
    return 0 if rating >= 4 else (1 if rating == 3 else 2)


def _ordered(known: list[tuple[str, str]], seen: set[str]) -> list[tuple[str, str]]:
    """The known values in their own order, then any other value seen
    (sorted), then "not known"."""
    keys = {key for key, _ in known}
    extra = sorted(seen - keys - {NOT_KNOWN})
    return [*known, *((key, key) for key in extra), (NOT_KNOWN, NOT_KNOWN_LABEL)]


def _borough_rows(seen: set[str]) -> list[tuple[str, str]]:
    areas = [(a.code, a.name) for a in Area.objects.order_by("name", "code")]
    return _ordered(areas, {code or NOT_KNOWN for code in seen})


def _dimension_rows(dimension: str, seen: set[str]) -> list[tuple[str, str]]:
    known = [(key, label) for key, label in DIMENSION_VALUES[dimension].items() if key != NOT_KNOWN]
    return _ordered(known, seen)


def _grid(
    counts: Counter[tuple[str, int]], rows: list[tuple[str, str]], width: int
) -> list[list[int]]:
    return [[counts[(key, j)] for j in range(width)] for key, _ in rows]


def _satisfaction_table(
    *, name: str, title: str, heading: str, rows: list[tuple[str, str]], counts: Counter, note: str
) -> PublishedTable:
    return PublishedTable(
        name=name,
        title=title,
        row_heading=heading,
        rows=rows,
        columns=list(BANDS),
        total_column=("responses", "Responses"),
        share_column=("satisfied_percent", "Share satisfied (%)"),
        share_base=(),
        protected=suppress(_grid(counts, rows, len(BANDS))),
        note=note,
    )


def publication_tables(snapshot: Snapshot) -> list[PublishedTable]:
    """Every table of the publication, in the report's order."""
    note = SATISFACTION_NOTE
    tables: list[PublishedTable] = []

    by_borough: Counter[tuple[str, int]] = Counter()
    for row, n in snapshot.ratings.items():
        by_borough[(row[1] or NOT_KNOWN, _band(row[0]))] += n
    tables.append(
        _satisfaction_table(
            name="satisfaction_by_borough",
            title="Satisfaction by borough",
            heading=BOROUGH_HEADING,
            rows=_borough_rows({key for key, _ in by_borough}),
            counts=by_borough,
            note=note,
        )
    )

    for dimension in DIMENSIONS:
        position = _POSITION[str(dimension)]
        counts: Counter[tuple[str, int]] = Counter()
        for row, n in snapshot.ratings.items():
            counts[(row[position], _band(row[0]))] += n
        label = Dimension(dimension).label
        tables.append(
            _satisfaction_table(
                name=f"satisfaction_by_{dimension}",
                title=f"Satisfaction by {label[0].lower() + label[1:]}",
                heading=label,
                rows=_dimension_rows(dimension, {key for key, _ in counts}),
                counts=counts,
                note=note,
            )
        )

    tables.append(_borough_by_ethnicity(snapshot, note))
    tables.append(_compliance_table(snapshot))
    return tables


def _borough_by_ethnicity(snapshot: Snapshot, note: str) -> PublishedTable:
    position = _POSITION[str(Dimension.ETHNICITY)]
    columns = _dimension_rows(Dimension.ETHNICITY, {row[position] for row in snapshot.ratings})
    index = {key: j for j, (key, _) in enumerate(columns)}
    counts: Counter[tuple[str, int]] = Counter()
    for row, n in snapshot.ratings.items():
        counts[(row[1] or NOT_KNOWN, index[row[position]])] += n
    rows = _borough_rows({key for key, _ in counts})
    return PublishedTable(
        name="responses_by_borough_and_ethnicity",
        title="Responses by borough and ethnicity",
        row_heading=BOROUGH_HEADING,
        rows=rows,
        columns=columns,
        total_column=("responses", "Responses"),
        share_column=None,
        share_base=(),
        protected=suppress(_grid(counts, rows, len(columns))),
        note=note,
    )


def _compliance_table(snapshot: Snapshot) -> PublishedTable:
    rows = [(str(r), f"Right {r}: {RIGHT_TITLES[r]}") for r in sorted(RIGHT_TITLES)]
    counts: Counter[tuple[str, int]] = Counter()
    for right, values in snapshot.compliance.items():
        for j, key in enumerate(COMPLIANCE_COUNTS):
            counts[(str(right), j)] += values.get(key, 0)
    return PublishedTable(
        name="code_compliance_by_right",
        title="Victims' Code duties due in the quarter, by right",
        row_heading="Right",
        rows=rows,
        columns=list(COMPLIANCE_COLUMNS),
        total_column=("due", "Due"),
        share_column=("on_time_percent", "Done on time (% of decided)"),
        # Decided duties: done on time, done late or overdue.
        share_base=(0, 1, 2),
        protected=suppress(_grid(counts, rows, len(COMPLIANCE_COLUMNS))),
        note=(
            "Duties whose deadline fell in the quarter, as they stood when the quarter "
            "was first published. Victim Personal Statement outcomes are not included."
        ),
    )
