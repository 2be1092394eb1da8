"""Journey events: idempotent, append-only, typed, and they move the case on."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from victimcare.cases import messages as msg
from victimcare.cases.constants import CrimeOutcome, CrimeStatus, EnhancedReason, EventCode
from victimcare.cases.models import (
    ImmutableRowError,
    JourneyEvent,
    NeedsAssessmentVersion,
)
from victimcare.cases.permissions import recordable_event_codes
from victimcare.cases.services import (
    NeedsInput,
    VictimInput,
    case_share,
    event_record,
    needs_assessment_record,
)
from victimcare.core.constants import AuditAction
from victimcare.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _hearing(days: int = 14) -> dict[str, str]:
    return {
        "hearing_at": (timezone.now() + dt.timedelta(days=days)).isoformat(),
        "court": "Example Magistrates' Court",
    }


@pytest.fixture
def crime(make_crime):
    return make_crime(victims=[VictimInput(full_name="Test Victim", phone="07700 900001")])


@pytest.fixture
def shared_crime(crime, officer, orgs):
    for org in ("wcu", "cps"):
        case_share(actor=officer, crime=crime, organisation=orgs[org])
    return crime


def test_a_retried_post_with_the_same_key_is_stored_once(shared_crime, witness_care_officer):
    arguments = {
        "actor": witness_care_officer,
        "crime": shared_crime,
        "code": EventCode.HEARING_SCHEDULED,
        "occurred_at": timezone.now() - dt.timedelta(hours=2),
        "details": _hearing(),
        "idempotency_key": "wcu-batch-17",
    }
    first, created = event_record(**arguments)
    again, created_again = event_record(**arguments)

    assert created is True and created_again is False
    assert again.pk == first.pk
    assert JourneyEvent.objects.filter(idempotency_key="wcu-batch-17").count() == 1
    assert (
        AuditEvent.objects.filter(action=AuditAction.CREATE, detail__event_id=first.pk).count() == 1
    )


def test_another_organisation_may_use_the_same_key(shared_crime, witness_care_officer, cps_lawyer):
    when = timezone.now() - dt.timedelta(hours=2)
    wcu_event, _ = event_record(
        actor=witness_care_officer,
        crime=shared_crime,
        code=EventCode.HEARING_SCHEDULED,
        occurred_at=when,
        details=_hearing(),
        idempotency_key="key-1",
    )
    cps_event, created = event_record(
        actor=cps_lawyer,
        crime=shared_crime,
        code=EventCode.CHARGE_ALTERED,
        occurred_at=when,
        idempotency_key="key-1",
    )

    assert created is True
    assert cps_event.pk != wcu_event.pk
    assert JourneyEvent.objects.filter(idempotency_key="key-1").count() == 2


def test_a_key_reused_for_another_case_is_refused(make_crime, officer):
    first, second = make_crime(), make_crime()
    when = timezone.now() - dt.timedelta(hours=1)
    event_record(
        actor=officer,
        crime=first,
        code=EventCode.SUSPECT_ARRESTED,
        occurred_at=when,
        idempotency_key="k",
    )
    with pytest.raises(ValidationError) as refused:
        event_record(
            actor=officer,
            crime=second,
            code=EventCode.SUSPECT_ARRESTED,
            occurred_at=when,
            idempotency_key="k",
        )
    assert refused.value.message_dict == {"idempotency_key": [msg.IDEMPOTENCY_KEY_REUSED]}
    assert not JourneyEvent.objects.filter(crime=second, code=EventCode.SUSPECT_ARRESTED).exists()


def test_events_and_needs_versions_are_never_changed_or_deleted(make_crime, officer):
    crime = make_crime(
        victims=[
            VictimInput(full_name="Test Victim", needs=NeedsInput(support_wanted=["emotional"]))
        ]
    )
    event = JourneyEvent.objects.filter(crime=crime).first()
    version = NeedsAssessmentVersion.objects.get(assessment__victim__crime_links__crime=crime)

    event.summary = "changed"
    with pytest.raises(ImmutableRowError):
        event.save()
    with pytest.raises(ImmutableRowError):
        event.delete()
    version.enhanced = True
    with pytest.raises(ImmutableRowError):
        version.save()
    with pytest.raises(ImmutableRowError):
        version.delete()
    event.refresh_from_db()
    assert event.summary == ""


def test_a_correction_supersedes_the_event_it_corrects(shared_crime, witness_care_officer):
    when = timezone.now() - dt.timedelta(hours=3)
    wrong, _ = event_record(
        actor=witness_care_officer,
        crime=shared_crime,
        code=EventCode.HEARING_SCHEDULED,
        occurred_at=when,
        details=_hearing(14),
    )
    right, _ = event_record(
        actor=witness_care_officer,
        crime=shared_crime,
        code=EventCode.HEARING_CHANGED,
        occurred_at=when,
        details=_hearing(15),
        supersedes=wrong,
        summary="Date corrected",
    )
    assert list(wrong.superseded_by.all()) == [right]
    assert JourneyEvent.objects.filter(pk=wrong.pk).exists()


def test_a_change_of_enhanced_eligibility_is_on_the_timeline_of_every_case(
    make_crime, officer, witness_care_officer, orgs
):
    crime = make_crime(victims=[VictimInput(full_name="Test Victim", needs=NeedsInput())])
    victim = crime.victim_links.get().victim
    case_share(actor=officer, crime=crime, organisation=orgs["wcu"])

    needs_assessment_record(
        actor=witness_care_officer,
        victim=victim,
        crime=crime,
        needs=NeedsInput(enhanced=True, enhanced_reasons=[EnhancedReason.INTIMIDATED]),
    )

    changed = JourneyEvent.objects.get(crime=crime, code=EventCode.ENHANCED_ELIGIBILITY_CHANGED)
    assert changed.victim == victim
    assert changed.details == {"enhanced": True, "reasons": [EnhancedReason.INTIMIDATED]}
    assert changed.recording_organisation == orgs["wcu"]
    versions = NeedsAssessmentVersion.objects.filter(assessment__victim=victim)
    assert sorted(versions.values_list("version", "enhanced")) == [(1, False), (2, True)]
    assert victim.needs.current.version == 2
    assert AuditEvent.objects.filter(
        action=AuditAction.CHANGE, subject_id=str(victim.pk), object_type="cases.needsassessment"
    ).exists()

    # The same eligibility again is a new version but no eligibility change.
    needs_assessment_record(
        actor=officer,
        victim=victim,
        needs=NeedsInput(enhanced=True, enhanced_reasons=[EnhancedReason.INTIMIDATED]),
    )
    assert (
        JourneyEvent.objects.filter(
            crime=crime, code=EventCode.ENHANCED_ELIGIBILITY_CHANGED
        ).count()
        == 1
    )
    assert JourneyEvent.objects.filter(crime=crime, code=EventCode.NEEDS_ASSESSED).count() == 3


def test_probation_may_not_edit_needs(make_crime, officer, probation_officer, orgs):
    crime = make_crime(victims=[VictimInput(full_name="Test Victim")])
    case_share(actor=officer, crime=crime, organisation=orgs["probation"])
    with pytest.raises(PermissionDenied):
        needs_assessment_record(
            actor=probation_officer, victim=crime.victim_links.get().victim, needs=NeedsInput()
        )


def test_events_move_the_case_forward_only(make_crime, officer, cps_lawyer, orgs):
    crime = make_crime()
    case_share(actor=officer, crime=crime, organisation=orgs["cps"])
    when = timezone.now() - dt.timedelta(days=1)
    before = crime.updated_at

    event_record(
        actor=officer,
        crime=crime,
        code=EventCode.CHARGED,
        occurred_at=when,
        details={"charges": ["Common assault"], "first_hearing_at": when.isoformat()},
    )
    crime.refresh_from_db()
    assert crime.status == CrimeStatus.SUSPECT_CHARGED
    assert crime.updated_at > before

    event_record(
        actor=cps_lawyer,
        crime=crime,
        code=EventCode.HEARING_SCHEDULED,
        occurred_at=when,
        details=_hearing(),
    )
    event_record(actor=officer, crime=crime, code=EventCode.CHARGED, occurred_at=when)
    crime.refresh_from_db()
    assert crime.status == CrimeStatus.IN_COURT

    event_record(
        actor=officer,
        crime=crime,
        code=EventCode.CASE_CLOSED,
        occurred_at=when,
        details={"outcome": CrimeOutcome.CONVICTED},
    )
    crime.refresh_from_db()
    assert (crime.status, crime.outcome) == (CrimeStatus.CLOSED, CrimeOutcome.CONVICTED)


def test_bail_conditions_are_kept_as_a_list(make_crime, officer):
    crime = make_crime()
    event, _ = event_record(
        actor=officer,
        crime=crime,
        code=EventCode.RELEASED_ON_BAIL,
        occurred_at=timezone.now() - dt.timedelta(hours=1),
        details={"conditions": [" Not to contact the victim ", "", "Not to enter Hackney"]},
    )
    assert event.details == {"conditions": ["Not to contact the victim", "Not to enter Hackney"]}
    assert event.received_at == event.occurred_at


@pytest.mark.parametrize(
    ("persona", "may", "may_not"),
    [
        ("officer", EventCode.SUSPECT_ARRESTED, EventCode.HEARING_SCHEDULED),
        ("witness_care_officer", EventCode.VERDICT, EventCode.CHARGED),
        ("cps_lawyer", EventCode.CHARGE_DROPPED, EventCode.SUSPECT_ARRESTED),
        ("court_clerk", EventCode.HEARING_CHANGED, EventCode.CHARGE_DROPPED),
        ("probation_officer", EventCode.OFFENDER_RELEASED, EventCode.SENTENCED),
        ("desk_agent", EventCode.CONTACT_CALL, EventCode.SUSPECT_ARRESTED),
        ("support_caseworker", EventCode.CONTACT_VISIT, EventCode.VCS_REFERRAL_RECEIVED),
    ],
)
def test_each_organisation_records_the_events_it_owns(
    request, make_crime, officer, orgs, persona, may, may_not
):
    actor = request.getfixturevalue(persona)
    crime = make_crime()
    if actor.organisation != orgs["team"]:
        case_share(actor=officer, crime=crime, organisation=actor.organisation)
    codes = recordable_event_codes(user=actor, crime=crime)
    assert may in codes and may_not not in codes
    assert EventCode.CONTACT_LETTER in codes
    for system_code in (EventCode.CRIME_REPORTED, EventCode.CASE_SHARED, EventCode.NEEDS_ASSESSED):
        assert system_code not in codes
    when = timezone.now() - dt.timedelta(hours=1)
    details = _hearing() if may in (EventCode.HEARING_SCHEDULED, EventCode.HEARING_CHANGED) else {}
    _, created = event_record(actor=actor, crime=crime, code=may, occurred_at=when, details=details)
    assert created
    with pytest.raises(ValidationError) as refused:
        event_record(actor=actor, crime=crime, code=may_not, occurred_at=when)
    assert refused.value.message_dict == {"code": [msg.EVENT_CODE_NOT_ALLOWED]}


def test_someone_who_cannot_see_the_case_cannot_record_on_it(make_crime, other_officer):
    crime = make_crime(restricted_by_officer=True, restricted_reason="Witness at risk")
    with pytest.raises(PermissionDenied):
        event_record(
            actor=other_officer,
            crime=crime,
            code=EventCode.CONTACT_CALL,
            occurred_at=timezone.now(),
        )
