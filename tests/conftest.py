"""Named personas so tests read as stories.

London in miniature: the force, one BCU (Central East) with a response team and
a safeguarding (specialist) team, a second BCU (North) with its own team, the
Victim Focus Desk, a Witness Care Unit, probation, a support charity and MOPAC.
"""

from __future__ import annotations

import pytest

from victimcare.accounts.constants import OrganisationKind as K
from victimcare.accounts.constants import Role
from victimcare.accounts.models import Organisation, User

from .factories import TEST_PASSWORD, OrganisationFactory, UserFactory


@pytest.fixture
def password() -> str:
    return TEST_PASSWORD


@pytest.fixture
def orgs(db) -> dict[str, Organisation]:  # type: ignore[no-untyped-def]
    force = OrganisationFactory(kind=K.POLICE_FORCE, name="Test Police", code="force")
    ce = OrganisationFactory(kind=K.BCU, name="Central East", code="bcu-ce", parent=force)
    north = OrganisationFactory(kind=K.BCU, name="North", code="bcu-n", parent=force)
    return {
        "force": force,
        "bcu": ce,
        "other_bcu": north,
        "team": OrganisationFactory(
            kind=K.TEAM, name="Central East Response", code="team-ce-response", parent=ce
        ),
        "specialist_team": OrganisationFactory(
            kind=K.TEAM,
            name="Central East Safeguarding",
            code="team-ce-safeguarding",
            parent=ce,
            is_specialist=True,
        ),
        "other_team": OrganisationFactory(
            kind=K.TEAM, name="North Response", code="team-n-response", parent=north
        ),
        "desk": OrganisationFactory(
            kind=K.VICTIM_FOCUS_DESK, name="Victim Focus Desk", code="vfd", parent=force
        ),
        "wcu": OrganisationFactory(
            kind=K.WITNESS_CARE_UNIT, name="East London WCU", code="wcu-east"
        ),
        "cps": OrganisationFactory(kind=K.CPS, name="CPS London North", code="cps-ln"),
        "court": OrganisationFactory(
            kind=K.COURT, name="Example Magistrates' Court", code="court-1"
        ),
        "probation": OrganisationFactory(
            kind=K.PROBATION, name="London Probation", code="probation"
        ),
        "charity": OrganisationFactory(
            kind=K.SUPPORT_ORGANISATION, name="Example Victim Support", code="support-1"
        ),
        "oversight": OrganisationFactory(
            kind=K.OVERSIGHT_BODY, name="Example Oversight Office", code="oversight"
        ),
    }


def _person(org: Organisation, role: str, email: str, name: str) -> User:
    return UserFactory(organisation=org, role=role, email=email, full_name=name)


@pytest.fixture
def officer(orgs) -> User:  # type: ignore[no-untyped-def]
    """PC Olivia Officer, response team, Central East."""
    return _person(orgs["team"], Role.OFFICER, "olivia.officer@example.org", "Olivia Officer")


@pytest.fixture
def other_officer(orgs) -> User:  # type: ignore[no-untyped-def]
    """PC Nick North, a response officer in another BCU."""
    return _person(orgs["other_team"], Role.OFFICER, "nick.north@example.org", "Nick North")


@pytest.fixture
def supervisor(orgs) -> User:  # type: ignore[no-untyped-def]
    """Sgt Sam Supervisor, supervises the Central East response team."""
    return _person(orgs["team"], Role.SUPERVISOR, "sam.supervisor@example.org", "Sam Supervisor")


@pytest.fixture
def desk_agent(orgs) -> User:  # type: ignore[no-untyped-def]
    return _person(orgs["desk"], Role.DESK_AGENT, "dana.desk@example.org", "Dana Desk")


@pytest.fixture
def witness_care_officer(orgs) -> User:  # type: ignore[no-untyped-def]
    return _person(orgs["wcu"], Role.PARTNER_CASEWORKER, "wes.witness@example.org", "Wes Witness")


@pytest.fixture
def probation_officer(orgs) -> User:  # type: ignore[no-untyped-def]
    return _person(
        orgs["probation"], Role.PARTNER_CASEWORKER, "pat.probation@example.org", "Pat Probation"
    )


@pytest.fixture
def support_caseworker(orgs) -> User:  # type: ignore[no-untyped-def]
    return _person(
        orgs["charity"], Role.SUPPORT_CASEWORKER, "sue.support@example.org", "Sue Support"
    )


@pytest.fixture
def analyst(orgs) -> User:  # type: ignore[no-untyped-def]
    return _person(orgs["oversight"], Role.ANALYST, "ann.analyst@example.org", "Ann Analyst")


@pytest.fixture
def administrator(orgs) -> User:  # type: ignore[no-untyped-def]
    return _person(orgs["force"], Role.ADMINISTRATOR, "adam.admin@example.org", "Adam Admin")
