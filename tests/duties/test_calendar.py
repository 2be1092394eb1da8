"""The working-day calendar: England and Wales bank holidays, weekends and local closures."""

from __future__ import annotations

import datetime as dt

import holidays
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from victimcare.duties.calendar import (
    add_working_days,
    deadline_for,
    explain_days,
    is_working_day,
)
from victimcare.duties.models import LocalClosure

pytestmark = pytest.mark.django_db

# Independent of the code under test: the package's own England and Wales list.
ENGLAND = holidays.country_holidays("GB", subdiv="ENG", years=range(2024, 2032))

dates = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2030, 12, 31))
counts = st.integers(min_value=0, max_value=40)
bounded = settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


@bounded
@given(start=dates, n=st.integers(min_value=1, max_value=40))
def test_a_deadline_never_falls_on_a_weekend_or_bank_holiday(start: dt.date, n: int) -> None:
    due = add_working_days(start, n)
    assert due.weekday() < 5
    assert due not in ENGLAND
    assert due > start


@bounded
@given(start=dates, n=counts)
def test_one_more_working_day_is_never_earlier(start: dt.date, n: int) -> None:
    assert add_working_days(start, n + 1) > add_working_days(start, n)


@bounded
@given(start=dates, a=counts, b=counts)
def test_adding_working_days_composes_from_a_working_day(start: dt.date, a: int, b: int) -> None:
    while not is_working_day(start):
        start += dt.timedelta(days=1)
    assert add_working_days(add_working_days(start, a), b) == add_working_days(start, a + b)


@bounded
@given(start=dates, n=st.integers(min_value=1, max_value=40))
def test_the_days_counted_plus_the_days_skipped_span_the_deadline(start: dt.date, n: int) -> None:
    due = add_working_days(start, n)
    skipped = explain_days(start, n)
    assert (due - start).days == n + len(skipped)
    assert all(not is_working_day(day) for day, _ in skipped)


def test_charged_on_christmas_eve_for_an_enhanced_victim_is_due_on_29_december() -> None:
    # vcop.md worked example: Fri 25 (Christmas), the weekend and Mon 28 (Boxing Day
    # substitute) are skipped; 1 working day for an enhanced victim.
    due = deadline_for(started=utc(2026, 12, 24, 16, 30), working_days=1)
    assert due.isoformat() == "2026-12-29T23:59:59+00:00"
    assert explain_days(dt.date(2026, 12, 24), 1) == [
        (dt.date(2026, 12, 25), "Christmas Day"),
        (dt.date(2026, 12, 26), "Saturday"),
        (dt.date(2026, 12, 27), "Sunday"),
        (dt.date(2026, 12, 28), "Boxing Day (observed)"),
    ]


def test_an_arrest_on_a_saturday_counts_from_the_saturday() -> None:
    # vcop.md worked example: day 0 is Saturday 7 March 2026; 5 working days.
    due = deadline_for(started=utc(2026, 3, 7, 11, 0), working_days=5)
    assert due.isoformat() == "2026-03-13T23:59:59+00:00"


def test_a_deadline_after_the_clocks_go_forward_is_end_of_day_in_bst() -> None:
    # Clocks go forward on Sun 29 March 2026; Good Friday (3 April) and Easter
    # Monday (6 April) are skipped too.
    due = deadline_for(started=utc(2026, 3, 27, 10, 0), working_days=5)
    assert due.isoformat() == "2026-04-07T23:59:59+01:00"


def test_the_local_day_decides_day_0_near_midnight() -> None:
    # 23:30 UTC on Thu 2 July 2026 is already Friday 3 July in London (BST).
    due = deadline_for(started=utc(2026, 7, 2, 23, 30), working_days=1)
    assert due.isoformat() == "2026-07-06T23:59:59+01:00"


def test_a_deadline_in_hours_is_elapsed_time() -> None:
    # Across the autumn change (Sun 25 Oct 2026) 24 elapsed hours is 23:00 local.
    due = deadline_for(started=utc(2026, 10, 24, 23, 0), hours=24)
    assert due == utc(2026, 10, 25, 23, 0)
    assert due.isoformat() == "2026-10-25T23:00:00+00:00"


def test_a_cadence_is_counted_in_calendar_days() -> None:
    due = deadline_for(started=utc(2026, 12, 1, 9, 0), cadence_days=28)
    assert due.isoformat() == "2026-12-29T23:59:59+00:00"


def test_exactly_one_kind_of_deadline_is_accepted() -> None:
    with pytest.raises(ValueError):
        deadline_for(started=utc(2026, 1, 5), working_days=1, hours=24)
    with pytest.raises(ValueError):
        deadline_for(started=utc(2026, 1, 5))
    with pytest.raises(ValueError):
        deadline_for(started=dt.datetime(2026, 1, 5, 9, 0), working_days=1)


def test_a_local_closure_is_skipped(administrator) -> None:  # type: ignore[no-untyped-def]
    assert add_working_days(dt.date(2026, 6, 8), 1) == dt.date(2026, 6, 9)
    LocalClosure.objects.create(
        date=dt.date(2026, 6, 9), reason="building closed for repairs", created_by=administrator
    )
    assert not is_working_day(dt.date(2026, 6, 9))
    assert add_working_days(dt.date(2026, 6, 8), 1) == dt.date(2026, 6, 10)
    assert explain_days(dt.date(2026, 6, 8), 1) == [
        (dt.date(2026, 6, 9), "local closure: building closed for repairs")
    ]


def test_a_local_closure_months_ahead_moves_a_long_deadline() -> None:
    start = dt.date(2026, 1, 5)
    plain = add_working_days(start, 200)
    LocalClosure.objects.create(date=plain, reason="stocktake")
    assert add_working_days(start, 200) > plain
