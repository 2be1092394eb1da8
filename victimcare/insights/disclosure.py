"""Statistical disclosure control for published tables (pure Python, no Django).

The method (docs/publication-method.md, and the publication's own method
section) in brief, for a two-way table of counts published with its row
totals, column totals and grand total (the *extended table*: the margins are
cells like any other):

1. Primary suppression. A count from 1 to 9 (`THRESHOLD` - 1) is suppressed.
   A zero is suppressed when (a) its row total or its column total is from 1
   to 9 (it would say where the few people of that small group are not), or
   (b) its row total is 10 or more and every count of that row is in a
   single column (it would say that everyone in the group gave the same
   answer). Rows are the groups (a borough, an ethnic group, a right);
   margins count as rows and columns like any other. A zero in an empty row
   or column (total 0) says nothing its total does not and is published.
2. Secondary suppression. In the extended table every row and every column
   adds up, so a lone suppressed cell in a line is its total minus the rest.
   While some line has exactly one suppressed cell, another cell of that
   line is suppressed too: one whose crossing line also has a lone
   suppressed cell if there is one, else the smallest non-zero count (a zero
   only when nothing else is left, and a cell of an empty row or column,
   known to be zero, last of all). Then the exact checker
   (`recoverable_cells`) looks for any suppressed cell that the published
   cells still determine; if there is one, the smallest other count in its
   row is suppressed and the loop starts again. It ends only when no
   suppressed cell can be recovered (suppressing everything is always safe,
   so it ends).
3. Rounding. Every published count (not suppressed) is rounded to the nearest
   `ROUNDING_BASE`; halves would go up (whole counts never fall on a half of
   5). Zero stays zero. Rounded counts need not add up to rounded totals.
4. Percentages are computed from the unrounded counts and shown to one
   decimal place (halves up), but only when the numerator and every count of
   the base are published; else `SUPPRESSED`. A base of zero shows
   `NOT_APPLICABLE`.

The checker treats published values as exact (rounding only makes the
attacker's job harder; and a percentage, made from published counts only,
could reveal their exact values): a suppressed cell is recoverable iff its
unit vector lies in the row space of the table's additivity equations
restricted to the suppressed cells, decided by Gaussian elimination over the
rationals. It also knows counts are never negative: when a line's published
total equals the sum of its published cells, its hidden cells are all zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

METHOD_VERSION = "1"
THRESHOLD = 10
ROUNDING_BASE = 5
SUPPRESSED = "[c]"
NOT_APPLICABLE = "[z]"

Cell = tuple[int, int]
Grid = list[list[int]]


def extend(table: Sequence[Sequence[int]]) -> Grid:
    """`table` (rows × columns of counts, at least 1 × 1) with a total column
    added to every row and a total row added at the bottom."""
    if not table or not table[0]:
        raise ValueError("A table needs at least one row and one column.")
    width = len(table[0])
    if any(len(row) != width for row in table):
        raise ValueError("Every row of a table needs the same number of columns.")
    if any(value < 0 for row in table for value in row):
        raise ValueError("Counts cannot be negative.")
    rows = [[*map(int, row), sum(row)] for row in table]
    totals = [sum(row[j] for row in rows) for j in range(width + 1)]
    return [*rows, totals]


def _lines(n_rows: int, n_cols: int) -> list[list[Cell]]:
    """The cells of every row, then of every column, of an extended table."""
    rows = [[(i, j) for j in range(n_cols)] for i in range(n_rows)]
    cols = [[(i, j) for i in range(n_rows)] for j in range(n_cols)]
    return rows + cols


def primary_cells(extended: Grid) -> set[Cell]:
    """The cells suppressed for their own sake (rule 1 of the module doc)."""
    n_rows, n_cols = len(extended), len(extended[0])
    last_col = n_cols - 1
    small = {(i, j) for i in range(n_rows) for j in range(n_cols) if 0 < extended[i][j] < THRESHOLD}
    zeros: set[Cell] = set()
    for i in range(n_rows):
        row_total = extended[i][last_col]
        nonzero = [j for j in range(last_col) if extended[i][j]]
        for j in range(last_col):
            if extended[i][j]:
                continue
            column_total = extended[n_rows - 1][j]
            if row_total == 0 or column_total == 0:
                # In an empty row or column: it says nothing its total does not.
                continue
            if 0 < row_total < THRESHOLD or 0 < column_total < THRESHOLD:
                zeros.add((i, j))
            elif row_total >= THRESHOLD and len(nonzero) == 1:
                zeros.add((i, j))
    return small | zeros


def _equations(n_rows: int, n_cols: int) -> list[dict[Cell, int]]:
    """Each line of an extended table: its cells add up to its total (+1 for
    the cells, -1 for the total), written as coefficients."""
    equations: list[dict[Cell, int]] = []
    for line in _lines(n_rows, n_cols):
        total = line[-1]
        equations.append({cell: (-1 if cell == total else 1) for cell in line})
    return equations


def recoverable_cells(
    extended: Grid, suppressed: set[Cell], *, nonnegative: bool = True
) -> set[Cell]:
    """The suppressed cells whose exact value follows from the published cells
    of `extended` (every other cell, taken as exact): by linear algebra, and
    (when `nonnegative`) because counts are never negative, so the suppressed
    cells of a line whose published total leaves nothing for them are zero."""
    found = _linear_recoverable(extended, suppressed)
    if nonnegative:
        found |= _zero_sum_recoverable(extended, suppressed)
    return found


def _zero_sum_recoverable(extended: Grid, suppressed: set[Cell]) -> set[Cell]:
    found: set[Cell] = set()
    for line in _lines(len(extended), len(extended[0])):
        total, cells = line[-1], line[:-1]
        hidden = [cell for cell in cells if cell in suppressed]
        if total in suppressed or not hidden:
            continue
        shown = sum(extended[i][j] for i, j in cells if (i, j) not in suppressed)
        if extended[total[0]][total[1]] - shown == 0:
            found.update(hidden)
    return found


def _linear_recoverable(extended: Grid, suppressed: set[Cell]) -> set[Cell]:
    n_rows, n_cols = len(extended), len(extended[0])
    unknowns = sorted(suppressed)
    if not unknowns:
        return set()
    index = {cell: k for k, cell in enumerate(unknowns)}
    matrix: list[list[Fraction]] = []
    for equation in _equations(n_rows, n_cols):
        row = [Fraction(0)] * len(unknowns)
        for cell, coefficient in equation.items():
            if cell in index:
                row[index[cell]] = Fraction(coefficient)
        if any(row):
            matrix.append(row)
    pivots = _row_reduce(matrix, len(unknowns))
    pivot_columns = {column for _, column in pivots}
    free = [k for k in range(len(unknowns)) if k not in pivot_columns]
    found: set[Cell] = set()
    for row_number, column in pivots:
        # A pivot unknown is determined iff its reduced equation involves no
        # free unknown (every null-space vector is zero there).
        if all(matrix[row_number][f] == 0 for f in free):
            found.add(unknowns[column])
    return found


def _row_reduce(matrix: list[list[Fraction]], width: int) -> list[tuple[int, int]]:
    """Reduce `matrix` in place to reduced row echelon form; return the
    (row, column) of each pivot."""
    pivots: list[tuple[int, int]] = []
    row_number = 0
    for column in range(width):
        pivot = next((r for r in range(row_number, len(matrix)) if matrix[r][column] != 0), None)
        if pivot is None:
            continue
        matrix[row_number], matrix[pivot] = matrix[pivot], matrix[row_number]
        lead = matrix[row_number][column]
        matrix[row_number] = [value / lead for value in matrix[row_number]]
        for r in range(len(matrix)):
            if r != row_number and matrix[r][column] != 0:
                factor = matrix[r][column]
                matrix[r] = [
                    a - factor * b for a, b in zip(matrix[r], matrix[row_number], strict=True)
                ]
        pivots.append((row_number, column))
        row_number += 1
        if row_number == len(matrix):
            break
    return pivots


def _pick(
    extended: Grid,
    line: list[Cell],
    suppressed: set[Cell],
    crossing: dict[Cell, list[Cell]] | None = None,
) -> Cell | None:
    """The line's published cell to hide next: one whose crossing line also has
    a lone suppressed cell (fixing both at once) if any, then the smallest
    non-zero count (a zero only when nothing else is left: hiding a zero
    beside a small count would tell that the pair adds up to the small
    count); ties: the first."""
    candidates = [cell for cell in line if cell not in suppressed]
    if not candidates:
        return None

    def lone(cell: Cell) -> bool:
        if crossing is None:
            return False
        return sum(other in suppressed for other in crossing[cell]) == 1

    last_row, last_col = len(extended) - 1, len(extended[0]) - 1

    def empty(cell: Cell) -> bool:
        # In a row or column whose total is 0: known to be 0, so hiding it
        # protects nothing.
        return extended[cell[0]][last_col] == 0 or extended[last_row][cell[1]] == 0

    def key(cell: Cell) -> tuple[bool, bool, bool, int, Cell]:
        value = extended[cell[0]][cell[1]]
        return (empty(cell), value == 0, not lone(cell), value, cell)

    return min(candidates, key=key)


def secondary_cells(extended: Grid, primary: set[Cell]) -> set[Cell]:
    """Every cell to suppress (primary ones included) so that no suppressed
    cell of `extended` can be recovered (rule 2 of the module doc)."""
    n_rows, n_cols = len(extended), len(extended[0])
    lines = _lines(n_rows, n_cols)
    row_lines, column_lines = lines[:n_rows], lines[n_rows:]
    # For a cell picked in a row, the line it also belongs to is its column.
    in_column = {cell: column_lines[cell[1]] for line in row_lines for cell in line}
    in_row = {cell: row_lines[cell[0]] for line in row_lines for cell in line}
    suppressed = set(primary)
    while True:
        changed = True
        while changed:
            changed = False
            for number, line in enumerate(lines):
                if sum(cell in suppressed for cell in line) == 1:
                    crossing = in_column if number < n_rows else in_row
                    extra = _pick(extended, line, suppressed, crossing)
                    if extra is not None:
                        suppressed.add(extra)
                        changed = True
        exposed = sorted(recoverable_cells(extended, suppressed))
        if not exposed:
            return suppressed
        i, j = exposed[0]
        row = [(i, c) for c in range(n_cols) if c != j]
        extra = _pick(extended, row, suppressed)
        if extra is None:
            column = [(r, j) for r in range(n_rows) if r != i]
            extra = _pick(extended, column, suppressed)
        if extra is None:  # pragma: no cover - a fully suppressed line is never exposed
            return suppressed
        suppressed.add(extra)


@dataclass(frozen=True)
class Protected:
    """A table ready to publish: the extended table (unrounded, never
    published as it is), the primary cells and every suppressed cell."""

    extended: Grid
    primary: frozenset[Cell]
    suppressed: frozenset[Cell]

    def shown(self, i: int, j: int) -> str:
        """The published text of a cell: `SUPPRESSED` or its rounded count."""
        if (i, j) in self.suppressed:
            return SUPPRESSED
        return str(round_count(self.extended[i][j]))

    def share(self, numerator: Cell, base: Sequence[Cell]) -> str:
        """numerator / sum(base) as a percentage (see `percentage`)."""
        cells = [numerator, *base]
        published = all(cell not in self.suppressed for cell in cells)
        return percentage(
            self.extended[numerator[0]][numerator[1]],
            sum(self.extended[i][j] for i, j in base),
            published=published,
        )


def suppress(table: Sequence[Sequence[int]]) -> Protected:
    """Protect `table` (counts, without margins): primary and secondary
    suppression over the table extended with its totals."""
    extended = extend(table)
    primary = primary_cells(extended)
    return Protected(
        extended=extended,
        primary=frozenset(primary),
        suppressed=frozenset(secondary_cells(extended, primary)),
    )


def round_count(value: int) -> int:
    """`value` to the nearest ROUNDING_BASE, halves up (0 stays 0)."""
    if value < 0:
        raise ValueError("Counts cannot be negative.")
    return ((2 * value + ROUNDING_BASE) // (2 * ROUNDING_BASE)) * ROUNDING_BASE


def percentage(numerator: int, base: int, *, published: bool = True) -> str:
    """100 × numerator / base from the unrounded counts, one decimal place,
    halves up; `SUPPRESSED` unless `published` (numerator and base both
    shown); `NOT_APPLICABLE` when the base is zero."""
    if not published:
        return SUPPRESSED
    if base == 0:
        return NOT_APPLICABLE
    exact = Fraction(100 * numerator, base)
    value = Decimal(exact.numerator) / Decimal(exact.denominator)
    return str(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
