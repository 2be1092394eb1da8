"""Story: record once, share safely, one timeline across agencies (issue 3).

PC Olivia Officer records a domestic abuse crime. The victim needs a Polish
interpreter and must not be texted. The case is restricted, so the Central
East safeguarding team gets it at once; Nick North in another BCU cannot find
it. Once shared with the Witness Care Unit, Wes Witness sees the interpreter
need and the special-measures request without asking the victim again, and
that view is in the audit log.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404
from django.utils import timezone

from victimcare.cases.constants import (
    Channel,
    ConsentKind,
    ConsentMethod,
    EnhancedReason,
    EventCode,
    SpecialMeasure,
    SupportNeed,
)
from victimcare.cases.models import CaseShare, JourneyEvent
from victimcare.cases.selectors import access_crime, crime_detail, crime_list_for_user, crime_search
from victimcare.cases.services import (
    ConsentInput,
    NeedsInput,
    VictimInput,
    case_share,
    crime_create,
)
from victimcare.core.constants import AuditAction
from victimcare.core.models import AuditEvent

pytestmark = pytest.mark.django_db

VICTIM_NAME = "Anna Testowa"
VICTIM_PHONE = "07700 900123"


def polish_victim() -> VictimInput:
    return VictimInput(
        full_name=VICTIM_NAME,
        date_of_birth=dt.date(1990, 5, 17),
        phone=VICTIM_PHONE,
        email="anna.testowa@example.org",
        preferred_channel=Channel.PHONE,
        language="pl",
        interpreter_needed=True,
        safe_to_text=False,
        voicemail_allowed=False,
        safe_for_letters=False,
        code_word="bluebell",
        needs=NeedsInput(
            communication_needs="Polish interpreter for every conversation",
            special_measures=[SpecialMeasure.SCREENS, SpecialMeasure.LIVE_LINK],
            support_wanted=[SupportNeed.IDVA],
            enhanced=True,
            enhanced_reasons=[EnhancedReason.MOST_SERIOUS_CRIME, EnhancedReason.INTIMIDATED],
        ),
        consents=[
            ConsentInput(kind=ConsentKind.REFERRAL, given=True, method=ConsentMethod.IN_PERSON),
            ConsentInput(kind=ConsentKind.SHARING, given=True, method=ConsentMethod.IN_PERSON),
        ],
    )


@pytest.fixture
def domestic_abuse_crime(officer, offences, areas, orgs, crn_format):
    return crime_create(
        actor=officer,
        crn="4412345/26",
        offence=offences["common-assault"],
        occurred_at=timezone.now() - dt.timedelta(hours=3),
        area=areas["central_east"],
        domestic_abuse=True,
        victims=[polish_victim()],
    )


def test_a_domestic_abuse_crime_is_restricted_and_shared_with_the_specialist_team(
    domestic_abuse_crime, officer, orgs
):
    crime = domestic_abuse_crime

    assert crime.restricted is True
    assert crime.restricted_reason == "Domestic abuse"
    assert crime.oic == officer
    assert crime.team == orgs["team"]
    assert set(CaseShare.objects.filter(crime=crime).values_list("organisation", flat=True)) == {
        orgs["specialist_team"].pk
    }
    codes = list(JourneyEvent.objects.filter(crime=crime).values_list("code", flat=True))
    assert EventCode.CRIME_REPORTED in codes
    assert EventCode.CASE_SHARED in codes
    victim = crime.victim_links.get().victim
    assert victim.phone == "+447700900123"
    assert victim.safe_to_text is False
    assert victim.interpreter_needed is True and victim.language == "pl"


def test_creating_the_crime_is_audited_without_personal_data(domestic_abuse_crime, officer):
    crime = domestic_abuse_crime
    victim = crime.victim_links.get().victim

    entries = AuditEvent.objects.filter(object_type="cases.crime", object_id=str(crime.pk))
    assert entries.filter(action=AuditAction.CREATE, subject_id="", actor_id=officer.pk).exists()
    assert entries.filter(
        action=AuditAction.CREATE, subject_type="cases.victim", subject_id=str(victim.pk)
    ).exists()
    # The specialist team's access is a disclosure of the victim's data.
    assert entries.filter(action=AuditAction.DISCLOSE, subject_id=str(victim.pk)).exists()
    for entry in entries:
        text = str(entry.detail) + entry.purpose
        assert VICTIM_NAME not in text and "900123" not in text and "example.org" not in text


def test_the_witness_care_unit_sees_the_needs_without_asking_again(
    domestic_abuse_crime, officer, witness_care_officer, orgs
):
    crime = domestic_abuse_crime
    with pytest.raises(Http404):
        access_crime(user=witness_care_officer, crime_id=crime.pk)

    case_share(actor=officer, crime=crime, organisation=orgs["wcu"], reason="Trial listed")

    seen = access_crime(user=witness_care_officer, crime_id=crime.pk)
    detail = crime_detail(user=witness_care_officer, crime=seen, purpose="Arrange the trial")
    (person,) = detail.victims
    assert person.victim.full_name == VICTIM_NAME
    assert person.victim.interpreter_needed is True
    assert person.victim.language == "pl"
    assert person.victim.safe_to_text is False
    assert person.needs is not None
    assert person.needs.special_measures == [SpecialMeasure.SCREENS, SpecialMeasure.LIVE_LINK]
    assert person.needs.enhanced is True
    assert person.date_of_birth == dt.date(1990, 5, 17)
    assert {c.kind for c in person.consents} == {ConsentKind.REFERRAL, ConsentKind.SHARING}
    assert detail.timeline[0].code == EventCode.CASE_SHARED
    assert EventCode.HEARING_SCHEDULED in detail.event_codes
    assert detail.may_edit_needs is True

    view = AuditEvent.objects.get(
        action=AuditAction.VIEW, actor_id=witness_care_officer.pk, object_id=str(crime.pk)
    )
    assert view.subject_type == "cases.victim"
    assert view.subject_id == str(person.victim.pk)
    assert view.purpose == "Arrange the trial"


def test_an_officer_in_another_bcu_cannot_find_the_case(domestic_abuse_crime, other_officer):
    crime = domestic_abuse_crime

    with pytest.raises(Http404):
        access_crime(user=other_officer, crime_id=crime.pk)
    with pytest.raises(Http404):
        access_crime(user=other_officer, crn=crime.crn)
    assert not crime_list_for_user(user=other_officer).filter(pk=crime.pk).exists()
    for criteria in ({"crn": crime.crn}, {"name": VICTIM_NAME}, {"phone": VICTIM_PHONE}):
        assert crime_search(user=other_officer, purpose="Looking for a case", **criteria) == []
    searches = AuditEvent.objects.filter(action=AuditAction.SEARCH, actor_id=other_officer.pk)
    assert searches.count() == 3
    assert all(s.detail["result_count"] == 0 for s in searches)


def test_the_officer_finds_the_case_by_crn_name_or_phone(domestic_abuse_crime, officer):
    crime = domestic_abuse_crime

    for criteria in (
        {"crn": "4412345/26"},
        {"name": "anna  TESTOWA"},
        {"name": VICTIM_NAME, "date_of_birth": dt.date(1990, 5, 17)},
        {"phone": "+44 7700 900123"},
    ):
        assert crime_search(user=officer, purpose="Update the victim", **criteria) == [crime]
    assert (
        crime_search(
            user=officer, purpose="Update", name=VICTIM_NAME, date_of_birth=dt.date(1991, 5, 17)
        )
        == []
    )
    search = AuditEvent.objects.filter(action=AuditAction.SEARCH).first()
    assert search.purpose == "Update the victim"
    assert search.detail["crime_ids"] == [crime.pk]
