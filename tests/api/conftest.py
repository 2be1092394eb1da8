"""The partner API's cast: tokens for a response team, another BCU's team and a
Witness Care Unit, and a crime recorded by PC Olivia Officer and shared with the WCU.

The cast's tokens hold every scope, so tests of what an endpoint does are not
about scopes; tests/api/test_scopes.py makes tokens with fewer. (Throttle
counters are rows in the test database, so each test starts from zero.)"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from victimcare.accounts.models import Area, Organisation, User
from victimcare.api.constants import ALL_SCOPES
from victimcare.api.models import ApiToken
from victimcare.api.services import token_create
from victimcare.cases.models import Offence
from victimcare.cases.reference import offences_load
from victimcare.cases.services import NeedsInput, VictimInput, case_share, crime_create

CRN = "4412345/26"
CRN_IN_PATH = "4412345%2F26"


@dataclass
class Token:
    token: ApiToken
    secret: str

    @property
    def user(self) -> User:
        return self.token.user

    def client(self) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {self.secret}")
        return client


@pytest.fixture
def force(orgs: dict[str, Organisation]) -> Organisation:
    force = orgs["force"]
    force.crn_pattern = r"^[0-9]{7}/[0-9]{2}$"
    force.crn_example = "4412345/26"
    force.save()
    return force


@pytest.fixture
def offences(db) -> None:  # type: ignore[no-untyped-def]
    offences_load(name="england-wales")


@pytest.fixture
def area(orgs: dict[str, Organisation]) -> Area:
    return Area.objects.create(code="E09000012", name="Hackney", bcu=orgs["bcu"])


@pytest.fixture
def police_token(orgs, force, offences, area) -> Token:  # type: ignore[no-untyped-def]
    """The Central East response team's records system."""
    return Token(
        *token_create(organisation=orgs["team"], name="team records system", scopes=ALL_SCOPES)
    )


@pytest.fixture
def other_bcu_token(orgs, force) -> Token:  # type: ignore[no-untyped-def]
    """The North BCU response team's records system: another BCU."""
    return Token(
        *token_create(
            organisation=orgs["other_team"], name="north records system", scopes=ALL_SCOPES
        )
    )


@pytest.fixture
def wcu_token(orgs) -> Token:  # type: ignore[no-untyped-def]
    """The East London Witness Care Unit's case management system."""
    return Token(*token_create(organisation=orgs["wcu"], name="wcu case system", scopes=ALL_SCOPES))


@pytest.fixture
def crime(officer, orgs, force, offences, area):  # type: ignore[no-untyped-def]
    """A harassment crime with one victim who needs a Polish interpreter and screens
    at court, recorded by PC Olivia Officer and shared with the WCU."""
    recorded = crime_create(
        actor=officer,
        crn=CRN,
        offence=Offence.objects.get(code="harassment"),
        occurred_at=timezone.now() - dt.timedelta(days=3),
        area=area,
        victims=[
            VictimInput(
                full_name="Alex Example",
                phone="07700 900123",
                language="pl",
                interpreter_needed=True,
                safe_to_text=False,
                needs=NeedsInput(
                    special_measures=["screens"],
                    enhanced=True,
                    enhanced_reasons=["intimidated"],
                ),
            )
        ],
    )
    case_share(actor=officer, crime=recorded, organisation=orgs["wcu"])
    return recorded
