"""The periodic duties jobs: reminders the working day before a deadline, and
overdue duties escalated to a supervisor. Duties come from the real services
(a crime reported, a suspect charged, a hearing date received); only the clock
is moved.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from victimcare.accounts.constants import Role
from victimcare.cases.constants import EventCode
from victimcare.cases.services import VictimInput, case_share, event_record
from victimcare.duties.constants import DutyState, NotificationKind
from victimcare.duties.jobs import duties_overdue_sweep, duties_reminder_sweep, reminder_cutoff
from victimcare.duties.models import Duty, DutyNotification

from ..factories import UserFactory

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
TWO_DAY_RULES = {
    "crime-reported-needs-assessment",
    "crime-reported-support-referral",
    "crime-reported-contact-plan",
}


def london(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LONDON)


def end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=LONDON)


def _victim() -> VictimInput:
    return VictimInput(full_name="Test Victim", phone="07700 900002")


def _duty(crime, code: str) -> Duty:  # type: ignore[no-untyped-def]
    return Duty.objects.exclude(state=DutyState.REPLACED).get(crime=crime, rule__code=code)


def _reminded_codes(crime) -> set[str]:  # type: ignore[no-untyped-def]
    return set(
        Duty.objects.filter(crime=crime, reminded_at__isnull=False).values_list(
            "rule__code", flat=True
        )
    )


def _reminders(duty: Duty) -> list[int]:
    return sorted(
        DutyNotification.objects.filter(duty=duty, kind=NotificationKind.REMINDER).values_list(
            "recipient_id", flat=True
        )
    )


def _charged(make_crime, officer, *, at: dt.datetime):  # type: ignore[no-untyped-def]
    """A common assault reported and charged at `at` (a standard victim: 5 working days)."""
    with time_machine.travel(at, tick=False):
        crime = make_crime(occurred_at=at - dt.timedelta(hours=1), victims=[_victim()])
        event_record(actor=officer, crime=crime, code=EventCode.CHARGED, occurred_at=at)
    return crime


# --- Reminders -------------------------------------------------------------------


def test_the_cutoff_is_the_end_of_the_next_working_day() -> None:
    assert reminder_cutoff(now=london(2026, 3, 6, 9, 0)) == end_of(dt.date(2026, 3, 9))  # Fri→Mon
    assert reminder_cutoff(now=london(2026, 3, 7, 9, 0)) == end_of(dt.date(2026, 3, 9))  # Sat→Mon
    # Thursday 24 December 2026: Christmas Day, the weekend and Boxing Day's
    # substitute (Monday 28th) are skipped.
    assert reminder_cutoff(now=london(2026, 12, 24, 9, 0)) == end_of(dt.date(2026, 12, 29))


def test_a_monday_deadline_is_reminded_on_the_friday_before(make_crime, officer) -> None:
    with time_machine.travel(london(2026, 3, 5, 10, 30), tick=False):  # Thursday
        crime = make_crime(occurred_at=london(2026, 3, 5, 10, 0), victims=[_victim()])
    assert {_duty(crime, code).due_at for code in TWO_DAY_RULES} == {end_of(dt.date(2026, 3, 9))}

    with time_machine.travel(london(2026, 3, 5, 18, 0), tick=False):
        duties_reminder_sweep()
    # On Thursday only the 24-hour duty (due Friday morning) is reminded.
    assert _reminded_codes(crime) == {"crime-reported-record"}

    with time_machine.travel(london(2026, 3, 6, 9, 0), tick=False):  # Friday
        duties_reminder_sweep()
    assert _reminded_codes(crime) == {"crime-reported-record"} | TWO_DAY_RULES
    for code in TWO_DAY_RULES:
        duty = _duty(crime, code)
        assert duty.reminded_at == london(2026, 3, 6, 9, 0)
        # A police duty reminds the officer it is assigned to.
        assert _reminders(duty) == [officer.pk]
    # The written confirmation (due Thursday 12 March) waits.
    assert _duty(crime, "crime-reported-written-confirmation").reminded_at is None


def test_a_wednesday_deadline_is_not_reminded_on_the_monday(make_crime, officer) -> None:
    crime = _charged(make_crime, officer, at=london(2026, 3, 4, 11, 0))  # Wednesday
    charged = _duty(crime, "charged-inform")
    assert charged.due_at == end_of(dt.date(2026, 3, 11))  # the next Wednesday

    with time_machine.travel(london(2026, 3, 9, 9, 0), tick=False):  # Monday
        duties_reminder_sweep()
    charged.refresh_from_db()
    assert charged.reminded_at is None
    assert _reminders(charged) == []

    with time_machine.travel(london(2026, 3, 10, 9, 0), tick=False):  # Tuesday
        duties_reminder_sweep()
    charged.refresh_from_db()
    assert charged.reminded_at == london(2026, 3, 10, 9, 0)
    assert _reminders(charged) == [officer.pk]


def test_christmas_bank_holidays_bring_the_reminder_forward(make_crime, officer) -> None:
    # Charged on Friday 18 December 2026: the fifth working day is Tuesday 29th
    # (25th Christmas Day, 26th-27th weekend, 28th Boxing Day substitute).
    crime = _charged(make_crime, officer, at=london(2026, 12, 18, 11, 0))
    charged = _duty(crime, "charged-inform")
    assert charged.due_at == end_of(dt.date(2026, 12, 29))

    with time_machine.travel(london(2026, 12, 23, 17, 0), tick=False):  # Wednesday
        duties_reminder_sweep()
    charged.refresh_from_db()
    assert charged.reminded_at is None

    with time_machine.travel(london(2026, 12, 24, 9, 0), tick=False):  # the last working day
        duties_reminder_sweep()
    charged.refresh_from_db()
    assert charged.reminded_at == london(2026, 12, 24, 9, 0)
    assert _reminders(charged) == [officer.pk]


def test_running_the_reminder_sweep_twice_reminds_once(make_crime, officer) -> None:
    crime = _charged(make_crime, officer, at=london(2026, 3, 4, 11, 0))
    charged = _duty(crime, "charged-inform")

    with time_machine.travel(london(2026, 3, 10, 9, 0), tick=False):
        first = duties_reminder_sweep()
    with time_machine.travel(london(2026, 3, 10, 9, 30), tick=False):
        second = duties_reminder_sweep()

    assert first >= 1
    assert second == 0
    charged.refresh_from_db()
    assert charged.reminded_at == london(2026, 3, 10, 9, 0)  # not moved by the second run
    assert DutyNotification.objects.filter(duty=charged).count() == 1


def test_a_done_duty_is_never_reminded(make_crime, officer) -> None:
    crime = _charged(make_crime, officer, at=london(2026, 3, 4, 11, 0))
    charged = _duty(crime, "charged-inform")
    victim = crime.victim_links.get().victim
    with time_machine.travel(london(2026, 3, 5, 11, 0), tick=False):
        event_record(
            actor=officer,
            crime=crime,
            code=EventCode.CONTACT_CALL,
            occurred_at=london(2026, 3, 5, 10, 0),
            victim=victim,
            fulfils=[charged.pk],
        )

    with time_machine.travel(london(2026, 3, 10, 9, 0), tick=False):
        duties_reminder_sweep()

    charged.refresh_from_db()
    assert charged.state == DutyState.DONE
    assert charged.reminded_at is None
    assert not DutyNotification.objects.filter(duty=charged).exists()


def test_an_unassigned_witness_care_duty_reminds_the_units_supervisors(
    make_crime, officer, orgs, witness_care_officer
) -> None:
    wcu_supervisor = UserFactory(
        organisation=orgs["wcu"], role=Role.SUPERVISOR, email="wendy.wcu@example.org"
    )
    with time_machine.travel(london(2026, 5, 14, 12, 0), tick=False):  # Thursday
        crime = make_crime(occurred_at=london(2026, 5, 1, 12, 0), victims=[_victim()])
        case_share(actor=officer, crime=crime, organisation=orgs["wcu"])
        event_record(
            actor=witness_care_officer,
            crime=crime,
            code=EventCode.HEARING_SCHEDULED,
            occurred_at=london(2026, 5, 14, 9, 0),
            details={"hearing_at": "2026-06-01T10:00:00+01:00", "court": "Example Court"},
        )
        duties_reminder_sweep()

    hearing = _duty(crime, "hearing-scheduled-inform")
    assert hearing.assignee_id is None
    assert hearing.due_at == end_of(dt.date(2026, 5, 15))
    assert _reminders(hearing) == [wcu_supervisor.pk]


# --- Overdue and escalation ----------------------------------------------------------


def test_the_overdue_sweep_marks_only_open_duties_past_their_deadline(
    make_crime, officer, supervisor
) -> None:
    crime = _charged(make_crime, officer, at=london(2026, 3, 4, 11, 0))
    victim = crime.victim_links.get().victim
    referral = _duty(crime, "crime-reported-support-referral")  # due Friday 6 March
    with time_machine.travel(london(2026, 3, 5, 11, 0), tick=False):
        event_record(
            actor=officer,
            crime=crime,
            code=EventCode.CONTACT_CALL,
            occurred_at=london(2026, 3, 5, 10, 0),
            victim=victim,
            fulfils=[referral.pk],
        )

    with time_machine.travel(london(2026, 3, 9, 9, 0), tick=False):  # Monday
        marked = duties_overdue_sweep()

    states = dict(Duty.objects.filter(crime=crime).values_list("rule__code", "state"))
    assert states == {
        "crime-reported-record": DutyState.OVERDUE,  # due Thursday (24 hours)
        "crime-reported-needs-assessment": DutyState.OVERDUE,  # due Friday
        "crime-reported-contact-plan": DutyState.OVERDUE,
        "crime-reported-support-referral": DutyState.DONE,  # done in time: stays done
        "crime-reported-written-confirmation": DutyState.OPEN,  # due Wednesday 11th
        "charged-inform": DutyState.OPEN,  # due Wednesday 11th
    }
    assert marked == 3
    overdue = Duty.objects.filter(crime=crime, state=DutyState.OVERDUE)
    assert set(overdue.values_list("overdue_at", flat=True)) == {london(2026, 3, 9, 9, 0)}
    # Each is escalated to the team's supervisor, not to the officer.
    escalations = DutyNotification.objects.filter(kind=NotificationKind.ESCALATION)
    assert sorted(escalations.values_list("duty_id", flat=True)) == sorted(
        overdue.values_list("pk", flat=True)
    )
    assert set(escalations.values_list("recipient_id", flat=True)) == {supervisor.pk}


def test_a_team_without_a_supervisor_escalates_to_the_bcu(make_crime, officer, orgs) -> None:
    bcu_supervisor = UserFactory(
        organisation=orgs["bcu"], role=Role.SUPERVISOR, email="bea.bcu@example.org"
    )
    crime = _charged(make_crime, officer, at=london(2026, 3, 4, 11, 0))

    with time_machine.travel(london(2026, 3, 12, 9, 0), tick=False):
        duties_overdue_sweep()

    overdue = Duty.objects.filter(crime=crime, state=DutyState.OVERDUE)
    assert overdue.count() == 6
    recipients = DutyNotification.objects.filter(
        duty__in=overdue, kind=NotificationKind.ESCALATION
    ).values_list("recipient_id", flat=True)
    assert list(recipients) == [bcu_supervisor.pk] * 6


def test_running_the_overdue_sweep_twice_escalates_once(make_crime, officer, supervisor) -> None:
    crime = _charged(make_crime, officer, at=london(2026, 3, 4, 11, 0))

    with time_machine.travel(london(2026, 3, 12, 9, 0), tick=False):
        first = duties_overdue_sweep()
    with time_machine.travel(london(2026, 3, 12, 9, 15), tick=False):
        second = duties_overdue_sweep()

    assert (first, second) == (6, 0)
    assert set(Duty.objects.filter(crime=crime).values_list("overdue_at", flat=True)) == {
        london(2026, 3, 12, 9, 0)
    }
    assert DutyNotification.objects.filter(kind=NotificationKind.ESCALATION).count() == 6


def test_a_duty_past_its_deadline_is_escalated_not_reminded(make_crime, officer) -> None:
    crime = _charged(make_crime, officer, at=london(2026, 3, 4, 11, 0))
    # The reminder sweep runs first: the duties are still open but already late.
    with time_machine.travel(london(2026, 3, 12, 9, 0), tick=False):
        assert duties_reminder_sweep() == 0
        duties_overdue_sweep()
        assert duties_reminder_sweep() == 0

    assert not DutyNotification.objects.filter(
        duty__crime=crime, kind=NotificationKind.REMINDER
    ).exists()
