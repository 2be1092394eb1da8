"""Selectors scope lists the same way the policy decides single objects."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from victimcare.accounts.selectors import (
    access_person,
    organisation_list_for_user,
    person_list_for_user,
)

pytestmark = pytest.mark.django_db


def test_a_supervisor_lists_their_organisation_and_below(
    supervisor, officer, other_officer, desk_agent, orgs
):
    below = orgs["team"].children.create(kind="team", name="Night shift", code="night")
    from ..factories import UserFactory

    night = UserFactory(organisation=below, email="night@example.org")
    people = set(person_list_for_user(user=supervisor))
    assert people == {supervisor, officer, night}


def test_an_officer_lists_only_themselves(officer, supervisor):
    assert list(person_list_for_user(user=officer)) == [officer]


def test_an_administrator_lists_everyone(administrator, officer, other_officer):
    assert {administrator, officer, other_officer} <= set(person_list_for_user(user=administrator))


def test_nobody_listed_for_anonymous_or_inactive(officer, administrator):
    assert list(person_list_for_user(user=AnonymousUser())) == []
    administrator.is_active = False
    assert list(person_list_for_user(user=administrator)) == []


def test_every_listed_person_passes_the_policy_and_no_other(
    supervisor, officer, other_officer, administrator, analyst
):
    for user in (supervisor, officer, administrator, analyst):
        listed = set(person_list_for_user(user=user))
        from victimcare.accounts.models import User

        for person in User.objects.all():
            assert (person in listed) == user.has_perm("accounts.view_person", person), (
                user,
                person,
            )


def test_access_person_answers_not_found_for_missing_and_forbidden_alike(officer, other_officer):
    assert access_person(user=officer, person_id=officer.pk) == officer
    with pytest.raises(Http404) as forbidden:
        access_person(user=officer, person_id=other_officer.pk)
    with pytest.raises(Http404) as missing:
        access_person(user=officer, person_id=999_999)
    assert str(forbidden.value) == str(missing.value)


def test_organisations_listed_match_the_policy(officer, supervisor, administrator, analyst, orgs):
    from victimcare.accounts.models import Organisation

    for user in (officer, supervisor, administrator, analyst):
        listed = set(organisation_list_for_user(user=user))
        for org in Organisation.objects.all():
            assert (org in listed) == user.has_perm("accounts.view_organisation", org), (user, org)
    force_member = administrator
    assert orgs["other_bcu"] in set(organisation_list_for_user(user=force_member))
