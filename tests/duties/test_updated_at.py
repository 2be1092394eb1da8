"""Every change to a duty moves its `updated_at`: the partner API's incremental
sync (docs/api-sync.md) finds changed duties by it, so a writer that forgets
it hides that change from every partner system.

One story per way a duty changes, each at a moment of its own (the clock is
travelled, never waited on), checking that the duties it changed, and only
those, now carry that moment.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from victimcare.cases.constants import EnhancedReason, EventCode
from victimcare.cases.services import NeedsInput, VictimInput, event_record, needs_assessment_record
from victimcare.duties.constants import REASON_INVESTIGATION_CLOSED, DutyState
from victimcare.duties.jobs import duties_overdue_sweep, duties_reminder_sweep
from victimcare.duties.models import Duty
from victimcare.duties.services import (
    duty_complete_by_message,
    duty_not_applicable,
    duty_reopen,
)

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
REPORTED = dt.datetime(2026, 3, 2, 9, 0, tzinfo=LONDON)  # a Monday
REFERRAL = "crime-reported-support-referral"
MESSAGE_ID = "test-message-0001"


def _victim() -> VictimInput:
    return VictimInput(full_name="Test Victim", phone="07700 900002")


def _at(minutes: int) -> dt.datetime:
    return REPORTED + dt.timedelta(minutes=minutes)


def _updated(crime) -> dict[int, dt.datetime]:  # type: ignore[no-untyped-def]
    return dict(Duty.objects.filter(crime=crime).values_list("pk", "updated_at"))


def _reported(make_crime):  # type: ignore[no-untyped-def]
    with time_machine.travel(REPORTED, tick=False):
        return make_crime(occurred_at=REPORTED - dt.timedelta(hours=12), victims=[_victim()])


def _moved(before: dict[int, dt.datetime], after: dict[int, dt.datetime]) -> dict[int, dt.datetime]:
    return {pk: when for pk, when in after.items() if before.get(pk) != when}


def test_a_new_duty_is_updated_when_it_is_made(make_crime) -> None:
    crime = _reported(make_crime)

    assert set(_updated(crime).values()) == {REPORTED}


def test_a_contact_fulfilling_a_duty_moves_it_even_when_the_contact_happened_earlier(
    make_crime, officer
) -> None:
    crime = _reported(make_crime)
    referral = Duty.objects.get(crime=crime, rule__code=REFERRAL)
    before = _updated(crime)

    with time_machine.travel(_at(30), tick=False):
        event_record(
            actor=officer,
            crime=crime,
            code=EventCode.CONTACT_CALL,
            occurred_at=REPORTED - dt.timedelta(hours=1),
            victim=crime.victim_links.get().victim,
            fulfils=[referral.pk],
        )

    assert _moved(before, _updated(crime)) == {referral.pk: _at(30)}


def test_saying_a_duty_does_not_apply_moves_it(make_crime, officer) -> None:
    crime = _reported(make_crime)
    referral = Duty.objects.get(crime=crime, rule__code=REFERRAL)
    before = _updated(crime)

    with time_machine.travel(_at(45), tick=False):
        duty_not_applicable(actor=officer, duty=referral, reason="Declined support.")

    assert _moved(before, _updated(crime)) == {referral.pk: _at(45)}


def test_the_overdue_sweep_moves_the_duties_it_marks(make_crime) -> None:
    crime = _reported(make_crime)
    before = _updated(crime)
    late = Duty.objects.filter(crime=crime).order_by("due_at").first()
    assert late is not None
    sweep = late.due_at + dt.timedelta(minutes=1)

    with time_machine.travel(sweep, tick=False):
        duties_overdue_sweep(now=sweep)

    overdue = set(
        Duty.objects.filter(crime=crime, state=DutyState.OVERDUE).values_list("pk", flat=True)
    )
    assert late.pk in overdue
    assert _moved(before, _updated(crime)) == dict.fromkeys(overdue, sweep)


def test_the_reminder_sweep_moves_the_duties_it_reminds(make_crime) -> None:
    crime = _reported(make_crime)
    before = _updated(crime)
    sweep = _at(60)

    with time_machine.travel(sweep, tick=False):
        duties_reminder_sweep(now=sweep)

    reminded = set(Duty.objects.filter(crime=crime, reminded_at=sweep).values_list("pk", flat=True))
    assert reminded
    assert _moved(before, _updated(crime)) == dict.fromkeys(reminded, sweep)


def test_a_tighter_deadline_moves_the_replaced_duty_and_dates_its_replacement(
    make_crime, officer
) -> None:
    crime = _reported(make_crime)
    victim = crime.victim_links.get().victim
    with time_machine.travel(_at(10), tick=False):
        event_record(
            actor=officer, crime=crime, code=EventCode.SUSPECT_ARRESTED, occurred_at=_at(5)
        )
    before = _updated(crime)

    with time_machine.travel(_at(20), tick=False):
        needs_assessment_record(
            actor=officer,
            victim=victim,
            crime=crime,
            needs=NeedsInput(enhanced=True, enhanced_reasons=[EnhancedReason.INTIMIDATED]),
        )

    replaced = set(
        Duty.objects.filter(crime=crime, state=DutyState.REPLACED).values_list("pk", flat=True)
    )
    replacements = set(
        Duty.objects.filter(replaces__isnull=False, crime=crime).values_list("pk", flat=True)
    )
    assert replaced and replacements
    moved = _moved(before, _updated(crime))
    assert replaced | replacements <= set(moved)
    assert {moved[pk] for pk in replaced | replacements} == {_at(20)}


def test_charging_moves_the_regular_updates_it_ends(make_crime, officer) -> None:
    crime = _reported(make_crime)
    # The needs assessment agrees the contact plan, which starts the regular updates.
    with time_machine.travel(_at(10), tick=False):
        needs_assessment_record(
            actor=officer,
            victim=crime.victim_links.get().victim,
            crime=crime,
            needs=NeedsInput(),
        )
    before = _updated(crime)

    with time_machine.travel(_at(90), tick=False):
        event_record(actor=officer, crime=crime, code=EventCode.CHARGED, occurred_at=_at(80))

    ended = set(
        Duty.objects.filter(
            crime=crime, state=DutyState.NOT_APPLICABLE, closed_reason=REASON_INVESTIGATION_CLOSED
        ).values_list("pk", flat=True)
    )
    assert ended
    moved = _moved(before, _updated(crime))
    assert {moved[pk] for pk in ended} == {_at(90)}


def test_a_message_completing_a_duty_and_its_failure_reopening_it_each_move_it(
    make_crime,
) -> None:
    crime = _reported(make_crime)
    referral = Duty.objects.get(crime=crime, rule__code=REFERRAL)

    with time_machine.travel(_at(120), tick=False):
        duty_complete_by_message(
            duty=referral,
            message_id=MESSAGE_ID,
            code=EventCode.CONTACT_MESSAGE,
            channel_label="Text",
            at=_at(100),
        )
    referral.refresh_from_db()
    assert (referral.state, referral.updated_at) == (DutyState.DONE, _at(120))
    before = _updated(crime)

    with time_machine.travel(_at(180), tick=False):
        duty_reopen(duty=referral, message_id=MESSAGE_ID, reason="permanent-failure")

    referral.refresh_from_db()
    assert referral.state == DutyState.OPEN
    assert _moved(before, _updated(crime)) == {referral.pk: _at(180)}
