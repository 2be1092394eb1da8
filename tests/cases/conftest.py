"""Extra people for case tests, beside the root personas."""

from __future__ import annotations

import pytest

from victimcare.accounts.constants import OrganisationKind as K
from victimcare.accounts.constants import Role
from victimcare.accounts.models import Organisation, User

from ..factories import OrganisationFactory, UserFactory


@pytest.fixture
def bcu_supervisor(orgs) -> User:  # type: ignore[no-untyped-def]
    """Insp Bea Boss, supervises every team in Central East."""
    return UserFactory(organisation=orgs["bcu"], role=Role.SUPERVISOR, email="bea.boss@example.org")


@pytest.fixture
def force_supervisor(orgs) -> User:  # type: ignore[no-untyped-def]
    """Supt Fay Force, a supervisor at force level (above every BCU)."""
    return UserFactory(
        organisation=orgs["force"], role=Role.SUPERVISOR, email="fay.force@example.org"
    )


@pytest.fixture
def cps_lawyer(orgs) -> User:  # type: ignore[no-untyped-def]
    return UserFactory(
        organisation=orgs["cps"], role=Role.PARTNER_CASEWORKER, email="cal.cps@example.org"
    )


@pytest.fixture
def court_clerk(orgs) -> User:  # type: ignore[no-untyped-def]
    return UserFactory(
        organisation=orgs["court"], role=Role.PARTNER_CASEWORKER, email="col.court@example.org"
    )


@pytest.fixture
def colleague(orgs) -> User:  # type: ignore[no-untyped-def]
    """PC Cole Colleague, in the same response team as the officer persona."""
    return UserFactory(
        organisation=orgs["team"], role=Role.OFFICER, email="cole.colleague@example.org"
    )


@pytest.fixture
def burglary_team(orgs) -> Organisation:  # type: ignore[no-untyped-def]
    """Another team in Central East."""
    return OrganisationFactory(
        kind=K.TEAM, name="Central East Burglary", code="team-ce-burglary", parent=orgs["bcu"]
    )
