"""The case policy as a table: persona × permission × relationship × restriction → allowed?

Every row is written out as data; everyone not listed must be refused. The
crime in each row is placed relative to the persona:

- oic: the persona is the officer in the case (police personas only);
- same_team: a colleague's crime in the persona's team (for people outside
  the police, a Central East crime);
- same_bcu: a crime of another team in the persona's BCU;
- other_bcu: a crime in the other BCU;
- shared: a crime in the other BCU, shared with the persona's organisation;

each restricted and unrestricted. For "cases.view_crime" the row also checks
that crime_list_for_user agrees with the predicate.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.utils import timezone

from victimcare.accounts.constants import OrganisationKind as K
from victimcare.accounts.constants import Role
from victimcare.accounts.models import Organisation, User
from victimcare.cases.models import CaseShare, Crime
from victimcare.cases.selectors import crime_list_for_user

from ..factories import OrganisationFactory, UserFactory

POLICE = frozenset({"officer", "supervisor", "bcu_supervisor", "force_supervisor", "other_officer"})
PARTNERS = frozenset(
    {"desk_agent", "witness_care_officer", "cps_lawyer", "probation_officer", "support_caseworker"}
)
NO_CASES = frozenset({"analyst", "administrator"})
PERSONAS = sorted(POLICE | PARTNERS | NO_CASES)
CASEWORKERS = POLICE | PARTNERS
SUPERVISORS = frozenset({"supervisor", "bcu_supervisor", "force_supervisor"})
LOCAL_POLICE = frozenset(
    {"officer", "supervisor", "bcu_supervisor", "force_supervisor", "other_officer"}
)
NEEDS_EDITORS = POLICE | {"desk_agent", "witness_care_officer", "cps_lawyer"}

RELATIONSHIPS = ["oic", "same_team", "same_bcu", "other_bcu", "shared"]

# relationship/restriction -> personas who may view.
VIEW: dict[str, frozenset[str]] = {
    "oic/unrestricted": POLICE,
    "oic/restricted": POLICE,
    # Police of the BCU see its unrestricted cases; the desk sees its force's.
    "same_team/unrestricted": LOCAL_POLICE | {"desk_agent"},
    # Restricted: the OIC, supervisors of the team or above, shares only.
    "same_team/restricted": SUPERVISORS,
    "same_bcu/unrestricted": LOCAL_POLICE | {"desk_agent"},
    "same_bcu/restricted": frozenset({"bcu_supervisor", "force_supervisor"}),
    "other_bcu/unrestricted": frozenset({"desk_agent", "force_supervisor"}),
    "other_bcu/restricted": frozenset({"force_supervisor"}),
    "shared/unrestricted": CASEWORKERS,
    "shared/restricted": CASEWORKERS,
}
# A table of its own, though it equals VIEW today: every viewer may record
# contacts with the victim. Which codes each may record: test_event_codes.py.
RECORD_EVENT = dict(VIEW)
EDIT_NEEDS = {key: allowed & NEEDS_EDITORS for key, allowed in VIEW.items()}
SHARE: dict[str, frozenset[str]] = {
    "oic/unrestricted": POLICE,
    "oic/restricted": POLICE,
    "same_team/unrestricted": SUPERVISORS,
    "same_team/restricted": SUPERVISORS,
    "same_bcu/unrestricted": SUPERVISORS,
    "same_bcu/restricted": frozenset({"bcu_supervisor", "force_supervisor"}),
    "other_bcu/unrestricted": frozenset({"force_supervisor"}),
    "other_bcu/restricted": frozenset({"force_supervisor"}),
    "shared/unrestricted": SUPERVISORS,
    "shared/restricted": SUPERVISORS,
}
POLICY = {
    "cases.view_crime": VIEW,
    "cases.record_event": RECORD_EVENT,
    "cases.edit_needs": EDIT_NEEDS,
    "cases.share_crime": SHARE,
}
CREATE_CRIME = POLICE


@dataclass(frozen=True)
class Row:
    persona: str
    permission: str
    relationship: str
    restricted: bool
    expected: bool

    @property
    def key(self) -> str:
        return f"{self.relationship}/{'restricted' if self.restricted else 'unrestricted'}"

    @property
    def id(self) -> str:
        verdict = "allowed" if self.expected else "refused"
        return f"{self.persona}-{self.permission.split('.')[1]}-{self.key}-{verdict}"


def _rows() -> list[Row]:
    rows = []
    for permission, table in POLICY.items():
        for persona in PERSONAS:
            for relationship in RELATIONSHIPS:
                if relationship == "oic" and persona not in POLICE:
                    continue  # only police officers and supervisors are OICs
                for restricted in (False, True):
                    key = f"{relationship}/{'restricted' if restricted else 'unrestricted'}"
                    rows.append(
                        Row(persona, permission, relationship, restricted, persona in table[key])
                    )
    return rows


ROWS = _rows()


def _home(
    actor: User, orgs: dict[str, Organisation]
) -> tuple[Organisation, Organisation, Organisation]:
    """(home team, home BCU, a team in the other BCU) for the persona."""
    if actor.organisation in (orgs["other_team"], orgs["other_bcu"]):
        return orgs["other_team"], orgs["other_bcu"], orgs["team"]
    return orgs["team"], orgs["bcu"], orgs["other_team"]


def _crime(
    actor: User,
    relationship: str,
    restricted: bool,
    orgs,
    offences,
    areas,  # type: ignore[no-untyped-def]
) -> Crime:
    team, bcu, away = _home(actor, orgs)
    if relationship == "oic":
        team, oic = actor.organisation, actor
    elif relationship == "same_team":
        oic = UserFactory(organisation=team, role=Role.OFFICER)
    elif relationship == "same_bcu":
        team = OrganisationFactory(kind=K.TEAM, name="Sibling team", parent=bcu)
        oic = UserFactory(organisation=team, role=Role.OFFICER)
    else:
        team = away
        oic = UserFactory(organisation=team, role=Role.OFFICER)
    now = timezone.now()
    crime = Crime.objects.create(
        force=orgs["force"],
        crn=f"T{actor.pk}-{relationship}-{int(restricted)}",
        offence=offences["common-assault"],
        occurred_at=now,
        reported_at=now,
        area=areas["central_east"],
        oic=oic,
        team=team,
        restricted=restricted,
    )
    if relationship == "shared":
        CaseShare.objects.create(crime=crime, organisation=actor.organisation)
    return crime


@pytest.mark.django_db
@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_policy(request: pytest.FixtureRequest, row: Row, orgs, offences, areas) -> None:
    actor: User = request.getfixturevalue(row.persona)
    crime = _crime(actor, row.relationship, row.restricted, orgs, offences, areas)

    assert actor.has_perm(row.permission, crime) is row.expected
    if row.permission == "cases.view_crime":
        listed = crime_list_for_user(user=actor).filter(pk=crime.pk).exists()
        assert listed is row.expected, "the list and the policy disagree"


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_record_a_crime(request: pytest.FixtureRequest, persona: str) -> None:
    actor: User = request.getfixturevalue(persona)
    assert actor.has_perm("cases.create_crime") is (persona in CREATE_CRIME)


def test_the_table_covers_every_registered_permission() -> None:
    from victimcare.cases.permissions import PERMISSIONS

    # create_crime and search_crime take no object: each has its own table test.
    assert set(PERMISSIONS) == set(POLICY) | {"cases.create_crime", "cases.search_crime"}


@pytest.mark.django_db
def test_a_deactivated_officer_holds_nothing_even_on_their_own_case(
    officer, orgs, offences, areas
) -> None:
    crime = _crime(officer, "oic", False, orgs, offences, areas)
    officer.is_active = False
    officer.save(update_fields=["is_active"])
    for permission in POLICY:
        assert officer.has_perm(permission, crime) is False
    assert not officer.has_perm("cases.create_crime")
    assert not crime_list_for_user(user=officer).exists()


@pytest.mark.django_db
def test_anonymous_and_role_less_people_hold_nothing(orgs, offences, areas, officer) -> None:
    from django.contrib.auth.models import AnonymousUser

    crime = _crime(officer, "same_team", False, orgs, offences, areas)
    no_role = UserFactory(organisation=orgs["team"], role="", email="no.role@example.org")
    for who in (AnonymousUser(), no_role):
        for permission in [*POLICY, "cases.create_crime"]:
            assert who.has_perm(permission, crime) is False
        assert not crime_list_for_user(user=who).exists()


@pytest.mark.django_db
def test_permissions_need_a_crime(officer) -> None:
    for permission in POLICY:
        assert officer.has_perm(permission) is False
        assert officer.has_perm(permission, officer) is False


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("officer", True),
        ("supervisor", True),
        ("desk_agent", True),
        ("witness_care_officer", True),
        ("probation_officer", True),
        ("support_caseworker", True),
        ("analyst", False),
        ("administrator", False),
    ],
)
def test_only_people_who_work_on_cases_may_search_for_one(persona, expected, request):
    person = request.getfixturevalue(persona)
    assert person.has_perm("cases.search_crime") is expected
