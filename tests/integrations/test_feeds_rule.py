"""The silence rule at its boundaries: weekends, bank holidays and local
closures do not count as working days; days and weeks are London's."""

from __future__ import annotations

import datetime as dt

import pytest

from victimcare.duties.calendar import LONDON
from victimcare.duties.models import LocalClosure
from victimcare.integrations.constants import Rhythm
from victimcare.integrations.feeds import (
    STATUS_HEALTHY,
    STATUS_NEVER_HEARD,
    STATUS_PAUSED,
    STATUS_SILENT,
    feed_is_silent,
    feed_status,
    silent_from,
    when_text,
)
from victimcare.integrations.models import Feed

pytestmark = pytest.mark.django_db

ONE_SECOND = dt.timedelta(seconds=1)


def london(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("heard", "tolerance", "silent"),
    [
        # Heard Monday: Tuesday and Wednesday quiet → silent from Thursday.
        (london(2026, 5, 11, 10, 0), 2, london(2026, 5, 14)),
        # Heard late on Monday: the day it was heard never counts.
        (london(2026, 5, 11, 23, 59), 2, london(2026, 5, 14)),
        # Heard Friday: the weekend does not count → Monday and Tuesday.
        (london(2026, 5, 8, 10, 0), 2, london(2026, 5, 13)),
        # Heard on a Saturday: Monday and Tuesday.
        (london(2026, 5, 9, 12, 0), 2, london(2026, 5, 13)),
        # Heard Thursday before Easter: Good Friday, the weekend and Easter
        # Monday do not count → Tuesday 7 and Wednesday 8 April.
        (london(2026, 4, 2, 16, 0), 2, london(2026, 4, 9)),
        # Heard Friday before the late May bank holiday (25 May 2026).
        (london(2026, 5, 22, 10, 0), 1, london(2026, 5, 27)),
        # Christmas: 25, 26 (Saturday) and the substitute 28 December 2026.
        (london(2026, 12, 24, 10, 0), 1, london(2026, 12, 30)),
    ],
)
def test_a_working_day_feed_is_silent_after_whole_quiet_working_days(heard, tolerance, silent):
    assert silent_from(rhythm=Rhythm.WORKING_DAY, tolerance=tolerance, last_heard=heard) == silent


def test_a_local_closure_does_not_count_as_a_working_day():
    LocalClosure.objects.create(date=dt.date(2026, 5, 12), reason="Building closed")
    heard = london(2026, 5, 11, 10, 0)
    assert silent_from(rhythm=Rhythm.WORKING_DAY, tolerance=2, last_heard=heard) == london(
        2026, 5, 15
    )


@pytest.mark.parametrize(
    ("rhythm", "tolerance", "heard", "silent"),
    [
        # Every day: Tuesday and Wednesday quiet → Thursday; weekends count.
        (Rhythm.DAY, 2, london(2026, 5, 11, 10, 0), london(2026, 5, 14)),
        (Rhythm.DAY, 2, london(2026, 5, 8, 10, 0), london(2026, 5, 11)),
        # Every week (Monday to Sunday): heard on Wednesday, the next week may
        # be quiet → silent from the Monday after it.
        (Rhythm.WEEK, 1, london(2026, 5, 13, 10, 0), london(2026, 5, 25)),
        (Rhythm.WEEK, 1, london(2026, 5, 17, 23, 30), london(2026, 5, 25)),
        (Rhythm.WEEK, 2, london(2026, 5, 11, 0, 0), london(2026, 6, 1)),
    ],
)
def test_day_and_week_feeds_count_calendar_periods(rhythm, tolerance, heard, silent):
    assert silent_from(rhythm=rhythm, tolerance=tolerance, last_heard=heard) == silent


def test_silence_starts_at_london_midnight_in_summer_time():
    # BST: 00:00 London is 23:00 UTC the evening before.
    silent = silent_from(
        rhythm=Rhythm.WORKING_DAY, tolerance=2, last_heard=london(2026, 7, 6, 10, 0)
    )
    assert silent.astimezone(dt.UTC) == dt.datetime(2026, 7, 8, 23, 0, tzinfo=dt.UTC)


def test_the_status_in_words_follows_the_rule(orgs):
    feed = Feed(
        organisation=orgs["court"],
        name="Court results",
        rhythm=Rhythm.WORKING_DAY,
        tolerance=2,
        created_at=london(2026, 5, 11, 9, 0),
    )
    thursday = london(2026, 5, 14)
    assert feed_status(feed, now=thursday - ONE_SECOND) == STATUS_NEVER_HEARD
    assert feed_status(feed, now=thursday) == STATUS_SILENT.format(when=when_text(feed.created_at))
    feed.last_received_at = london(2026, 5, 13, 10, 0)
    assert feed_status(feed, now=thursday) == STATUS_HEALTHY
    assert not feed_is_silent(feed, now=london(2026, 5, 15, 23, 59))
    assert feed_is_silent(feed, now=london(2026, 5, 16))  # Saturday 00:00: Thu and Fri quiet
    assert feed_status(feed, now=london(2026, 5, 16)) == "Silent since Wed 13 May 2026 at 10:00"
    feed.active = False
    assert feed_status(feed, now=london(2026, 5, 16)) == STATUS_PAUSED
