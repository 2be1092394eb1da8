"""The working-day calendar of the Victims' Code (vcop.md, "Rules").

A working day is Monday to Friday, not an England and Wales bank holiday
(substitute days included, from the `holidays` package, subdivision ENG) and not
a LocalClosure an administrator has added. The clock starts on the day the
duty-holder learned of the event: that day is day 0, working day or not, and the
deadline is 23:59:59 Europe/London at the end of the Nth working day after it.
"""

from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo

import holidays

from .constants import CALENDAR_TIMEZONE, HOLIDAY_COUNTRY, HOLIDAY_SUBDIVISION
from .models import LocalClosure

LONDON = ZoneInfo(CALENDAR_TIMEZONE)
END_OF_DAY = dt.time(23, 59, 59)
_WEEKEND = {5: "Saturday", 6: "Sunday"}
_ONE_DAY = dt.timedelta(days=1)


@functools.cache
def bank_holidays(year: int) -> dict[dt.date, str]:
    """England and Wales bank holidays of `year` (with substitute days), by date. Cached."""
    return dict(
        holidays.country_holidays(HOLIDAY_COUNTRY, subdiv=HOLIDAY_SUBDIVISION, years=year).items()
    )


def _closures(first: dt.date, last: dt.date) -> dict[dt.date, str]:
    # Not cached: an administrator may add a closure at any time.
    return dict(
        LocalClosure.objects.filter(date__range=(first, last)).values_list("date", "reason")
    )


def _non_working_reason(day: dt.date, closures: dict[dt.date, str]) -> str | None:
    if day.weekday() in _WEEKEND:
        return _WEEKEND[day.weekday()]
    if name := bank_holidays(day.year).get(day):
        return name
    if day in closures:
        return f"local closure: {closures[day]}"
    return None


def non_working_reason(day: dt.date) -> str | None:
    """Why `day` is not a working day ("Saturday", "Christmas Day", "local closure: …"), or None."""
    return _non_working_reason(day, _closures(day, day))


def is_working_day(day: dt.date) -> bool:
    return non_working_reason(day) is None


def _walk(start: dt.date, n: int) -> tuple[dt.date, list[tuple[dt.date, str]]]:
    if n < 0:
        raise ValueError("The number of working days must be 0 or more.")
    # One query for a window that almost always holds the N working days.
    window = dt.timedelta(days=2 * n + 31)
    last_fetched = start + window
    closures = _closures(start, last_fetched)
    day, counted, skipped = start, 0, []
    while counted < n:
        day += _ONE_DAY
        if day > last_fetched:
            closures |= _closures(day, day + window)
            last_fetched = day + window
        if reason := _non_working_reason(day, closures):
            skipped.append((day, reason))
        else:
            counted += 1
    return day, skipped


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The Nth working day after `start` (day 0 is `start`, whatever it is); `start` if n is 0."""
    return _walk(start, n)[0]


def explain_days(start: dt.date, n: int) -> list[tuple[dt.date, str]]:
    """The days skipped while counting N working days from `start`, each with why."""
    return _walk(start, n)[1]


def local_day(moment: dt.datetime) -> dt.date:
    """The England and Wales calendar day of an aware datetime."""
    if moment.tzinfo is None:
        raise ValueError("The start of a deadline must be timezone-aware.")
    return moment.astimezone(LONDON).date()


def end_of_day(day: dt.date) -> dt.datetime:
    """23:59:59 Europe/London on `day` (GMT or BST as it falls)."""
    return dt.datetime.combine(day, END_OF_DAY, tzinfo=LONDON)


def deadline_for(
    *,
    started: dt.datetime,
    working_days: int | None = None,
    hours: int | None = None,
    cadence_days: int | None = None,
) -> dt.datetime:
    """When a duty whose clock started at `started` is due, in Europe/London time.

    Exactly one of: `working_days` (end of the Nth working day after the local day
    of `started`), `hours` (`started` plus that many elapsed hours) or
    `cadence_days` (end of the local day that many calendar days later: an agreed
    update interval is not counted in working days).
    """
    given = [v for v in (working_days, hours, cadence_days) if v is not None]
    if len(given) != 1:
        raise ValueError("Give exactly one of working_days, hours or cadence_days.")
    start_day = local_day(started)
    if working_days is not None:
        return end_of_day(add_working_days(start_day, working_days))
    if hours is not None:
        return (started + dt.timedelta(hours=hours)).astimezone(LONDON)
    assert cadence_days is not None
    return end_of_day(start_day + dt.timedelta(days=cadence_days))
