"""Statistical disclosure control, as the issue tells it: a cell of 4 is
published as [c] and at least one other cell in its row and in its column is
hidden too; for any table, no hidden cell can be worked out exactly from the
published cells and totals; counts are rounded to the nearest 5 and
percentages come from the unrounded counts."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from victimcare.insights import disclosure as sdc
from victimcare.insights.disclosure import SUPPRESSED, extend, recoverable_cells, suppress


def test_a_cell_of_four_is_hidden_with_another_in_its_row_and_its_column():
    # Satisfied / neither / dissatisfied for three boroughs.
    table = [
        [40, 12, 4],
        [55, 20, 15],
        [61, 18, 22],
    ]
    protected = suppress(table)
    assert protected.shown(0, 2) == SUPPRESSED
    assert (0, 2) in protected.primary
    row_others = {(0, j) for j in range(4) if j != 2}
    column_others = {(i, 2) for i in range(4) if i != 0}
    assert protected.suppressed & row_others
    assert protected.suppressed & column_others
    assert recoverable_cells(protected.extended, set(protected.suppressed)) == set()
    # The least that protects it: a rectangle of four cells.
    assert len(protected.suppressed) == 4
    # Published counts are rounded; the hidden ones never show a number.
    assert protected.shown(1, 0) == "55"
    assert protected.shown(3, 3) == "245"


def test_the_checker_finds_a_cell_recoverable_from_its_row_total():
    extended = extend([[40, 12, 4], [55, 20, 15]])
    # Only the 4 hidden: it is the row total minus the other two.
    assert recoverable_cells(extended, {(0, 2)}) == {(0, 2)}
    # Hiding its row neighbour too still leaves both recoverable from the columns.
    assert recoverable_cells(extended, {(0, 2), (0, 1)}) == {(0, 2), (0, 1)}
    # A rectangle (a cycle) protects all four.
    rectangle = {(0, 1), (0, 2), (1, 1), (1, 2)}
    assert recoverable_cells(extended, rectangle) == set()


def test_the_checker_knows_counts_are_never_negative():
    extended = extend([[0, 0, 30], [12, 15, 20]])
    # Row 0's total is all in its published cell: its hidden zeros are zeros,
    # though linear algebra alone cannot tell.
    rectangle = {(0, 0), (0, 1), (1, 0), (1, 1)}
    assert recoverable_cells(extended, rectangle, nonnegative=False) == set()
    assert recoverable_cells(extended, rectangle) == {(0, 0), (0, 1)}
    protected = suppress([[0, 0, 30], [12, 15, 20]])
    assert protected.shown(0, 2) == SUPPRESSED or protected.shown(0, 3) == SUPPRESSED
    assert recoverable_cells(protected.extended, set(protected.suppressed)) == set()


def test_a_cycle_through_the_margins_protects_as_well():
    extended = extend([[4, 30], [25, 31]])
    # 4 with its row total, its column total and the grand total: a cycle.
    cycle = {(0, 0), (0, 2), (2, 0), (2, 2)}
    assert recoverable_cells(extended, cycle) == set()
    assert recoverable_cells(extended, {(0, 0), (0, 2), (2, 0)}) == {(0, 0), (0, 2), (2, 0)}


def test_zeros_are_hidden_where_they_would_disclose():
    extended = extend(
        [
            [0, 3, 2],  # row total 5: its zero says where those few are not
            [30, 0, 0],  # everyone in this group gave the same answer
            [20, 14, 12],  # an ordinary zero-free row
            [0, 0, 0],  # nobody: nothing to disclose
        ]
    )
    primary = sdc.primary_cells(extended)
    assert {(0, 0), (1, 1), (1, 2)} <= primary
    assert not {(3, 0), (3, 1), (3, 2), (3, 3)} & primary
    assert (2, 0) not in primary


def test_every_primary_cell_is_suppressed_and_rounding_and_percentages_follow_the_rules():
    protected = suppress([[12, 3, 30], [47, 22, 0], [20, 25, 33]])
    assert protected.primary <= protected.suppressed
    assert (0, 1) in protected.primary and (1, 0) not in protected.suppressed
    assert [sdc.round_count(n) for n in (0, 10, 12, 13, 17, 18, 22, 23, 47, 48)] == [
        0, 10, 10, 15, 15, 20, 20, 25, 45, 50,
    ]  # fmt: skip
    # From unrounded data: 47 of 69 is 68.1%, not 45 of 70.
    assert protected.shown(1, 0) == "45" and protected.shown(1, 3) == "70"
    assert protected.share((1, 0), [(1, 3)]) == "68.1"
    # Row 0's numerator is hidden (a secondary cell): no percentage there.
    assert protected.share((0, 0), [(0, 3)]) == SUPPRESSED
    assert sdc.percentage(1, 8) == "12.5"  # halves up
    assert sdc.percentage(0, 0) == sdc.NOT_APPLICABLE
    assert sdc.percentage(5, 40, published=False) == SUPPRESSED


small_counts = st.one_of(st.integers(0, 9), st.integers(0, 60))


@st.composite
def tables(draw: st.DrawFn) -> list[list[int]]:
    rows = draw(st.integers(2, 6))
    columns = draw(st.integers(2, 6))
    return [[draw(small_counts) for _ in range(columns)] for _ in range(rows)]


@settings(max_examples=150, deadline=None)
@given(tables())
def test_no_suppressed_cell_of_any_table_can_be_recovered(table: list[list[int]]):
    protected = suppress(table)
    assert protected.primary <= protected.suppressed
    assert recoverable_cells(protected.extended, set(protected.suppressed)) == set()
    for i, row in enumerate(protected.extended):
        for j, value in enumerate(row):
            if 0 < value < sdc.THRESHOLD:
                assert protected.shown(i, j) == SUPPRESSED
