"""Stories of the duties engine: events create what victims are owed, contacts fulfil it.

Each story records events through the case record's own services (as the pages
and the API do) and checks the duties that result, with exact deadlines on the
England and Wales calendar.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from victimcare.cases import messages as case_msg
from victimcare.cases.constants import CrimeStatus, EnhancedReason, EventCode, VictimRole
from victimcare.cases.services import (
    NeedsInput,
    VictimInput,
    case_share,
    event_record,
    needs_assessment_record,
    victim_add,
)
from victimcare.core.constants import AuditAction
from victimcare.core.models import AuditEvent
from victimcare.duties import messages
from victimcare.duties.constants import REASON_INVESTIGATION_CLOSED, DutyState, Owner
from victimcare.duties.models import Duty
from victimcare.duties.selectors import duty_explain, duty_history
from victimcare.duties.services import duty_not_applicable

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def london(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LONDON)


def end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=LONDON)


def _victim(**needs: object) -> VictimInput:
    return VictimInput(
        full_name="Test Victim",
        phone="07700 900001",
        needs=NeedsInput(**needs) if needs else None,  # type: ignore[arg-type]
    )


def _duty(crime, code: str) -> Duty:  # type: ignore[no-untyped-def]
    return Duty.objects.exclude(state=DutyState.REPLACED).get(crime=crime, rule__code=code)


def test_a_reported_crime_owes_each_victim_the_reporting_duties(make_crime, officer):
    crime = make_crime(victims=[_victim(), _victim()])

    duties = Duty.objects.filter(crime=crime)
    # Two victims, each owed the five reporting duties (no compensation duty:
    # common assault is not violence with injury).
    assert duties.count() == 10
    assert set(duties.values_list("rule__code", flat=True)) == {
        "crime-reported-record",
        "crime-reported-written-confirmation",
        "crime-reported-needs-assessment",
        "crime-reported-support-referral",
        "crime-reported-contact-plan",
    }
    assert set(duties.values_list("assignee", flat=True)) == {officer.pk}
    assert set(duties.values_list("owner_organisation", flat=True)) == {crime.team_id}
    assert set(duties.values_list("state", flat=True)) == {DutyState.OPEN}


def test_violence_with_injury_adds_the_compensation_duty(make_crime):
    crime = make_crime(offence="abh", victims=[_victim()])
    assert _duty(crime, "crime-reported-compensation-information").right == 5


def test_charged_on_christmas_eve_for_an_enhanced_victim_is_due_on_29_december(make_crime):
    with time_machine.travel(london(2026, 12, 24, 17, 0), tick=False):
        crime = make_crime(
            offence="gbh-with-intent",  # most serious crime: enhanced rights
            occurred_at=london(2026, 12, 20, 22, 0),
            victims=[_victim()],
        )
        event_record(
            actor=crime.oic,
            crime=crime,
            code=EventCode.CHARGED,
            occurred_at=dt.datetime(2026, 12, 24, 16, 30, tzinfo=dt.UTC),
        )

    duty = _duty(crime, "charged-inform")
    assert duty.enhanced is True
    assert duty.due_at == end_of(dt.date(2026, 12, 29))
    skipped = [(d["date"], d["reason"]) for d in duty_explain(duty=duty)["skipped_days"]]
    assert skipped == [
        ("2026-12-25", "Christmas Day"),
        ("2026-12-26", "Saturday"),
        ("2026-12-27", "Sunday"),
        ("2026-12-28", "Boxing Day (observed)"),
    ]


def test_enhanced_eligibility_recognised_mid_case_tightens_open_deadlines(make_crime, officer):
    with time_machine.travel(london(2026, 3, 2, 9, 0), tick=False):  # a Monday
        crime = make_crime(occurred_at=london(2026, 3, 1, 20, 0), victims=[_victim()])
        event_record(
            actor=officer,
            crime=crime,
            code=EventCode.SUSPECT_ARRESTED,
            occurred_at=london(2026, 3, 2, 8, 0),
        )
    standard = _duty(crime, "suspect-arrested-inform")
    assert standard.due_at == end_of(dt.date(2026, 3, 9))  # 5 working days
    victim = crime.victim_links.get().victim

    with time_machine.travel(london(2026, 3, 2, 15, 0), tick=False):
        needs_assessment_record(
            actor=officer,
            victim=victim,
            crime=crime,
            needs=NeedsInput(enhanced=True, enhanced_reasons=[EnhancedReason.INTIMIDATED]),
        )

    tightened = _duty(crime, "suspect-arrested-inform")
    assert tightened.pk != standard.pk
    assert tightened.enhanced is True
    assert tightened.due_at == end_of(dt.date(2026, 3, 3))  # 1 working day
    standard.refresh_from_db()
    assert standard.state == DutyState.REPLACED
    assert standard.replaced_by_id == tightened.pk
    assert [d.pk for d in duty_history(duty=tightened)] == [standard.pk, tightened.pk]
    # The needs assessment deadline is the same for both: nothing to tighten.
    assert not Duty.objects.filter(
        crime=crime, rule__code="crime-reported-needs-assessment", state=DutyState.REPLACED
    ).exists()


def test_a_witness_care_duty_starts_its_clock_when_the_hearing_date_is_received(
    make_crime, officer, orgs, witness_care_officer
):
    with time_machine.travel(london(2026, 5, 14, 12, 0), tick=False):  # Thursday
        crime = make_crime(occurred_at=london(2026, 5, 1, 12, 0), victims=[_victim()])
        case_share(actor=officer, crime=crime, organisation=orgs["wcu"])
        event_record(
            actor=witness_care_officer,
            crime=crime,
            code=EventCode.HEARING_SCHEDULED,
            occurred_at=london(2026, 5, 11, 10, 0),  # set on Monday
            received_at=london(2026, 5, 14, 9, 0),  # reached the WCU on Thursday
            details={"hearing_at": "2026-06-01T10:00:00+01:00", "court": "Example Court"},
        )

    duty = _duty(crime, "hearing-scheduled-inform")
    assert duty.owner == Owner.WCU
    assert duty.owner_organisation_id == orgs["wcu"].pk
    assert duty.assignee_id is None
    assert duty.started_at == london(2026, 5, 14, 9, 0)
    assert duty.due_at == end_of(dt.date(2026, 5, 15))  # 1 working day from receipt


def test_a_contact_fulfils_the_duties_it_names_on_time_or_late(make_crime, officer):
    with time_machine.travel(london(2026, 3, 2, 9, 0), tick=False):
        crime = make_crime(occurred_at=london(2026, 3, 1, 20, 0), victims=[_victim()])
    victim = crime.victim_links.get().victim
    confirmation = _duty(crime, "crime-reported-written-confirmation")
    referral = _duty(crime, "crime-reported-support-referral")

    with time_machine.travel(london(2026, 3, 4, 11, 0), tick=False):
        call, _ = event_record(
            actor=officer,
            crime=crime,
            code=EventCode.CONTACT_CALL,
            occurred_at=london(2026, 3, 4, 10, 0),
            victim=victim,
            fulfils=[referral.pk],
        )
    with time_machine.travel(london(2026, 3, 20, 11, 0), tick=False):
        event_record(
            actor=officer,
            crime=crime,
            code=EventCode.CONTACT_LETTER,
            occurred_at=london(2026, 3, 20, 10, 0),
            victim=victim,
            fulfils=[confirmation.pk],
        )

    referral.refresh_from_db()
    confirmation.refresh_from_db()
    assert (referral.state, referral.on_time, referral.completed_event_id) == (
        DutyState.DONE,
        True,
        call.pk,
    )
    assert (confirmation.state, confirmation.on_time) == (DutyState.DONE, False)
    assert referral.completed_by_id == officer.pk


def test_a_contact_cannot_fulfil_what_is_not_owed_and_changes_nothing(make_crime, officer):
    crime = make_crime(victims=[_victim()])
    other = make_crime(victims=[_victim()])
    victim = crime.victim_links.get().victim
    mine = _duty(crime, "crime-reported-support-referral")
    theirs = _duty(other, "crime-reported-support-referral")
    events_before = crime.events.count()

    with pytest.raises(ValidationError) as not_a_contact:
        event_record(
            actor=officer,
            crime=crime,
            code=EventCode.SUSPECT_ARRESTED,
            occurred_at=crime.occurred_at,
            fulfils=[mine.pk],
        )
    with pytest.raises(ValidationError) as other_crime:
        event_record(
            actor=officer,
            crime=crime,
            code=EventCode.CONTACT_CALL,
            occurred_at=crime.occurred_at,
            victim=victim,
            fulfils=[theirs.pk],
        )

    assert not_a_contact.value.message_dict["fulfils"] == [case_msg.FULFILS_NOT_A_CONTACT]
    assert other_crime.value.message_dict["fulfils"] == [case_msg.FULFILS_DUTY_INVALID]
    assert crime.events.count() == events_before
    mine.refresh_from_db()
    assert mine.state == DutyState.OPEN


def test_a_contact_with_one_victim_does_not_fulfil_anothers_duty(make_crime, officer):
    crime = make_crime(victims=[_victim(), _victim()])
    first, second = [link.victim for link in crime.victim_links.order_by("pk")]
    seconds_duty = Duty.objects.get(
        crime=crime, victim=second, rule__code="crime-reported-support-referral"
    )
    with pytest.raises(ValidationError) as refused:
        event_record(
            actor=officer,
            crime=crime,
            code=EventCode.CONTACT_CALL,
            occurred_at=crime.occurred_at,
            victim=first,
            fulfils=[seconds_duty.pk],
        )
    assert refused.value.message_dict["fulfils"] == [case_msg.FULFILS_DUTY_OTHER_VICTIM]


def test_regular_updates_follow_the_agreed_interval_until_the_investigation_closes(
    make_crime, officer
):
    with time_machine.travel(london(2026, 4, 1, 9, 0), tick=False):
        crime = make_crime(
            occurred_at=london(2026, 3, 31, 20, 0), victims=[_victim(update_interval_days=14)]
        )
    victim = crime.victim_links.get().victim
    first = _duty(crime, "contact-plan-update")
    assert first.due_at == end_of(dt.date(2026, 4, 15))  # 14 calendar days

    with time_machine.travel(london(2026, 4, 10, 12, 0), tick=False):
        event_record(
            actor=officer,
            crime=crime,
            code=EventCode.CONTACT_CALL,
            occurred_at=london(2026, 4, 10, 11, 0),
            victim=victim,
            fulfils=[first.pk],
        )
    second = Duty.objects.get(previous=first)
    assert second.state == DutyState.OPEN
    assert second.due_at == end_of(dt.date(2026, 4, 24))  # 14 days after the call

    # Reassessing needs does not start a second chain.
    with time_machine.travel(london(2026, 4, 11, 12, 0), tick=False):
        needs_assessment_record(actor=officer, victim=victim, crime=crime, needs=NeedsInput())
    assert Duty.objects.filter(crime=crime, rule__code="contact-plan-update").count() == 2

    with time_machine.travel(london(2026, 4, 12, 12, 0), tick=False):
        event_record(
            actor=officer,
            crime=crime,
            code=EventCode.CHARGED,
            occurred_at=london(2026, 4, 12, 11, 0),
        )
    crime.refresh_from_db()
    second.refresh_from_db()
    assert crime.status == CrimeStatus.SUSPECT_CHARGED
    assert second.state == DutyState.NOT_APPLICABLE
    assert second.closed_reason == REASON_INVESTIGATION_CLOSED


def test_recording_the_same_event_twice_creates_its_duties_once(make_crime, officer):
    crime = make_crime(victims=[_victim()])
    for _ in range(2):
        event_record(
            actor=officer,
            crime=crime,
            code=EventCode.SUSPECT_ARRESTED,
            occurred_at=crime.occurred_at,
            idempotency_key="arrest-1",
        )
    assert Duty.objects.filter(crime=crime, rule__code="suspect-arrested-inform").count() == 1


def test_a_custodial_sentence_of_a_year_refers_to_the_victim_contact_scheme(
    make_crime, officer, orgs, witness_care_officer
):
    long = make_crime(offence="gbh", victims=[_victim()])
    short = make_crime(offence="gbh", victims=[_victim()])
    for crime, months in ((long, 18), (short, 6)):
        case_share(actor=officer, crime=crime, organisation=orgs["wcu"])
        event_record(
            actor=witness_care_officer,
            crime=crime,
            code=EventCode.SENTENCED,
            occurred_at=crime.occurred_at,
            details={"sentence": "Imprisonment", "custody_months": months},
        )
    assert _duty(long, "sentenced-vcs-referral").owner_organisation_id == orgs["wcu"].pk
    assert not Duty.objects.filter(crime=short, rule__code="sentenced-vcs-referral").exists()
    assert Duty.objects.filter(crime=short, rule__code="sentenced-explain").count() == 1


def test_a_victim_added_later_is_owed_the_reporting_duties_from_then(make_crime, officer):
    with time_machine.travel(london(2026, 3, 2, 9, 0), tick=False):
        crime = make_crime(occurred_at=london(2026, 3, 1, 20, 0), victims=[_victim()])
    with time_machine.travel(london(2026, 3, 9, 9, 0), tick=False):
        added = victim_add(actor=officer, crime=crime, data=_victim())
        parent = victim_add(
            actor=officer,
            crime=crime,
            data=VictimInput(
                full_name="Test Parent", phone="07700 900002", role=VictimRole.PARENT_OR_GUARDIAN
            ),
        )
    late = Duty.objects.get(crime=crime, victim=added, rule__code="crime-reported-needs-assessment")
    assert late.started_at == london(2026, 3, 9, 9, 0)
    assert late.due_at == end_of(dt.date(2026, 3, 11))
    # A parent receives the victim's duties; they are owed none of their own.
    assert not Duty.objects.filter(victim=parent).exists()


def test_not_applicable_needs_a_reason_and_records_who_said_so(make_crime, officer):
    crime = make_crime(victims=[_victim()])
    duty = _duty(crime, "crime-reported-support-referral")

    with pytest.raises(ValidationError) as refused:
        duty_not_applicable(actor=officer, duty=duty, reason="  ")
    assert refused.value.message_dict["reason"] == [messages.NOT_APPLICABLE_REASON_REQUIRED]
    duty.refresh_from_db()
    assert duty.state == DutyState.OPEN

    duty_not_applicable(actor=officer, duty=duty, reason="The victim opted out of referral.")
    duty.refresh_from_db()
    assert duty.state == DutyState.NOT_APPLICABLE
    assert duty.closed_by_id == officer.pk
    assert AuditEvent.objects.filter(
        action=AuditAction.CHANGE, object_type="duties.duty", object_id=str(duty.pk)
    ).exists()
    with pytest.raises(ValidationError) as again:
        duty_not_applicable(actor=officer, duty=duty, reason="Twice.")
    assert again.value.message_dict["duty"] == [messages.DUTY_NOT_OWED]


def test_only_those_who_owe_a_duty_may_close_it(make_crime, other_officer, analyst, desk_agent):
    crime = make_crime(victims=[_victim()])
    duty = _duty(crime, "crime-reported-support-referral")
    for outsider in (other_officer, analyst):
        with pytest.raises(PermissionDenied):
            duty_not_applicable(actor=outsider, duty=duty, reason="Not mine.")
    # The Victim Focus Desk gives updates on the police's behalf.
    assert desk_agent.has_perm("duties.act_on_duty", duty)
    duty.refresh_from_db()
    assert duty.state == DutyState.OPEN


def test_a_contact_with_nobody_named_cannot_fulfil_a_duty(make_crime, officer):
    crime = make_crime(victims=[_victim()])
    duty = _duty(crime, "crime-reported-support-referral")
    with pytest.raises(ValidationError) as refused:
        event_record(
            actor=officer,
            crime=crime,
            code=EventCode.CONTACT_CALL,
            occurred_at=crime.occurred_at,
            fulfils=[duty.pk],
        )
    assert refused.value.message_dict["victim"] == [case_msg.FULFILS_NEEDS_A_PERSON]
    duty.refresh_from_db()
    assert duty.state == DutyState.OPEN
