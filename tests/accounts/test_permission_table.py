"""The permission policy as a table: persona × permission × relationship → allowed?

Every row is written out as data (who is allowed for each permission and
relationship); everyone not listed must be refused. Relationships, from the
persona's point of view:

- none: a permission about no particular object;
- self: the object is the persona (people) — not applicable to organisations;
- same_org: a person in / the persona's own organisation;
- child_org: a person in / an organisation directly below the persona's;
- parent_org: a person in / the organisation directly above the persona's;
- other_org: a person in / an unrelated organisation.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from victimcare.accounts.constants import OrganisationKind
from victimcare.accounts.models import Organisation, User

from ..factories import OrganisationFactory, UserFactory

PERSONAS = [
    "officer",
    "supervisor",
    "desk_agent",
    "witness_care_officer",
    "probation_officer",
    "support_caseworker",
    "analyst",
    "administrator",
]
EVERYONE = frozenset(PERSONAS)
ADMIN = frozenset({"administrator"})
SUPERVISION = frozenset({"supervisor", "administrator"})

# permission -> relationship -> personas allowed. Anything not listed: refused.
POLICY: dict[str, dict[str, frozenset[str]]] = {
    "accounts.view_home": {"none": EVERYONE},
    "accounts.view_team": {"none": SUPERVISION},
    "accounts.manage_people": {"none": ADMIN},
    "accounts.use_admin": {"none": ADMIN},
    "core.search_audit": {"none": ADMIN},
    # Without an object the question is "may they view any person at all":
    # only someone who may view every person answers yes.
    "accounts.view_person": {
        "none": ADMIN,
        "self": EVERYONE,
        "same_org": SUPERVISION,
        "child_org": SUPERVISION,
        "parent_org": ADMIN,
        "other_org": ADMIN,
    },
    "accounts.view_organisation": {
        "none": ADMIN,
        "same_org": EVERYONE,
        "child_org": EVERYONE,
        "parent_org": ADMIN,
        "other_org": ADMIN,
    },
}
RELATIONSHIPS_BY_OBJECT = {
    "accounts.view_person": ["none", "self", "same_org", "child_org", "parent_org", "other_org"],
    "accounts.view_organisation": ["none", "same_org", "child_org", "parent_org", "other_org"],
}


@dataclass(frozen=True)
class Row:
    persona: str
    permission: str
    relationship: str
    expected: bool

    @property
    def id(self) -> str:
        verdict = "allowed" if self.expected else "refused"
        return f"{self.persona}-{self.permission.split('.')[1]}-{self.relationship}-{verdict}"


def _rows() -> list[Row]:
    rows = []
    for permission, allowed in POLICY.items():
        relationships = RELATIONSHIPS_BY_OBJECT.get(permission, ["none"])
        for persona in PERSONAS:
            for relationship in relationships:
                rows.append(
                    Row(
                        persona,
                        permission,
                        relationship,
                        persona in allowed.get(relationship, frozenset()),
                    )
                )
    return rows


ROWS = _rows()


def _parent_of(org: Organisation) -> Organisation:
    if org.parent_id is None:
        org.parent = OrganisationFactory(
            kind=OrganisationKind.POLICE_FORCE, name=f"Above {org.name}"
        )
        org.save(update_fields=["parent"])
    return org.parent


def _related_object(actor: User, permission: str, relationship: str) -> User | Organisation | None:
    if relationship == "none":
        return None
    if relationship == "self":
        return actor
    org = actor.organisation
    target = {
        "same_org": lambda: org,
        "child_org": lambda: OrganisationFactory(
            kind=OrganisationKind.TEAM, name=f"Below {org.name}", parent=org
        ),
        "parent_org": lambda: _parent_of(org),
        "other_org": lambda: OrganisationFactory(
            kind=OrganisationKind.SUPPORT_ORGANISATION, name="Unrelated charity"
        ),
    }[relationship]()
    if permission == "accounts.view_organisation":
        return target
    return UserFactory(organisation=target, role="officer", full_name="Someone Else")


@pytest.mark.django_db
@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_policy(request: pytest.FixtureRequest, row: Row) -> None:
    actor: User = request.getfixturevalue(row.persona)
    obj = _related_object(actor, row.permission, row.relationship)
    assert actor.has_perm(row.permission, obj) is row.expected


def test_the_table_covers_every_registered_permission() -> None:
    from victimcare.accounts.permissions import PERMISSIONS

    assert set(POLICY) == set(PERMISSIONS)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_an_unknown_permission_is_refused(request: pytest.FixtureRequest, persona: str) -> None:
    actor: User = request.getfixturevalue(persona)
    for name in (
        "accounts.delete_everything",
        "cases.view_case",
        "accounts.view_user",
        "accounts.change_user",
    ):
        assert actor.has_perm(name) is False
        assert actor.has_perm(name, actor) is False


@pytest.mark.django_db
def test_a_deactivated_administrator_holds_nothing(
    administrator: User, officer: User, orgs
) -> None:
    administrator.is_active = False
    administrator.save(update_fields=["is_active"])
    for permission in POLICY:
        for obj in (None, administrator, officer, orgs["force"], orgs["team"]):
            assert administrator.has_perm(permission, obj) is False, (permission, obj)


@pytest.mark.django_db
def test_anonymous_visitors_and_people_without_a_role_hold_nothing(orgs) -> None:
    from django.contrib.auth.models import AnonymousUser

    no_role = UserFactory(organisation=orgs["team"], role="", email="no.role@example.org")
    no_org = UserFactory(organisation=None, role="administrator", email="no.org@example.org")
    for who in (AnonymousUser(), no_role, no_org):
        for permission in POLICY:
            assert who.has_perm(permission) is False
            assert who.has_perm(permission, orgs["team"]) is False


def test_the_superuser_flag_grants_nothing_the_policy_does_not(officer):
    officer.is_superuser = True
    officer.save(update_fields=["is_superuser"])

    assert not officer.has_perm("core.search_audit")
    assert not officer.has_perm("accounts.use_admin")
    assert not officer.has_perm("accounts.no_such_permission")
    assert officer.has_perm("accounts.view_home")
