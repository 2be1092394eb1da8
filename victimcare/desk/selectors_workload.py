"""The desk's workload figures: counts and times only, no personal data, so no
audit entry. Every figure covers only the cases the person may view (their
force's unrestricted cases and any shared with them)."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone

from victimcare.accounts.models import User
from victimcare.cases.selectors import crime_list_for_user
from victimcare.messaging.constants import TaskKind, TaskState
from victimcare.messaging.desk import LONDON, desk_is_open, next_open_slots
from victimcare.messaging.models import ContactTask

from .constants import CallBackState
from .models import CallBack, Escalation

# The periods of the time-to-call-back figures, in days.
PERIODS = (7, 28)
HOUR = dt.timedelta(hours=1)


@dataclass(frozen=True)
class HourRow:
    """One opening hour of a day: call backs booked for it, and how many are still to do."""

    start: dt.datetime
    booked: int
    to_do: int


@dataclass(frozen=True)
class DayHours:
    day: dt.date
    rows: list[HourRow]


@dataclass(frozen=True)
class TimeToCallBack:
    """Call backs done in the last `days` days: how many, and the mean and median
    time from the request to the call back being done (None when there were none)."""

    days: int
    count: int
    mean: dt.timedelta | None
    median: dt.timedelta | None


@dataclass(frozen=True)
class Workload:
    days: list[DayHours]
    overdue: int
    to_do: int
    times: list[TimeToCallBack]
    open_escalations: int
    tasks_by_kind: list[tuple[str, str, int]]  # (kind, label, open tasks)


def _open_hours(day: dt.date) -> list[dt.datetime]:
    """The starts of the hours (London time) in which the desk is open on `day`."""
    starts = []
    for hour in range(24):
        start = dt.datetime.combine(day, dt.time(hour), tzinfo=LONDON)
        if desk_is_open(start) or desk_is_open(start + dt.timedelta(minutes=30)):
            starts.append(start)
    return starts


def _next_open_day(today: dt.date) -> dt.date | None:
    tomorrow = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(0), tzinfo=LONDON)
    slots = next_open_slots(tomorrow, 1)
    return slots[0].astimezone(LONDON).date() if slots else None


def _day_hours(call_backs: list[tuple[dt.datetime, str]], day: dt.date) -> DayHours:
    rows = []
    for start in _open_hours(day):
        end = start + HOUR
        inside = [state for at, state in call_backs if start <= at < end]
        rows.append(
            HourRow(
                start=start,
                booked=len(inside),
                to_do=sum(1 for s in inside if s == CallBackState.OPEN),
            )
        )
    return DayHours(day=day, rows=rows)


def _time_to_call_back(
    durations: list[tuple[dt.datetime, dt.timedelta]], *, now: dt.datetime, days: int
) -> TimeToCallBack:
    since = now - dt.timedelta(days=days)
    seconds = [d.total_seconds() for done_at, d in durations if done_at >= since]
    if not seconds:
        return TimeToCallBack(days=days, count=0, mean=None, median=None)
    return TimeToCallBack(
        days=days,
        count=len(seconds),
        mean=dt.timedelta(seconds=round(statistics.fmean(seconds))),
        median=dt.timedelta(seconds=round(statistics.median(seconds))),
    )


def desk_workload(*, user: User, now: dt.datetime | None = None) -> Workload:
    """The desk's workload at `now` for the cases `user` may view.

    - call backs booked for each opening hour (by the hour of the time booked;
      each is due within an hour of it), today and the next day the desk opens,
      with how many are still to do (cancelled ones are not counted);
    - open call backs past their due time, and all open ones;
    - for call backs done in the last 7 and 28 days, the mean and median time
      from the request (`created_at`) to the call back done;
    - open escalations (their task open) and open contact tasks by kind."""
    now = now or timezone.now()
    crimes = crime_list_for_user(user=user).values("pk")
    today = now.astimezone(LONDON).date()
    days = [today]
    next_day = _next_open_day(today)
    if next_day is not None:
        days.append(next_day)
    window_start = dt.datetime.combine(days[0], dt.time(0), tzinfo=LONDON)
    window_end = dt.datetime.combine(days[-1] + dt.timedelta(days=1), dt.time(0), tzinfo=LONDON)
    booked = list(
        CallBack.objects.filter(
            crime__in=crimes,
            requested_for__gte=window_start,
            requested_for__lt=window_end,
        )
        .exclude(state=CallBackState.CANCELLED)
        .values_list("requested_for", "state")
    )
    open_call_backs = CallBack.objects.filter(crime__in=crimes, state=CallBackState.OPEN)
    oldest = now - dt.timedelta(days=max(PERIODS))
    done = [
        (done_at, done_at - created_at)
        for created_at, done_at in CallBack.objects.filter(
            crime__in=crimes, state=CallBackState.DONE, done_at__gte=oldest, done_at__lte=now
        ).values_list("created_at", "done_at")
    ]
    counts = dict(
        ContactTask.objects.filter(crime__in=crimes, state=TaskState.OPEN)
        .order_by()
        .values("kind")
        .annotate(n=Count("pk"))
        .values_list("kind", "n")
    )
    return Workload(
        days=[_day_hours(booked, day) for day in days],
        overdue=open_call_backs.filter(due_at__lt=now).count(),
        to_do=open_call_backs.count(),
        times=[_time_to_call_back(done, now=now, days=d) for d in PERIODS],
        open_escalations=Escalation.objects.filter(
            crime__in=crimes, task__state=TaskState.OPEN
        ).count(),
        tasks_by_kind=[(kind, str(label), counts.get(kind, 0)) for kind, label in TaskKind.choices],
    )
