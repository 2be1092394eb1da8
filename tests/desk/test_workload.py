"""The desk's workload page, from known data, on a Saturday at 10:00 (the desk is
open 08:00–16:00 at weekends): call backs booked per opening hour today and on
Sunday, overdue now, the time from request to call back done over 7 and 28 days,
open escalations and open contact tasks by kind. Only the cases the desk may
see count; anyone who is not desk staff gets the ordinary 404."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from victimcare.cases.services import VictimInput
from victimcare.desk.constants import CallBackReason, CallBackState, EscalateTo
from victimcare.desk.models import CallBack, Escalation
from victimcare.desk.selectors_workload import desk_workload
from victimcare.desk.views_workload import duration_text
from victimcare.messaging.constants import TaskKind, TaskState
from victimcare.messaging.desk import LONDON
from victimcare.messaging.models import ContactTask

from .conftest import signed_in, text

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 5, 10, 0, tzinfo=LONDON)  # a Saturday
H = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def desk_hours(settings):  # type: ignore[no-untyped-def]
    settings.VICTIM_FOCUS_DESK_HOURS = "mon-fri 08:00-20:00; sat-sun 08:00-16:00"
    settings.VICTIM_FOCUS_DESK_CLOSED_ON_BANK_HOLIDAYS = True


def _cb(crime, victim, at, *, state=CallBackState.OPEN, created=None, done=None):  # type: ignore[no-untyped-def]
    return CallBack.objects.create(
        crime=crime,
        victim=victim,
        requested_for=at,
        due_at=at + H,
        reason=CallBackReason.UPDATE,
        state=state,
        created_at=created or at - 2 * H,
        done_at=done,
    )


@pytest.fixture
def known(crime, victim, make_crime, officer, supervisor):  # type: ignore[no-untyped-def]
    at = lambda d, h, m=0: dt.datetime(2026, 12, d, h, m, tzinfo=LONDON)  # noqa: E731
    _cb(crime, victim, at(5, 8, 30))  # overdue since 09:30
    _cb(crime, victim, at(5, 11))
    _cb(crime, victim, at(5, 11, 30), state=CallBackState.CANCELLED, done=NOW)
    _cb(crime, victim, at(6, 8))  # Sunday
    done = CallBackState.DONE
    # Done: request to done 1h15, 2h, 6h in the last 7 days; 10h 20 days ago; 40 days ago.
    _cb(crime, victim, at(5, 9), state=done, created=at(5, 8), done=at(5, 9, 15))
    _cb(crime, victim, at(3, 9), state=done, created=at(3, 8), done=at(3, 10))
    _cb(crime, victim, at(1, 14), state=done, created=at(1, 8), done=at(1, 14))
    twenty = NOW - dt.timedelta(days=20)
    _cb(crime, victim, twenty, state=done, created=twenty - 10 * H, done=twenty)
    forty = NOW - dt.timedelta(days=40)
    _cb(crime, victim, forty, state=done, created=forty - 30 * H, done=forty)

    def task(kind, state=TaskState.OPEN, on=crime, who=victim):  # type: ignore[no-untyped-def]
        return ContactTask.objects.create(
            crime=on,
            victim=who,
            kind=kind,
            reason="x",
            state=state,
            done_at=None if state == TaskState.OPEN else NOW,
        )

    task(TaskKind.FEEDBACK_SAFETY)
    task(TaskKind.FEEDBACK_SAFETY)
    task(TaskKind.PORTAL_MESSAGE)
    task(TaskKind.PORTAL_MESSAGE, state=TaskState.DONE)
    for state in (TaskState.OPEN, TaskState.DONE):
        Escalation.objects.create(
            crime=crime,
            victim=victim,
            to=EscalateTo.OIC,
            assignee=officer,
            reason="r",
            raised_by=supervisor,
            task=task(TaskKind.DESK_ESCALATION, state=state),
        )
    # A restricted case the desk may not see: nothing of it counts.
    hidden = make_crime(offence="rape", victims=[VictimInput(full_name="Other Person")])
    other = hidden.victim_links.get().victim
    _cb(hidden, other, at(5, 8, 30))
    task(TaskKind.FEEDBACK_SAFETY, on=hidden, who=other)


def test_the_workload_figures_from_known_data(known, desk_agent):
    with time_machine.travel(NOW, tick=False):
        figures = desk_workload(user=desk_agent)
    today, sunday = figures.days
    assert (today.day, sunday.day) == (dt.date(2026, 12, 5), dt.date(2026, 12, 6))
    assert [r.start.hour for r in today.rows] == list(range(8, 16))
    by_hour = {r.start.hour: (r.booked, r.to_do) for r in today.rows}
    assert by_hour == {
        8: (1, 1),
        9: (1, 0),
        10: (0, 0),
        11: (1, 1),
        12: (0, 0),
        13: (0, 0),
        14: (0, 0),
        15: (0, 0),
    }
    assert [(r.start.hour, r.booked) for r in sunday.rows if r.booked] == [(8, 1)]
    assert (figures.overdue, figures.to_do) == (1, 3)
    week, month = figures.times
    assert (week.days, week.count, week.mean, week.median) == (
        7,
        3,
        dt.timedelta(hours=3, minutes=5),
        dt.timedelta(hours=2),
    )
    assert (month.days, month.count) == (28, 4)
    assert month.mean == dt.timedelta(minutes=288, seconds=45)
    assert month.median == dt.timedelta(hours=4)
    assert figures.open_escalations == 1
    counts = {kind: n for kind, _, n in figures.tasks_by_kind}
    assert counts[TaskKind.FEEDBACK_SAFETY] == 2
    assert counts[TaskKind.PORTAL_MESSAGE] == 1
    assert counts[TaskKind.DESK_ESCALATION] == 1
    assert counts[TaskKind.DELIVERY_FAILED] == 0


def test_the_workload_page(known, desk_agent):
    with time_machine.travel(NOW, tick=False):
        response = signed_in(desk_agent).get(reverse("desk:workload"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = text(response)
    assert "Call backs overdue 1" in page and "Call backs to do 3" in page
    assert "Escalations still open 1" in page
    assert "Today, Saturday 5 December" in page and "Sunday 6 December" in page
    assert "08:00 to 09:00 1 1" in page and "09:00 to 10:00 1 0" in page
    assert "Last 7 days 3 3 hours 5 minutes 2 hours" in page
    assert "Last 28 days 4 4 hours 49 minutes 4 hours" in page
    assert "Feedback raised a safety concern: contact the victim safely 2" in page
    assert "The victim sent the desk a message through the portal 1" in page
    # No personal data.
    assert "Test Victim" not in page and "07700" not in page


def test_an_empty_workload_says_none_done(desk_agent):
    with time_machine.travel(NOW, tick=False):
        page = text(signed_in(desk_agent).get(reverse("desk:workload")))
    assert "Last 7 days 0 None done None done" in page


@pytest.mark.parametrize("persona", ["officer", "supervisor", "analyst", "witness_care_officer"])
def test_people_who_are_not_desk_staff_get_not_found(request, persona):
    client = signed_in(request.getfixturevalue(persona))
    assert client.get(reverse("desk:workload")).status_code == 404


def test_the_workload_is_in_the_desk_menu(desk, officer):
    href = f'href="{reverse("desk:workload")}"'
    assert href in desk.get(reverse("desk:search")).content.decode()
    assert href not in signed_in(officer).get(reverse("accounts:home")).content.decode()


def test_durations_in_words():
    assert duration_text(dt.timedelta(minutes=45)) == "45 minutes"
    assert duration_text(dt.timedelta(hours=1, minutes=1)) == "1 hour 1 minute"
    assert duration_text(dt.timedelta(days=1, hours=3, minutes=7)) == "1 day 3 hours"
    assert duration_text(dt.timedelta(seconds=20)) == "Less than a minute"
