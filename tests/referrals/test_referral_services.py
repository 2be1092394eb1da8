"""Making a referral (issue 8, item 2), as stories: a burglary victim in Sutton
is referred automatically and the Right 4 duty completes; a rape victim is not
referred until explicit consent is recorded, then goes to an ISVA service
covering their borough; the gate lists every problem; nothing is sent twice or
without consent; sharing is audited as a disclosure; the organisation's email
carries no personal data; a decline completes the duty too.

Fake data only (Ofcom drama numbers, example.org addresses)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone

from victimcare.accounts.models import Area
from victimcare.cases.constants import ConsentKind, ConsentMethod, EventCode
from victimcare.cases.models import ConsentRecord, Crime, Victim
from victimcare.cases.services import NeedsInput, VictimInput
from victimcare.core.constants import AuditAction
from victimcare.core.models import AuditEvent
from victimcare.duties.constants import DutyState
from victimcare.duties.models import Duty
from victimcare.messaging.constants import RecipientKind, TaskKind, TaskState
from victimcare.messaging.dispatch import safe_channel_confirm
from victimcare.messaging.models import ContactTask, OutboundMessage
from victimcare.referrals import gate
from victimcare.referrals import services as referral_services
from victimcare.referrals.constants import (
    ConsentBasis,
    ReceiveBy,
    ReferralState,
    RiskLevel,
    ServiceKind,
)
from victimcare.referrals.jobs import TASK_DETAILS_MISSING, referrals_automatic_sweep
from victimcare.referrals.models import (
    Referral,
    ReferralSnapshot,
    ReferralStatusEvent,
    SupportService,
)
from victimcare.referrals.services import (
    ALREADY_REFERRED,
    RIGHT_4_RULE,
    referral_consent_record,
    referral_decline_record,
    referral_send,
)
from victimcare.referrals.snapshot import snapshot_loads

pytestmark = pytest.mark.django_db

VICTIM_NAME = "Amina Example"
VICTIM_PHONE = "07700 900412"
VICTIM_EMAIL = "amina.example@example.org"
MAILBOX = "referrals@support.example.org"


@pytest.fixture
def sutton(areas, orgs) -> Area:  # type: ignore[no-untyped-def]
    """Sutton, policed (in these tests) by Central East; `make_crime(area="sutton")`."""
    area = Area.objects.get_or_create(
        code="E09000029", defaults={"name": "Sutton", "bcu": orgs["bcu"]}
    )[0]
    areas["sutton"] = area
    return area


@pytest.fixture
def support_org(orgs):  # type: ignore[no-untyped-def]
    return orgs["charity"]


@pytest.fixture
def make_service(support_org):  # type: ignore[no-untyped-def]
    def make(*, boroughs: list[Area], **fields: Any) -> SupportService:
        fields.setdefault("name", "Example Victim Support Sutton")
        fields.setdefault("kind", ServiceKind.GENERAL)
        fields.setdefault("receive_by", ReceiveBy.VICTIMCARE)
        fields.setdefault("referral_email", MAILBOX)
        service = SupportService.objects.create(organisation=support_org, **fields)
        service.boroughs.set(boroughs)
        return service

    return make


@pytest.fixture
def general(make_service, sutton) -> SupportService:  # type: ignore[no-untyped-def]
    return make_service(boroughs=[sutton])


@pytest.fixture
def isva(make_service, sutton) -> SupportService:  # type: ignore[no-untyped-def]
    return make_service(
        boroughs=[sutton],
        name="Example South London ISVA Service",
        kind=ServiceKind.ISVA,
        offence_groups=["sexual_offences"],
    )


def a_victim(**overrides: Any) -> VictimInput:
    values: dict[str, Any] = {
        "full_name": VICTIM_NAME,
        "phone": VICTIM_PHONE,
        "email": VICTIM_EMAIL,
        "date_of_birth": dt.date(1990, 5, 17),
        "needs": NeedsInput(support_wanted=["emotional"]),
    }
    values.update(overrides)
    return VictimInput(**values)


def victim_of(crime: Crime) -> Victim:
    return Victim.objects.get(crime_links__crime=crime)


def right_4(crime: Crime, victim: Victim) -> Duty:
    return Duty.objects.exclude(state=DutyState.REPLACED).get(
        crime=crime, victim=victim, rule__code=RIGHT_4_RULE
    )


def problems_of(error: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    return list(error.value.messages)


# --- Stories ------------------------------------------------------------------------


def test_a_burglary_victim_in_sutton_is_referred_automatically_and_the_duty_completes(
    make_crime, general, sutton
):
    crime = make_crime(offence="burglary-residential", area="sutton", victims=[a_victim()])
    victim = victim_of(crime)
    assert right_4(crime, victim).state == DutyState.OPEN

    counts = referrals_automatic_sweep()

    assert counts["sent"] == 1
    referral = Referral.objects.get(crime=crime, victim=victim)
    assert referral.service == general and referral.organisation == general.organisation
    assert referral.automatic and referral.sent_by is None
    assert referral.consent_basis == ConsentBasis.AUTOMATIC and referral.consent is None
    assert referral.state == ReferralState.SENT
    assert referral.complete_first_time and referral.within_deadline
    shared = snapshot_loads(referral.snapshot)
    assert shared["full_name"] == VICTIM_NAME and shared["borough"] == "Sutton"
    assert ReferralSnapshot.objects.get(referral=referral).version == 1
    status = ReferralStatusEvent.objects.get(referral=referral)
    assert (status.from_state, status.to_state) == ("", ReferralState.SENT)

    duty = right_4(crime, victim)
    assert duty.state == DutyState.DONE and duty.on_time
    assert duty.completed_event == referral.event
    assert referral.event.code == EventCode.REFERRAL_SENT
    assert general.name in referral.event.summary and VICTIM_NAME not in referral.event.summary

    # The next run finds nothing to do: no second referral, no task.
    again = referrals_automatic_sweep()
    assert again["sent"] == 0 and again["task"] == 0
    assert Referral.objects.filter(crime=crime).count() == 1


def test_a_rape_victim_is_referred_to_an_isva_only_after_explicit_consent(
    make_crime, officer, isva, make_service, areas, sutton
):
    elsewhere = make_service(
        boroughs=[areas["north"]],
        name="Example North London ISVA Service",
        kind=ServiceKind.ISVA,
        offence_groups=["sexual_offences"],
    )
    crime = make_crime(offence="rape", area="sutton", victims=[a_victim()])
    victim = victim_of(crime)

    # The automatic job leaves a sexual offence to a person: nothing sent, no task.
    assert referrals_automatic_sweep()["sent"] == 0
    assert not Referral.objects.filter(crime=crime).exists()
    assert not ContactTask.objects.filter(crime=crime, reason=TASK_DETAILS_MISSING).exists()

    # The officer tries without consent: refused, with what to fix.
    with pytest.raises(ValidationError) as refused:
        referral_send(
            actor=officer, crime=crime, victim=victim, service=isva, risk_level=RiskLevel.HIGH
        )
    problems = problems_of(refused)
    assert gate.CONSENT_EXPLICIT.format(reason="this is a sexual offence") in problems
    assert gate.SAFE_CONTACT.format(why="a sexual offence") in problems
    assert not Referral.objects.filter(crime=crime).exists()
    assert right_4(crime, victim).owed

    safe_channel_confirm(actor=officer, crime=crime, victim=victim)
    referral_consent_record(
        actor=officer, crime=crime, victim=victim, method=ConsentMethod.IN_PERSON
    )

    # A service in another borough is still refused, by name of the borough.
    with pytest.raises(ValidationError) as wrong_borough:
        referral_send(
            actor=officer, crime=crime, victim=victim, service=elsewhere, risk_level="high"
        )
    assert problems_of(wrong_borough) == ["This service does not cover Sutton"]

    referral = referral_send(
        actor=officer, crime=crime, victim=victim, service=isva, risk_level=RiskLevel.HIGH
    )
    assert referral.service == isva and not referral.automatic
    assert referral.consent_basis == ConsentBasis.EXPLICIT
    assert referral.consent == ConsentRecord.objects.get(victim=victim, given=True)
    # The first attempt failed the gate, so this was not complete first time.
    assert referral.complete_first_time is False
    assert right_4(crime, victim).state == DutyState.DONE


# --- Refusals -------------------------------------------------------------------------


def test_a_service_not_covering_the_victims_age_is_refused_with_the_reason(
    make_crime, officer, make_service, sutton
):
    adults = make_service(boroughs=[sutton], name="Example Adult Support", min_age=18)
    crime = make_crime(
        offence="burglary-residential",
        area="sutton",
        victims=[a_victim(date_of_birth=timezone.now().date().replace(year=2015))],
    )

    with pytest.raises(ValidationError) as refused:
        referral_send(actor=officer, crime=crime, victim=victim_of(crime), service=adults)

    assert problems_of(refused) == ["This service is for people aged 18 and over"]
    assert not Referral.objects.exists() and not OutboundMessage.objects.exists()


def test_the_gate_lists_every_problem_and_sends_nothing(make_crime, officer, general, sutton):
    crime = make_crime(
        offence="common-assault",
        area="sutton",
        domestic_abuse=True,
        victims=[a_victim(phone="", email="", needs=None)],
    )
    victim = victim_of(crime)

    with pytest.raises(ValidationError) as refused:
        referral_send(actor=officer, crime=crime, victim=victim, service=general)

    assert problems_of(refused) == [
        gate.CONSENT_EXPLICIT.format(reason="the crime is domestic abuse"),
        gate.NO_CONTACT,
        gate.SAFE_CONTACT.format(why="domestic abuse"),
        gate.NEEDS_MISSING,
        gate.RISK_MISSING_DA,
    ]
    assert not Referral.objects.exists() and not OutboundMessage.objects.exists()
    assert right_4(crime, victim).owed
    # The failed attempt is remembered (ids only), for "complete first time".
    attempt = AuditEvent.objects.get(object_type=referral_services.ATTEMPT_OBJECT)
    assert attempt.detail["gate_failed"] is True and attempt.subject_id == str(victim.pk)


def test_an_invalid_phone_number_is_a_gate_problem(make_crime, officer, general, sutton):
    crime = make_crime(offence="burglary-residential", area="sutton", victims=[a_victim()])
    victim = victim_of(crime)
    Victim.objects.filter(pk=victim.pk).update(phone="+12025550123")

    with pytest.raises(ValidationError) as refused:
        referral_send(actor=officer, crime=crime, victim=victim, service=general)

    assert problems_of(refused) == [gate.PHONE_INVALID]


def test_a_victim_is_not_referred_twice_to_the_same_service(make_crime, officer, general, sutton):
    crime = make_crime(offence="burglary-residential", area="sutton", victims=[a_victim()])
    victim = victim_of(crime)
    referral_send(actor=officer, crime=crime, victim=victim, service=general)

    with pytest.raises(ValidationError) as refused:
        referral_send(actor=officer, crime=crime, victim=victim, service=general)

    assert refused.value.message_dict == {"service": [ALREADY_REFERRED]}
    assert Referral.objects.count() == 1 and OutboundMessage.objects.count() == 1


def test_an_officer_of_another_bcu_may_not_refer(make_crime, other_officer, general, sutton):
    crime = make_crime(offence="burglary-residential", area="sutton", victims=[a_victim()])

    with pytest.raises(PermissionDenied):
        referral_send(actor=other_officer, crime=crime, victim=victim_of(crime), service=general)
    assert not Referral.objects.exists()


# --- What is recorded and sent -------------------------------------------------------------


def test_sharing_is_audited_as_a_disclosure_with_ids_only(make_crime, officer, general, sutton):
    crime = make_crime(offence="burglary-residential", area="sutton", victims=[a_victim()])
    victim = victim_of(crime)

    referral = referral_send(actor=officer, crime=crime, victim=victim, service=general)

    entry = AuditEvent.objects.get(action=AuditAction.DISCLOSE, object_type="referrals.referral")
    assert entry.object_id == str(referral.pk) and entry.subject_id == str(victim.pk)
    assert entry.actor_id == officer.pk
    assert entry.detail["service_id"] == general.pk
    assert entry.detail["organisation_id"] == general.organisation_id
    assert entry.detail["crime_id"] == crime.pk
    logged = str(entry.detail) + entry.purpose
    for personal in (VICTIM_NAME, "900412", VICTIM_EMAIL, crime.crn):
        assert personal not in logged


def test_the_organisation_is_emailed_without_personal_data(make_crime, officer, general, sutton):
    crime = make_crime(offence="burglary-residential", area="sutton", victims=[a_victim()])

    referral = referral_send(actor=officer, crime=crime, victim=victim_of(crime), service=general)

    message = OutboundMessage.objects.get()
    assert referral.notification == message
    assert message.recipient == MAILBOX and message.recipient_kind == RecipientKind.STAFF
    assert message.victim_id is None and message.crime_id is None
    assert "/referrals/inbox/" in message.body and general.name in message.body
    text = message.subject + message.body
    for personal in (VICTIM_NAME, "Amina", "900412", VICTIM_EMAIL, crime.crn, "burglary"):
        assert personal.lower() not in text.lower()


def test_a_service_taking_referrals_through_the_api_gets_no_email(
    make_crime, officer, make_service, sutton
):
    service = make_service(boroughs=[sutton], receive_by=ReceiveBy.API)
    crime = make_crime(offence="burglary-residential", area="sutton", victims=[a_victim()])

    referral = referral_send(actor=officer, crime=crime, victim=victim_of(crime), service=service)

    assert referral.notification is None and not OutboundMessage.objects.exists()


# --- Declining --------------------------------------------------------------------------


def test_declining_completes_the_duty_and_stops_automatic_referral(
    make_crime, officer, general, sutton
):
    crime = make_crime(offence="burglary-residential", area="sutton", victims=[a_victim()])
    victim = victim_of(crime)

    record = referral_decline_record(
        actor=officer, crime=crime, victim=victim, method=ConsentMethod.PHONE
    )

    assert record.kind == ConsentKind.REFERRAL and record.given is False
    duty = right_4(crime, victim)
    assert duty.state == DutyState.DONE
    assert duty.completed_event.code == EventCode.REFERRAL_DECLINED
    assert referrals_automatic_sweep()["sent"] == 0
    with pytest.raises(ValidationError) as refused:
        referral_send(actor=officer, crime=crime, victim=victim, service=general)
    assert problems_of(refused) == [gate.CONSENT_DECLINED]
    with pytest.raises(ValidationError) as twice:
        referral_decline_record(
            actor=officer, crime=crime, victim=victim, method=ConsentMethod.PHONE
        )
    assert twice.value.message_dict == {"victim": [referral_services.ALREADY_DECLINED]}


# --- Automatic referral that cannot go ----------------------------------------------------


def test_automatic_referral_with_missing_details_raises_one_task_and_sends_nothing(
    make_crime, officer, general, sutton
):
    crime = make_crime(
        offence="burglary-residential", area="sutton", victims=[a_victim(needs=None)]
    )
    victim = victim_of(crime)

    first = referrals_automatic_sweep()
    second = referrals_automatic_sweep()

    assert first["task"] == 1 and second["task"] == 0
    task = ContactTask.objects.get(crime=crime, victim=victim, reason=TASK_DETAILS_MISSING)
    assert task.kind == TaskKind.UNSAFE_TO_SEND and task.state == TaskState.OPEN
    assert task.assignee_id == officer.pk and task.duty == right_4(crime, victim)
    assert VICTIM_NAME not in task.reason
    assert not Referral.objects.exists() and not OutboundMessage.objects.exists()
    assert right_4(crime, victim).owed


def test_consent_first_rules_can_be_switched_off(make_crime, sutton):
    crime = make_crime(offence="rape", area="sutton", victims=[a_victim()])
    victim = victim_of(crime)
    assert gate.explicit_consent_reasons(crime=crime, victim=victim) == ["this is a sexual offence"]
    with override_settings(REFERRAL_CONSENT_FIRST={"sexual_offence": False}):
        assert gate.explicit_consent_reasons(crime=crime, victim=victim) == []


def test_a_bereaved_relative_needs_explicit_consent(make_crime, sutton):
    crime = make_crime(
        offence="murder", area="sutton", victims=[a_victim(role="bereaved_relative")]
    )
    position = gate.consent_position(crime=crime, victim=victim_of(crime))
    assert position.needs_explicit and not position.may_refer
    ConsentRecord.objects.create(
        victim=victim_of(crime), kind=ConsentKind.REFERRAL, given=True, method="phone"
    )
    assert gate.consent_position(crime=crime, victim=victim_of(crime)).may_refer


def test_the_automatic_job_stands_down_when_a_person_has_referred(
    make_crime, officer, general, make_service, sutton
):
    other = make_service(boroughs=[sutton], name="Example Second General Service")
    crime = make_crime(offence="burglary-residential", area="sutton", victims=[a_victim()])
    victim = victim_of(crime)
    referral_send(actor=officer, crime=crime, victim=victim, service=other)

    with pytest.raises(ValidationError) as refused:
        referral_send(actor=None, crime=crime, victim=victim, service=general)

    assert refused.value.message_dict == {"service": [ALREADY_REFERRED]}
    assert referrals_automatic_sweep() == {"sent": 0, "task": 0, "skipped": 0}
    assert Referral.objects.filter(crime=crime).count() == 1


def test_the_automatic_referral_runs_every_15_minutes():
    from victimcare.core.scheduler import discover_jobs

    spec = discover_jobs()["referrals_automatic"]
    assert spec.every == dt.timedelta(minutes=15) and spec.func is referrals_automatic_sweep
