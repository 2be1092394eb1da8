"""Sharing a crime with a partner organisation through the partner API (issue 10,
item 1): the Central East response team's records system, officer in the case of
the assault it recorded, shares it with the East London Witness Care Unit, whose
case management system can then read it, through the same service, rules and
audit as the "Share this case" page.

Fake personal data only (Ofcom drama numbers)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from victimcare.accounts.constants import OrganisationKind as K
from victimcare.accounts.constants import Role
from victimcare.accounts.models import Area, Organisation
from victimcare.api.constants import ALL_SCOPES
from victimcare.api.idempotency import REPLAYED_HEADER
from victimcare.api.serializers_victims import (
    SHARE_ORGANISATION_NOT_SHAREABLE,
    SHARE_ORGANISATION_REQUIRED,
    SHARE_ORGANISATION_UNKNOWN,
)
from victimcare.api.services import token_create
from victimcare.cases import messages as case_messages
from victimcare.cases.constants import EventCode
from victimcare.cases.models import CaseShare, Crime, JourneyEvent, Offence, Victim
from victimcare.cases.services import VictimInput, crime_create
from victimcare.core.constants import AuditAction
from victimcare.core.models import AuditEvent

from ..factories import OrganisationFactory
from .conftest import CRN, CRN_IN_PATH, Token

pytestmark = pytest.mark.django_db

URL = f"/api/v1/crimes/{CRN_IN_PATH}/shares/"
DETAIL_URL = f"/api/v1/crimes/{CRN_IN_PATH}/"
REASON = "Trial listed at Example Crown Court"


@pytest.fixture
def records_system(police_token: Token) -> Token:
    """The Central East response team's records system (every scope)."""
    return police_token


def _record(actor: Any, area: Area, **kwargs: Any) -> Crime:
    return crime_create(
        actor=actor,
        crn=CRN,
        offence=Offence.objects.get(code="common-assault"),
        occurred_at=timezone.now() - dt.timedelta(days=1),
        area=area,
        victims=[VictimInput(full_name="Alex Example", phone="07700 900245")],
        **kwargs,
    )


@pytest.fixture
def assault(records_system: Token, area: Area) -> Crime:
    """An assault the records system recorded: its user is the officer in the case."""
    return _record(records_system.user, area)


@pytest.fixture
def wcu(orgs: dict[str, Organisation]) -> Token:
    """The East London Witness Care Unit's case management system."""
    return Token(*token_create(organisation=orgs["wcu"], name="wcu", scopes=ALL_SCOPES))


def _errors(response: Any) -> list[tuple[str, str]]:
    return [(error["attr"], error["detail"]) for error in response.json()["errors"]]


def test_shared_with_the_witness_care_unit_its_system_can_read_the_crime(
    records_system: Token, assault: Crime, wcu: Token, orgs
) -> None:  # type: ignore[no-untyped-def]
    assert wcu.client().get(DETAIL_URL).status_code == 404

    response = records_system.client().post(
        URL, {"organisation": "wcu-east", "reason": REASON}, format="json"
    )

    assert response.status_code == 201, response.json()
    share = CaseShare.objects.get(crime=assault)
    assert (share.organisation, share.reason, share.shared_by) == (
        orgs["wcu"],
        REASON,
        records_system.user,
    )
    body = response.json()
    assert (body["organisation"], body["organisation_name"], body["reason"]) == (
        "wcu-east",
        "East London WCU",
        REASON,
    )
    assert dt.datetime.fromisoformat(body["shared_at"]) == share.shared_at
    read = wcu.client().get(DETAIL_URL)
    assert read.status_code == 200 and read.json()["crn"] == CRN
    # As the page's share: a case_shared event and a disclosure per person (ids only).
    event = JourneyEvent.objects.get(crime=assault, code=EventCode.CASE_SHARED)
    assert event.details["organisation_id"] == orgs["wcu"].pk
    victim = Victim.objects.get(crime_links__crime=assault)
    disclosure = AuditEvent.objects.get(action=AuditAction.DISCLOSE, object_id=str(assault.pk))
    assert disclosure.subject_id == str(victim.pk)
    assert disclosure.actor_id == records_system.user.pk
    assert disclosure.detail["organisation_id"] == orgs["wcu"].pk


def test_the_shares_are_listed_oldest_first_and_each_read_is_audited(
    records_system: Token, assault: Crime, wcu: Token
) -> None:
    client = records_system.client()
    client.post(URL, {"organisation": "wcu-east", "reason": REASON}, format="json")
    client.post(URL, {"organisation": "cps-ln"}, format="json")

    response = client.get(URL)

    assert response.status_code == 200
    shares = response.json()["shares"]
    assert response.json()["crn"] == CRN
    assert [(s["organisation"], s["reason"]) for s in shares] == [
        ("wcu-east", REASON),
        ("cps-ln", ""),
    ]
    stored = list(CaseShare.objects.filter(crime=assault).order_by("shared_at", "pk"))
    assert [dt.datetime.fromisoformat(s["shared_at"]) for s in shares] == [
        s.shared_at for s in stored
    ]
    read = AuditEvent.objects.get(action=AuditAction.VIEW, object_id=str(assault.pk))
    assert read.detail == {"part": "shares", "shares": [s.pk for s in stored]}
    assert read.purpose == "partner API" and read.actor_id == records_system.user.pk
    # The Witness Care Unit, now on the case, sees the same list.
    assert wcu.client().get(URL).json()["shares"] == shares


def test_a_restricted_crime_lists_its_automatic_share_with_the_specialist_team(
    records_system: Token, area: Area
) -> None:
    _record(records_system.user, area, domestic_abuse=True)

    response = records_system.client().get(URL)

    assert response.status_code == 200
    assert [s["organisation"] for s in response.json()["shares"]] == ["team-ce-safeguarding"]


def test_sharing_with_an_unknown_organisation_is_refused_and_nothing_is_shared(
    records_system: Token, assault: Crime
) -> None:
    response = records_system.client().post(
        URL, {"organisation": "no-such-unit", "reason": REASON}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert _errors(response) == [("organisation", SHARE_ORGANISATION_UNKNOWN)]
    assert not CaseShare.objects.filter(crime=assault).exists()
    assert not JourneyEvent.objects.filter(code=EventCode.CASE_SHARED).exists()


@pytest.mark.parametrize(
    "code",
    [
        "oversight",  # the oversight body sees aggregates, never a case
        "bcu-n",  # a whole BCU would undo a restriction
        "team-n-response",  # a team that is not specialist
    ],
)
def test_an_organisation_a_case_cannot_be_shared_with_is_refused(
    records_system: Token, assault: Crime, code: str
) -> None:
    response = records_system.client().post(URL, {"organisation": code}, format="json")

    assert response.status_code == 400
    assert _errors(response) == [("organisation", SHARE_ORGANISATION_NOT_SHAREABLE)]
    assert not CaseShare.objects.filter(crime=assault).exists()


def test_a_missing_organisation_or_a_long_reason_is_refused_in_plain_english(
    records_system: Token, assault: Crime
) -> None:
    response = records_system.client().post(URL, {"reason": "x" * 201}, format="json")

    assert response.status_code == 400
    assert set(_errors(response)) == {
        ("organisation", SHARE_ORGANISATION_REQUIRED),
        ("reason", case_messages.SHARE_REASON_TOO_LONG),
    }
    assert not CaseShare.objects.exists()


def test_sharing_again_changes_nothing(records_system: Token, assault: Crime) -> None:
    client = records_system.client()
    first = client.post(URL, {"organisation": "wcu-east", "reason": REASON}, format="json")

    again = client.post(URL, {"organisation": "wcu-east", "reason": "Another"}, format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert CaseShare.objects.filter(crime=assault).count() == 1
    assert JourneyEvent.objects.filter(code=EventCode.CASE_SHARED).count() == 1


def test_a_retry_with_the_same_key_shares_once(records_system: Token, assault: Crime) -> None:
    client = records_system.client()
    headers = {"HTTP_IDEMPOTENCY_KEY": "share-wcu-1"}

    first = client.post(URL, {"organisation": "wcu-east"}, format="json", **headers)
    retry = client.post(URL, {"organisation": "wcu-east"}, format="json", **headers)

    assert first.status_code == retry.status_code == 201
    assert retry[REPLAYED_HEADER] == "true" and retry.json() == first.json()
    assert CaseShare.objects.filter(crime=assault).count() == 1
    other = client.post(URL, {"organisation": "cps-ln"}, format="json", **headers)
    assert other.status_code == 409
    assert CaseShare.objects.filter(crime=assault).count() == 1


def test_an_officer_who_is_not_in_the_case_may_read_the_shares_but_not_share(
    records_system: Token, officer, area: Area
) -> None:  # type: ignore[no-untyped-def]
    # PC Olivia Officer recorded it: the records system's user is a colleague in the
    # same team, who may see it but, as on the page, only the OIC or a supervisor shares.
    _record(officer, area)

    assert records_system.client().get(URL).status_code == 200
    response = records_system.client().post(URL, {"organisation": "wcu-east"}, format="json")

    assert response.status_code == 404
    assert not CaseShare.objects.exists()


def test_a_supervisors_token_may_share_a_crime_of_its_team(
    officer, offences, area: Area, orgs
) -> None:  # type: ignore[no-untyped-def]
    crime = _record(officer, area)
    supervisor = Token(
        *token_create(
            organisation=orgs["team"], name="team sup", scopes=ALL_SCOPES, role=Role.SUPERVISOR
        )
    )

    response = supervisor.client().post(URL, {"organisation": "wcu-east"}, format="json")

    assert response.status_code == 201, response.json()
    assert CaseShare.objects.get(crime=crime).organisation == orgs["wcu"]


def test_another_forces_crime_is_not_found(records_system: Token, assault: Crime) -> None:
    force = OrganisationFactory(kind=K.POLICE_FORCE, name="Other Police", code="force-2")
    bcu = OrganisationFactory(kind=K.BCU, name="Other BCU", code="bcu-2", parent=force)
    team = OrganisationFactory(kind=K.TEAM, name="Other Response", code="team-2", parent=bcu)
    other = Token(
        *token_create(organisation=team, name="other sup", scopes=ALL_SCOPES, role=Role.SUPERVISOR)
    )

    shared = other.client().post(URL, {"organisation": "wcu-east"}, format="json")
    listed = other.client().get(URL)

    assert shared.status_code == listed.status_code == 404
    assert not CaseShare.objects.exists()
    # The same requests from the officer in the case share it and list the share.
    ours = records_system.client()
    assert ours.post(URL, {"organisation": "wcu-east"}, format="json").status_code == 201
    assert [s["organisation"] for s in ours.get(URL).json()["shares"]] == ["wcu-east"]


def test_a_token_without_crimes_write_may_not_share(assault: Crime, orgs) -> None:  # type: ignore[no-untyped-def]
    reader = Token(
        *token_create(
            organisation=orgs["team"],
            name="sup reader",
            scopes=["crimes:read"],
            role=Role.SUPERVISOR,
        )
    )

    response = reader.client().post(URL, {"organisation": "wcu-east"}, format="json")

    assert response.status_code == 403
    assert "crimes:write" in response.json()["errors"][0]["detail"]
    assert not CaseShare.objects.exists()
