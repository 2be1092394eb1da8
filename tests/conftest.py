"""Named personas so tests read as stories.

London in miniature: the force, one BCU (Central East) with a response team and
a safeguarding (specialist) team, a second BCU (North) with its own team, the
Victim Focus Desk, a Witness Care Unit, probation, a support charity and MOPAC.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from victimcare.accounts.constants import OrganisationKind as K
from victimcare.accounts.constants import Role
from victimcare.accounts.models import Area, Organisation, User
from victimcare.cases.models import Crime, Offence
from victimcare.cases.reference import offences_load

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


# --- The case record (issue 3) ------------------------------------------------------

# Met-style crime reference numbers: seven digits, a slash, the year.
MET_CRN_PATTERN = r"^[0-9]{7}/[0-9]{2}$"
MET_CRN_EXAMPLE = "4412345/26"


@pytest.fixture
def offences(db) -> dict[str, Offence]:  # type: ignore[no-untyped-def]
    """The configured offence list, loaded as in production; by code."""
    offences_load(name=settings.OFFENCE_LIST)
    return {o.code: o for o in Offence.objects.all()}


@pytest.fixture
def areas(orgs) -> dict[str, Area]:  # type: ignore[no-untyped-def]
    """A borough policed by Central East and one policed by North."""
    return {
        "central_east": Area.objects.get_or_create(
            code="E09000012", defaults={"name": "Hackney", "bcu": orgs["bcu"]}
        )[0],
        "north": Area.objects.get_or_create(
            code="E09000010", defaults={"name": "Enfield", "bcu": orgs["other_bcu"]}
        )[0],
    }


@pytest.fixture
def crn_format(orgs) -> str:  # type: ignore[no-untyped-def]
    """The test force checks CRNs in the Met's format; returns the example."""
    orgs["force"].crn_pattern = MET_CRN_PATTERN
    orgs["force"].crn_example = MET_CRN_EXAMPLE
    orgs["force"].save(update_fields=["crn_pattern", "crn_example"])
    return MET_CRN_EXAMPLE


@pytest.fixture
def make_crime(offences, areas, officer):  # type: ignore[no-untyped-def]
    """Record a crime through crime_create: `make_crime(offence="rape", actor=other_officer)`.

    Defaults: an unrestricted common assault in the actor's borough (Central East
    unless the actor is in North), recorded by the
    officer persona yesterday, with no victims; a fresh Met-style CRN each call.
    """
    from victimcare.cases.services import crime_create

    counter = iter(range(4400001, 4499999))

    def make(
        *,
        actor: User | None = None,
        offence: str = "common-assault",
        area: str = "central_east",
        crn: str | None = None,
        occurred_at: dt.datetime | None = None,
        **kwargs: Any,
    ) -> Crime:
        actor = actor or officer
        if area == "central_east" and actor.organisation.parent == areas["north"].bcu:
            area = "north"
        return crime_create(
            actor=actor,
            crn=crn or f"{next(counter)}/26",
            offence=offences[offence],
            occurred_at=occurred_at or timezone.now() - dt.timedelta(days=1),
            area=areas[area],
            **kwargs,
        )

    return make


# --- Step-up re-authentication (accounts/stepup.py) -----------------------------------


def stepped_up(client: Any, password: str = TEST_PASSWORD) -> Any:
    """Confirm it is them on the real "Confirm it's you" page (password only:
    for signed-in people without an authenticator app, like the demo accounts
    the page tests use). Returns the client, now allowed bulk exports."""
    from django.urls import reverse

    response = client.post(reverse("accounts:confirm"), {"password": password, "next": "/"})
    assert response.status_code == 302, response.content.decode()[:2000]
    return client


# --- The PostgreSQL phase runs only what touches the database ---------------------------

# Fixtures that give a test the database (pytest-django's, and anything built on
# them: `item.fixturenames` holds every fixture a test uses, directly or not).
# `django_db_setup` covers a fixture that unblocks the database itself. Not
# `django_db_blocker`: pytest-django's autouse fixtures give it to every test.
DATABASE_FIXTURES = frozenset(
    {
        "db",
        "django_db_setup",
        "transactional_db",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
        "live_server",
    }
)
# A module whose source says any of these starts processes or servers that may
# use the configured database themselves: it runs in both phases, whatever its
# tests' fixtures say.
PROCESS_WORDS = ("subprocess", "Popen", "multiprocessing", "pgcluster", "processes", "Stack(")
_module_starts_processes: dict[str, bool] = {}


def _needs_database(item: pytest.Item) -> bool:
    if item.get_closest_marker("django_db") is not None:
        return True
    if DATABASE_FIXTURES.intersection(getattr(item, "fixturenames", ())):
        return True
    path = str(item.path)
    if path not in _module_starts_processes:
        try:
            source = item.path.read_text(encoding="utf-8")
        except OSError:
            source = ""
        _module_starts_processes[path] = any(word in source for word in PROCESS_WORDS)
    return _module_starts_processes[path]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On PostgreSQL, leave out the tests that never touch a database.

    scripts/test.sh runs the suite twice, on SQLite and on PostgreSQL; a test
    with no database (wording, scoring, page fragments, validators) gives the
    same answer both times, so the SQLite phase runs it and the PostgreSQL
    phase does not. pytest-django refuses database access to a test without
    its marker or fixtures, so such a test cannot depend on the engine.
    """
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        return
    keep: list[pytest.Item] = []
    without: list[pytest.Item] = []
    for item in items:
        (keep if _needs_database(item) else without).append(item)
    if without:
        config.hook.pytest_deselected(items=without)
        items[:] = keep
