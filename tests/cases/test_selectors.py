"""Reads: who finds which case, the list agrees with the policy, and stays one query."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django.utils import timezone

from victimcare.cases import messages as msg
from victimcare.cases.constants import CrimeOutcome, CrimeStatus, EventCode
from victimcare.cases.models import CaseShare, Crime
from victimcare.cases.selectors import (
    access_crime,
    crime_detail,
    crime_list_for_user,
    crime_search,
    my_cases,
    timeline,
)
from victimcare.cases.services import VictimInput, case_share, event_record
from victimcare.core.constants import AuditAction
from victimcare.core.models import AuditEvent

pytestmark = pytest.mark.django_db

PERSONAS = [
    "officer",
    "colleague",
    "supervisor",
    "bcu_supervisor",
    "force_supervisor",
    "other_officer",
    "desk_agent",
    "witness_care_officer",
    "cps_lawyer",
    "probation_officer",
    "support_caseworker",
    "analyst",
    "administrator",
]


def test_an_unrestricted_crime_is_seen_in_its_bcu_only(make_crime, officer, other_officer, orgs):
    from ..factories import UserFactory

    crime = make_crime()
    same_bcu = UserFactory(organisation=orgs["specialist_team"], role="officer")

    assert access_crime(user=same_bcu, crime_id=crime.pk) == crime
    assert crime in crime_list_for_user(user=same_bcu)
    with pytest.raises(Http404):
        access_crime(user=other_officer, crime_id=crime.pk)
    assert crime not in crime_list_for_user(user=other_officer)


def test_the_desk_sees_unrestricted_cases_and_restricted_ones_only_when_shared(
    make_crime, desk_agent, officer, orgs
):
    open_case = make_crime()
    restricted = make_crime(offence="rape")

    assert set(crime_list_for_user(user=desk_agent)) == {open_case}
    with pytest.raises(Http404):
        access_crime(user=desk_agent, crime_id=restricted.pk)

    case_share(actor=officer, crime=restricted, organisation=orgs["desk"])
    assert set(crime_list_for_user(user=desk_agent)) == {open_case, restricted}


def test_analysts_and_administrators_see_no_case_even_when_shared(
    make_crime, analyst, administrator, orgs
):
    crime = make_crime()
    CaseShare.objects.create(crime=crime, organisation=orgs["oversight"])
    CaseShare.objects.create(crime=crime, organisation=orgs["force"])
    for person in (analyst, administrator):
        assert not crime_list_for_user(user=person).exists()
        with pytest.raises(Http404):
            access_crime(user=person, crime_id=crime.pk)
        with pytest.raises(Http404):
            crime_detail(user=person, crime=crime)
        assert crime_search(user=person, purpose="Checking", crn=crime.crn) == []


def test_a_restricted_crime_is_seen_by_its_oic_supervisors_and_specialist_team(
    make_crime, officer, colleague, supervisor, bcu_supervisor, orgs
):
    from ..factories import UserFactory

    crime = make_crime(offence="sexual-assault")
    specialist = UserFactory(organisation=orgs["specialist_team"], role="officer")

    for person in (officer, supervisor, bcu_supervisor, specialist):
        assert access_crime(user=person, crime_id=crime.pk) == crime
    with pytest.raises(Http404):
        access_crime(user=colleague, crime_id=crime.pk)


@pytest.fixture
def mixed_crimes(make_crime, other_officer, colleague, officer, orgs, burglary_team):
    """A spread of crimes: both BCUs, restricted or not, shared with various partners."""
    from ..factories import UserFactory

    burglar_catcher = UserFactory(organisation=burglary_team, role="officer")
    crimes = [
        make_crime(),
        make_crime(offence="rape"),
        make_crime(domestic_abuse=True),
        make_crime(restricted_by_officer=True, restricted_reason="Witness at risk"),
        make_crime(actor=colleague),
        make_crime(actor=colleague, offence="stalking"),
        make_crime(actor=burglar_catcher, offence="burglary-residential"),
        make_crime(actor=burglar_catcher, offence="coercive-control"),
        make_crime(actor=other_officer),
        make_crime(actor=other_officer, offence="rape"),
        make_crime(actor=other_officer, domestic_abuse=True),
    ]
    for crime, org in (
        (crimes[1], "wcu"),
        (crimes[2], "desk"),
        (crimes[5], "cps"),
        (crimes[8], "probation"),
        (crimes[9], "charity"),
        (crimes[9], "wcu"),
        (crimes[10], "team"),
        (crimes[0], "oversight"),
    ):
        CaseShare.objects.get_or_create(crime=crime, organisation=orgs[org])
    return crimes


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_list_agrees_with_the_policy_and_is_one_query(
    request, persona, mixed_crimes, django_assert_max_num_queries
):
    from victimcare.accounts.models import User

    # A fresh object, as at the start of a request: nothing cached.
    person = User.objects.get(pk=request.getfixturevalue(persona).pk)
    with django_assert_max_num_queries(2) as captured:
        listed = set(crime_list_for_user(user=person).values_list("pk", flat=True))
    allowed = {c.pk for c in Crime.objects.all() if person.has_perm("cases.view_crime", c)}
    assert listed == allowed
    # The list itself is one statement (the other, if any, learns the person's organisations).
    crime_queries = [q for q in captured.captured_queries if '"cases_crime"' in q["sql"]]
    # Analysts and administrators get an empty queryset without asking the database.
    assert len(crime_queries) == (0 if persona in ("analyst", "administrator") else 1)


def test_the_list_covers_the_expected_cases(mixed_crimes, officer, witness_care_officer):
    """A spot check that the agreement above is not agreement on nothing."""
    # Her own four, her colleague's and the burglary team's unrestricted cases,
    # and the North domestic abuse case shared with her team.
    assert set(crime_list_for_user(user=officer)) == {
        mixed_crimes[i] for i in (0, 1, 2, 3, 4, 6, 10)
    }
    assert set(crime_list_for_user(user=witness_care_officer)) == {mixed_crimes[1], mixed_crimes[9]}


def test_my_cases_are_my_open_cases_most_recently_updated_first(
    make_crime, officer, colleague, django_assert_max_num_queries
):
    first, second, closed = make_crime(), make_crime(), make_crime()
    make_crime(actor=colleague)
    when = timezone.now() - dt.timedelta(hours=1)
    event_record(actor=officer, crime=first, code=EventCode.SUSPECT_ARRESTED, occurred_at=when)
    event_record(
        actor=officer,
        crime=closed,
        code=EventCode.CASE_CLOSED,
        occurred_at=when,
        details={"outcome": CrimeOutcome.NO_SUSPECT},
    )

    with django_assert_max_num_queries(2):
        rows = list(my_cases(user=officer))
        labels = [(c.offence.name, c.area.name, c.team.name) for c in rows]
    assert rows == [first, second]
    assert labels[0][1] == "Hackney"
    assert Crime.objects.get(pk=closed.pk).status == CrimeStatus.CLOSED


def test_access_by_crn(make_crime, officer, other_officer):
    crime = make_crime(crn="4400777/26")
    assert access_crime(user=officer, crn=" 4400777/26 ") == crime
    with pytest.raises(Http404):
        access_crime(user=other_officer, crn="4400777/26")
    with pytest.raises(Http404):
        access_crime(user=officer, crn="9999999/26")
    with pytest.raises(Http404):
        access_crime(user=officer)


def test_the_timeline_is_newest_first_with_who_recorded_it(make_crime, officer, orgs):
    five_days_ago = timezone.now() - dt.timedelta(days=5)
    crime = make_crime(occurred_at=five_days_ago, reported_at=five_days_ago)
    older = timezone.now() - dt.timedelta(days=3)
    newer = timezone.now() - dt.timedelta(days=1)
    event_record(actor=officer, crime=crime, code=EventCode.SUSPECT_INTERVIEWED, occurred_at=newer)
    event_record(actor=officer, crime=crime, code=EventCode.SUSPECT_ARRESTED, occurred_at=older)

    events = timeline(user=officer, crime=crime)
    assert [e.code for e in events] == [
        EventCode.SUSPECT_INTERVIEWED,
        EventCode.SUSPECT_ARRESTED,
        EventCode.CRIME_REPORTED,
    ]
    assert events[0].recorded_by == officer
    assert events[0].recording_organisation == orgs["team"]


def test_the_timeline_is_refused_to_people_who_cannot_see_the_case(make_crime, other_officer):
    with pytest.raises(Http404):
        timeline(user=other_officer, crime=make_crime(offence="rape"))


def test_the_case_page_is_audited_per_person_and_hides_equality_data(make_crime, officer):
    crime = make_crime(
        victims=[VictimInput(full_name="Test One"), VictimInput(full_name="Test Two")]
    )
    detail = crime_detail(user=officer, crime=crime, purpose="Weekly review")
    assert [v.victim.full_name for v in detail.victims] == ["Test One", "Test Two"]
    assert detail.victims[0].is_primary_contact and not detail.victims[1].is_primary_contact
    assert not hasattr(detail.victims[0], "equality")
    views = AuditEvent.objects.filter(action=AuditAction.VIEW, object_id=str(crime.pk))
    assert sorted(views.values_list("subject_id", flat=True)) == sorted(
        str(v.victim.pk) for v in detail.victims
    )


@pytest.mark.parametrize(
    ("criteria", "errors"),
    [
        ({"purpose": "", "crn": "4400001/26"}, {"purpose": [msg.SEARCH_PURPOSE_REQUIRED]}),
        ({"purpose": "Why"}, {"__all__": [msg.SEARCH_CRITERIA_REQUIRED]}),
        (
            {"purpose": "Why", "crn": "4400001/26", "date_of_birth": dt.date(1990, 1, 1)},
            {"name": [msg.SEARCH_DOB_NEEDS_NAME]},
        ),
        ({"purpose": "Why", "phone": "12"}, {"phone": [msg.PHONE_INVALID]}),
    ],
)
def test_a_search_needs_a_purpose_and_something_to_look_for(officer, criteria, errors):
    with pytest.raises(ValidationError) as refused:
        crime_search(user=officer, **criteria)
    assert refused.value.message_dict == errors
    assert not AuditEvent.objects.filter(action=AuditAction.SEARCH).exists()


def test_a_search_audit_entry_holds_no_search_terms(make_crime, officer):
    make_crime(victims=[VictimInput(full_name="Test Searchable", phone="07700 900555")])
    crime_search(
        user=officer, purpose="Victim called in", name="Test Searchable", phone="07700900555"
    )
    entry = AuditEvent.objects.get(action=AuditAction.SEARCH)
    assert entry.detail["criteria"] == ["name", "phone"]
    assert entry.detail["result_count"] == 1
    assert "Searchable" not in str(entry.detail) and "900555" not in str(entry.detail)
    assert connection.vendor in ("sqlite", "postgresql")
