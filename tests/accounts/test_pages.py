"""Each role's home page, the team page, and the Django admin behind the policy."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from victimcare.core.constants import AuditAction
from victimcare.core.models import AuditEvent

from ..factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

HOME = reverse("accounts:home")
TEAM = reverse("accounts:team")

ROLE_TEXT = {
    "officer": "As an officer, the crimes you are investigating",
    "supervisor": "As a supervisor, you can see the people in Central East Response",
    "desk_agent": "As a Victim Focus Desk agent",
    "witness_care_officer": "As a partner caseworker, the cases that the police share with East London WCU",
    "probation_officer": "As a partner caseworker, the cases that the police share with London Probation",
    "support_caseworker": "As a support caseworker, the victims referred to Example Victim Support",
    "analyst": "As an analyst",
    "administrator": "As an administrator",
}


def _hrefs(html: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', html)


@pytest.mark.parametrize("persona", list(ROLE_TEXT))
def test_each_role_sees_its_home_page(request, sign_in, persona):
    person = request.getfixturevalue(persona)
    client = sign_in(person)
    response = client.get(HOME)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<h1") == 1
    assert f'<h1 class="govuk-heading-l">{person.full_name}</h1>' in html
    assert person.get_role_display() in html
    assert person.organisation.name in html
    assert ROLE_TEXT[persona] in html
    assert "style=" not in html
    # Only links to pages that exist and that this person may open.
    client.raise_request_exception = False
    for href in _hrefs(html):
        if href.startswith("/") and not href.startswith("/static/"):
            assert client.get(href).status_code in (200, 302), href


def test_only_supervisors_and_administrators_get_the_team_link(officer, supervisor, sign_in):
    assert TEAM not in sign_in(officer).get(HOME).content.decode()
    assert TEAM in sign_in(supervisor).get(HOME).content.decode()


def test_administrators_get_the_administration_link(administrator, sign_in):
    html = sign_in(administrator).get(HOME).content.decode()
    assert reverse("admin:index") in html


class TestTeamPage:
    def test_a_supervisor_sees_their_organisation_and_those_below(
        self, supervisor, officer, other_officer, orgs, sign_in
    ):
        below = UserFactory(
            organisation=orgs["team"].children.create(
                kind="team", name="Response Night Shift", code="night"
            ),
            full_name="Nina Night",
            email="nina.night@example.org",
            collar_number="CE1234",
        )
        response = sign_in(supervisor).get(TEAM)
        html = response.content.decode()
        assert response.status_code == 200
        assert "<caption" in html and "People in Central East Response" in html
        assert "Olivia Officer" in html and "Sam Supervisor" in html
        assert below.full_name in html and "CE1234" in html and "Response Night Shift" in html
        assert other_officer.full_name not in html

    def test_an_officer_gets_not_found_and_the_refusal_is_audited(self, officer, sign_in):
        response = sign_in(officer).get(TEAM)
        assert response.status_code == 404
        event = AuditEvent.objects.get(action=AuditAction.ACCESS_DENIED)
        assert event.actor_id == officer.pk
        assert event.object_id == "accounts:team"

    def test_signed_out_visitors_are_sent_to_sign_in(self, db):
        response = Client().get(TEAM)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:sign-in"))


class TestAdmin:
    def test_an_administrator_with_a_second_factor_can_use_it(
        self, administrator, officer, sign_in
    ):
        client = sign_in(administrator)
        assert client.get(reverse("admin:index")).status_code == 200
        page = client.get(reverse("admin:accounts_user_changelist"), {"q": "olivia"})
        assert page.status_code == 200
        assert "Olivia Officer" in page.content.decode()
        change = client.get(
            reverse("admin:accounts_user_change", args=[officer.pk])
        ).content.decode()
        assert 'name="password"' not in change and "md5$" not in change
        assert client.get(reverse("admin:accounts_organisation_changelist")).status_code == 200
        assert client.get(reverse("admin:accounts_area_changelist")).status_code == 200

    def test_a_user_list_filters_by_role_and_organisation_kind(self, administrator, sign_in):
        client = sign_in(administrator)
        page = client.get(
            reverse("admin:accounts_user_changelist"),
            {"role": "officer", "organisation__kind": "team"},
        )
        assert page.status_code == 200

    def test_an_administrator_must_have_passed_the_second_factor(self, administrator):
        client = Client()
        client.post(
            reverse("accounts:sign-in"), {"email": administrator.email, "password": TEST_PASSWORD}
        )
        response = client.get(reverse("admin:index"))
        assert response.status_code == 302
        # The admin's own login page only forwards to our sign-in journey.
        response = client.get(response["Location"])
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:sign-in") + "?next=%2Fadmin%2F")

    def test_other_roles_are_refused(self, supervisor, sign_in):
        client = sign_in(supervisor)
        client.raise_request_exception = False
        assert client.get(reverse("admin:index")).status_code in (302, 404)
        assert client.get(reverse("admin:accounts_user_changelist")).status_code in (302, 404)

    def test_a_demo_administrator_without_a_second_factor_may_use_it(self, orgs):
        demo = UserFactory(
            organisation=orgs["force"],
            role="administrator",
            email="demo.admin@example.org",
            otp_exempt=True,
        )
        client = Client()
        client.post(reverse("accounts:sign-in"), {"email": demo.email, "password": TEST_PASSWORD})
        assert client.get(reverse("admin:index")).status_code == 200

    def test_adding_a_person_gives_them_no_usable_password(self, administrator, orgs, sign_in):
        client = sign_in(administrator)
        response = client.post(
            reverse("admin:accounts_user_add"),
            {
                "email": "New.Person@Example.org",
                "full_name": "New Person",
                "organisation": orgs["team"].pk,
                "role": "officer",
                "collar_number": "",
                "is_active": "on",
            },
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        from victimcare.accounts.models import User

        person = User.objects.get(email="new.person@example.org")
        assert not person.has_usable_password()
