"""Call backs: booked only when the desk is open. The story: on a Saturday the
victim asks for a call back at 17:00; the desk closes at 16:00 at weekends, so
the agent is told so and offered Sunday 08:00 onwards, and books Sunday 08:00.
On Sunday the queue shows it overdue once its hour has passed; an agent takes
it, marks it done with an outcome, and a second "done" is refused."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from victimcare.core.models import AuditEvent
from victimcare.desk import messages as msg
from victimcare.desk.constants import CallBackState
from victimcare.desk.models import CallBack
from victimcare.messaging.desk import LONDON, next_open_slots

from .conftest import signed_in, text

pytestmark = pytest.mark.django_db

SATURDAY_MORNING = dt.datetime(2026, 12, 5, 10, 0, tzinfo=LONDON)
SUNDAY_8 = dt.datetime(2026, 12, 6, 8, 0, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def desk_hours(settings):  # type: ignore[no-untyped-def]
    settings.VICTIM_FOCUS_DESK_HOURS = "mon-fri 08:00-20:00; sat-sun 08:00-16:00"
    settings.VICTIM_FOCUS_DESK_CLOSED_ON_BANK_HOLIDAYS = True


def _book(desk, victim, crime, day: dt.date, time: str, reason: str = "update"):  # type: ignore[no-untyped-def]
    desk.post(
        reverse("desk:identity-check", args=[victim.pk, crime.pk]),
        {"method": "code_word", "outcome": "passed"},
    )
    return desk.post(
        reverse("desk:call-back", args=[victim.pk, crime.pk]),
        {
            "date-day": day.day,
            "date-month": day.month,
            "date-year": day.year,
            "time": time,
            "reason": reason,
        },
    )


def test_a_saturday_evening_call_back_is_offered_sunday_morning(desk, desk_agent, crime, victim):
    with time_machine.travel(SATURDAY_MORNING, tick=False):
        desk = signed_in(desk_agent)  # sessions expire: sign in at the travelled time
        refused = _book(desk, victim, crime, dt.date(2026, 12, 5), "17:00")
        assert refused.status_code == 200
        assert "govuk-error-summary" in refused.content.decode()
        page = text(refused)
        assert (
            "The desk is closed then. The next times it is open: Sunday 6 December 08:00, "
            "Sunday 6 December 08:30, Sunday 6 December 09:00"
        ) in page
        assert not CallBack.objects.exists()

        booked = _book(desk, victim, crime, dt.date(2026, 12, 6), "08:00")
        assert booked.url == reverse("desk:case", args=[victim.pk, crime.pk])
        call_back = CallBack.objects.get()
        assert call_back.requested_for == SUNDAY_8
        assert call_back.due_at == SUNDAY_8 + dt.timedelta(hours=1)
        assert call_back.requested_by == desk_agent and call_back.state == CallBackState.OPEN
        entry = AuditEvent.objects.get(object_type="desk.call_back")
        assert entry.subject_id == str(victim.pk)
        case = text(desk.get(reverse("desk:case", args=[victim.pk, crime.pk])))
        assert "Call back Sunday 6 December 08:00: an update on the case" in case


@pytest.mark.parametrize(
    ("day", "time", "error"),
    [
        (dt.date(2026, 12, 4), "12:00", msg.CALL_BACK_IN_PAST),
        (dt.date(2027, 3, 1), "12:00", msg.CALL_BACK_TOO_FAR),
        (dt.date(2026, 12, 7), "", msg.CALL_BACK_TIME_REQUIRED),
        (dt.date(2026, 12, 25), "12:00", "The desk is closed then"),
    ],
    ids=["past", "too-far", "no-time", "christmas"],
)
def test_bad_call_back_times_book_nothing(desk_agent, crime, victim, day, time, error):
    with time_machine.travel(SATURDAY_MORNING, tick=False):
        desk = signed_in(desk_agent)
        response = _book(desk, victim, crime, day, time)
    assert response.status_code == 200
    assert error in text(response)
    assert not CallBack.objects.exists()


def test_next_open_slots_skip_bank_holidays():
    # Christmas Day 2026 is a Friday; Boxing Day, a Saturday, is a bank holiday too.
    slots = next_open_slots(dt.datetime(2026, 12, 25, 10, 0, tzinfo=LONDON), 2)
    assert slots == [
        dt.datetime(2026, 12, 27, 8, 0, tzinfo=LONDON),
        dt.datetime(2026, 12, 27, 8, 30, tzinfo=LONDON),
    ]
    # Within opening hours, the next half hour.
    assert next_open_slots(dt.datetime(2026, 12, 7, 9, 10, tzinfo=LONDON), 1) == [
        dt.datetime(2026, 12, 7, 9, 30, tzinfo=LONDON)
    ]


def test_the_queue_marks_overdue_and_a_call_back_is_done_once(desk_agent, crime, victim):
    with time_machine.travel(SATURDAY_MORNING, tick=False):
        desk = signed_in(desk_agent)
        _book(desk, victim, crime, dt.date(2026, 12, 6), "08:00")
        _book(desk, victim, crime, dt.date(2026, 12, 6), "15:00", reason="question")
    early, late = CallBack.objects.order_by("due_at")
    queue = reverse("desk:call-backs")
    with time_machine.travel(SUNDAY_8 + dt.timedelta(minutes=90), tick=False):
        desk = signed_in(desk_agent)
        response = desk.get(queue)
        page = text(response)
        assert "2 to do, 1 overdue" in page
        assert page.count("Overdue") == 1
        assert page.index(crime.crn) < page.index("A question the desk needs to find out about")
        # No personal data in the queue.
        assert "Test Victim" not in page and "07700" not in page

        assert desk.post(reverse("desk:call-back-assign", args=[early.pk])).url == queue
        early.refresh_from_db()
        assert early.assignee == desk_agent

        done = reverse("desk:call-back-done", args=[early.pk])
        empty = desk.post(done, {"outcome": ""})
        assert msg.CALL_BACK_OUTCOME_REQUIRED in text(empty)
        assert desk.post(done, {"outcome": "Gave an update; no questions."}).url == queue
        early.refresh_from_db()
        assert early.state == CallBackState.DONE and early.done_by == desk_agent
        first_done_at = early.done_at

        twice = desk.post(done, {"outcome": "Again"})
        assert twice.status_code == 200
        assert msg.CALL_BACK_CLOSED in text(twice)
        early.refresh_from_db()
        assert early.done_at == first_done_at and early.outcome == "Gave an update; no questions."

        after = text(desk.get(queue))
        assert "1 to do" in after and "overdue" not in after
    assert late.state == CallBackState.OPEN


def test_officers_get_not_found(desk_agent, crime, victim, officer):
    with time_machine.travel(SATURDAY_MORNING, tick=False):
        desk = signed_in(desk_agent)
        _book(desk, victim, crime, dt.date(2026, 12, 6), "08:00")
    call_back = CallBack.objects.get()
    client = signed_in(officer)
    assert client.get(reverse("desk:call-backs")).status_code == 404
    assert client.post(reverse("desk:call-back-assign", args=[call_back.pk])).status_code == 404
    done = reverse("desk:call-back-done", args=[call_back.pk])
    assert client.post(done, {"outcome": "x"}).status_code == 404
    call_back.refresh_from_db()
    assert call_back.state == CallBackState.OPEN and call_back.assignee is None


def test_a_call_back_on_a_case_the_desk_may_not_see_is_not_found(desk, make_crime, desk_agent):
    from victimcare.cases.services import VictimInput
    from victimcare.desk.constants import CallBackReason

    restricted = make_crime(offence="rape", victims=[VictimInput(full_name="Other Person")])
    link = restricted.victim_links.get()
    hidden = CallBack.objects.create(
        crime=restricted,
        victim=link.victim,
        requested_for=SUNDAY_8,
        due_at=SUNDAY_8 + dt.timedelta(hours=1),
        reason=CallBackReason.UPDATE,
    )
    assert restricted.crn not in text(desk.get(reverse("desk:call-backs")))
    assert desk.get(reverse("desk:call-back-done", args=[hidden.pk])).status_code == 404
    assert desk.post(reverse("desk:call-back-assign", args=[hidden.pk])).status_code == 404


def test_the_overdue_job_flags_each_late_call_back_once(crime, victim):
    from victimcare.core.scheduler import discover_jobs
    from victimcare.desk.constants import CallBackReason
    from victimcare.desk.jobs import call_backs_overdue_flag

    assert "desk_call_backs_overdue" in discover_jobs()
    late, later = (
        CallBack.objects.create(
            crime=crime,
            victim=victim,
            requested_for=at,
            due_at=at + dt.timedelta(hours=1),
            reason=CallBackReason.UPDATE,
        )
        for at in (SUNDAY_8, SUNDAY_8 + dt.timedelta(hours=3))
    )
    now = SUNDAY_8 + dt.timedelta(hours=2)
    assert call_backs_overdue_flag(now=now) == 1
    assert call_backs_overdue_flag(now=now) == 0
    late.refresh_from_db()
    later.refresh_from_db()
    assert late.overdue_flagged_at == now and later.overdue_flagged_at is None
