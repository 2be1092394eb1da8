"""Bad input is refused with its own message, and nothing at all is saved."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from victimcare.cases import messages as msg
from victimcare.cases.constants import Channel, EventCode
from victimcare.cases.models import (
    CaseShare,
    ConsentRecord,
    Crime,
    CrimeVictim,
    EqualityData,
    JourneyEvent,
    NeedsAssessment,
    NeedsAssessmentVersion,
    Victim,
)
from victimcare.cases.services import (
    ConsentInput,
    EqualityInput,
    NeedsInput,
    VictimInput,
    crime_create,
    event_record,
)
from victimcare.core.models import AuditEvent

pytestmark = pytest.mark.django_db

MODELS = [
    Crime,
    Victim,
    CrimeVictim,
    CaseShare,
    JourneyEvent,
    NeedsAssessment,
    NeedsAssessmentVersion,
    ConsentRecord,
    EqualityData,
    AuditEvent,
]


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


GOOD_VICTIM = VictimInput(
    full_name="Test Victim",
    phone="07700 900002",
    email="test.victim@example.org",
    needs=NeedsInput(support_wanted=["emotional"]),
    consents=[ConsentInput(kind="referral", given=True, method="phone")],
    equality=EqualityInput(age_band="25_34"),
)


def _create(officer, offences, areas, **overrides):
    arguments = {
        "actor": officer,
        "crn": "4412399/26",
        "offence": offences["rape"],  # restricted: a share would be written too
        "occurred_at": timezone.now() - dt.timedelta(days=2),
        "area": areas["central_east"],
        "victims": [GOOD_VICTIM],
    }
    arguments.update(overrides)
    return crime_create(**arguments)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"crn": "44-12345"}, "crn", msg.CRN_FORMAT.format(example="4412345/26")),
        ({"crn": " "}, "crn", msg.CRN_REQUIRED),
        (
            {"occurred_at": timezone.now() + dt.timedelta(days=1)},
            "occurred_at",
            msg.OCCURRED_IN_FUTURE,
        ),
        (
            {"victims": [replace(GOOD_VICTIM, phone="07700 12")]},
            "victims[0].phone",
            msg.PHONE_INVALID,
        ),
        (
            {"victims": [replace(GOOD_VICTIM, phone="not a number")]},
            "victims[0].phone",
            msg.PHONE_INVALID,
        ),
        (
            {"victims": [replace(GOOD_VICTIM, email="someone@")]},
            "victims[0].email",
            msg.EMAIL_INVALID,
        ),
        (
            {
                "victims": [
                    replace(
                        GOOD_VICTIM,
                        wants_updates=True,
                        safe_to_call=False,
                        safe_to_text=False,
                        safe_to_email=False,
                        safe_for_letters=False,
                    )
                ]
            },
            "victims[0].wants_updates",
            msg.NO_SAFE_CHANNEL,
        ),
        (
            {"victims": [replace(GOOD_VICTIM, preferred_channel=Channel.SMS, safe_to_text=False)]},
            "victims[0].preferred_channel",
            msg.PREFERRED_CHANNEL_NOT_SAFE,
        ),
        (
            {"victims": [replace(GOOD_VICTIM, safe_from=dt.time(18), safe_until=dt.time(9))]},
            "victims[0].safe_until",
            msg.SAFE_TIMES_ORDER,
        ),
        (
            {"victims": [replace(GOOD_VICTIM, needs=NeedsInput(enhanced=True))]},
            "victims[0].needs.enhanced_reasons",
            msg.ENHANCED_REASON_REQUIRED,
        ),
        (
            {"restricted_by_officer": True, "restricted_reason": ""},
            "restricted_reason",
            msg.RESTRICTED_REASON_REQUIRED,
        ),
    ],
    ids=[
        "crn-wrong-format",
        "crn-missing",
        "occurred-in-future",
        "phone-too-short",
        "phone-not-a-number",
        "email-invalid",
        "wants-updates-with-no-safe-channel",
        "preferred-channel-not-safe",
        "safe-times-reversed",
        "enhanced-without-reason",
        "officer-restricts-without-reason",
    ],
)
def test_a_crime_with_bad_input_is_refused_and_nothing_is_saved(
    officer, offences, areas, crn_format, overrides, field, message
):
    before = counts()
    with pytest.raises(ValidationError) as refused:
        _create(officer, offences, areas, **overrides)
    assert refused.value.message_dict == {field: [message]}
    assert counts() == before


def test_every_problem_is_reported_at_once(officer, offences, areas, crn_format):
    bad = replace(GOOD_VICTIM, phone="123", email="nope", full_name="")
    with pytest.raises(ValidationError) as refused:
        _create(officer, offences, areas, crn="x", victims=[GOOD_VICTIM, bad])
    assert set(refused.value.message_dict) == {
        "crn",
        "victims[1].phone",
        "victims[1].email",
        "victims[1].full_name",
    }


def test_a_crn_already_recorded_in_the_force_is_refused(officer, offences, areas, crn_format):
    _create(officer, offences, areas)
    before = counts()
    with pytest.raises(ValidationError) as refused:
        _create(officer, offences, areas, crn="4412399/26")
    assert refused.value.message_dict == {"crn": [msg.CRN_TAKEN]}
    assert counts() == before


def test_the_good_input_is_saved(officer, offences, areas, crn_format):
    """The control for the table above: the same call without the fault saves."""
    before = counts()
    crime = _create(officer, offences, areas, crn="4412399/26")
    after = counts()
    assert crime.restricted
    for name in (
        "Crime",
        "Victim",
        "CrimeVictim",
        "CaseShare",
        "NeedsAssessmentVersion",
        "ConsentRecord",
        "EqualityData",
    ):
        assert after[name] == before[name] + 1, name


@pytest.fixture
def crime(make_crime):
    return make_crime()


@pytest.mark.parametrize(
    ("arguments", "field", "message"),
    [
        ({"code": "suspect_vanished"}, "code", msg.EVENT_CODE_UNKNOWN),
        (
            {"occurred_at": timezone.now() + dt.timedelta(hours=2)},
            "occurred_at",
            msg.EVENT_IN_FUTURE,
        ),
        (
            {"received_at": timezone.now() - dt.timedelta(days=3)},
            "received_at",
            msg.RECEIVED_BEFORE_OCCURRED,
        ),
        (
            {"code": EventCode.HEARING_SCHEDULED, "details": {"court": "Example Court"}},
            "hearing_at",
            msg.HEARING_DATE_REQUIRED,
        ),
        (
            {
                "code": EventCode.HEARING_SCHEDULED,
                "details": {"hearing_at": "next Tuesday", "court": "Example Court"},
            },
            "hearing_at",
            msg.HEARING_DATE_INVALID,
        ),
        (
            {"code": EventCode.SUSPECT_ARRESTED, "details": {"suspect_name": "A Person"}},
            "suspect_name",
            msg.DETAILS_UNKNOWN_FIELD.format(field="suspect_name"),
        ),
        ({"summary": "x" * 501}, "summary", msg.SUMMARY_TOO_LONG),
    ],
    ids=[
        "unknown-code",
        "in-future",
        "received-before-occurred",
        "hearing-without-date",
        "hearing-date-not-a-date",
        "details-not-for-this-event",
        "summary-too-long",
    ],
)
def test_an_event_with_bad_input_is_refused_and_nothing_is_saved(
    crime, supervisor, orgs, arguments, field, message
):
    # A supervisor of the team may record police events and, through a share, court ones.
    from victimcare.cases.models import CaseShare

    CaseShare.objects.create(crime=crime, organisation=orgs["wcu"])
    actor = supervisor
    if arguments.get("code") == EventCode.HEARING_SCHEDULED:
        from ..factories import UserFactory

        actor = UserFactory(organisation=orgs["wcu"], role="partner_caseworker")
    call = {
        "actor": actor,
        "crime": crime,
        "code": EventCode.SUSPECT_ARRESTED,
        "occurred_at": timezone.now() - dt.timedelta(days=1),
        "idempotency_key": "attempt-1",
    }
    call.update(arguments)
    before = counts()
    crime_updated = crime.updated_at
    with pytest.raises(ValidationError) as refused:
        event_record(**call)
    assert refused.value.message_dict == {field: [message]}
    assert counts() == before
    crime.refresh_from_db()
    assert crime.updated_at == crime_updated
