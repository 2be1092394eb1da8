"""The directory pages: administrators and support organisations see every
service; an administrator updates any, a support organisation's supervisor
only their own organisation's; everyone else gets the ordinary 404. Bad input
is refused field by field and changes nothing; a good update is audited."""

from __future__ import annotations

import html as html_lib
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import OrganisationFactory, UserFactory
from victimcare.accounts.constants import OrganisationKind, Role
from victimcare.accounts.models import User
from victimcare.core.constants import AuditAction
from victimcare.core.models import AuditEvent
from victimcare.referrals.constants import ReceiveBy, ServiceKind
from victimcare.referrals.directory import AGE_RANGE, EMAIL_NEEDED, NO_BOROUGH
from victimcare.referrals.models import SupportService

pytestmark = pytest.mark.django_db


def signed_in(user: User) -> Client:
    User.objects.filter(pk=user.pk).update(otp_exempt=True)
    user.refresh_from_db()  # the session is bound to the account as it is now
    client = Client()
    client.force_login(user)
    return client


def text(response: Any) -> str:
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html_lib.unescape(body).split())


@pytest.fixture
def other_charity(db):  # type: ignore[no-untyped-def]
    return OrganisationFactory(
        kind=OrganisationKind.SUPPORT_ORGANISATION, name="Other Advocacy", code="support-2"
    )


@pytest.fixture
def charity_supervisor(orgs) -> User:  # type: ignore[no-untyped-def]
    return UserFactory(
        organisation=orgs["charity"],
        role=Role.SUPERVISOR,
        email="sid.support-lead@example.org",
        full_name="Sid Lead",
    )


@pytest.fixture
def ours(orgs, areas) -> SupportService:  # type: ignore[no-untyped-def]
    s = SupportService.objects.create(
        organisation=orgs["charity"],
        name="Example IDVA Hackney",
        kind=ServiceKind.IDVA,
        advocates_in_post=2,
        caseload_each=20,
        open_cases=44,
        waiting_days=21,
        risk_levels=["high"],
    )
    s.boroughs.set([areas["central_east"]])
    return s


@pytest.fixture
def theirs(other_charity, areas) -> SupportService:  # type: ignore[no-untyped-def]
    s = SupportService.objects.create(
        organisation=other_charity, name="Other Fraud Service", kind=ServiceKind.FRAUD
    )
    s.boroughs.set([areas["north"]])
    return s


def edit_url(service: SupportService) -> str:
    return reverse("referrals:directory-edit", args=[service.pk])


GOOD = {
    "advocates_in_post": "3",
    "caseload_each": "18",
    "open_cases": "40",
    "waiting_days": "10",
    "receive_by": ReceiveBy.VICTIMCARE,
    "referral_email": "",
    "min_age": "16",
    "max_age": "",
    "risk_levels": ["high"],
}


def good(areas: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**GOOD, "boroughs": [str(areas["central_east"].pk)], **changes}


@pytest.mark.parametrize("persona", ["administrator", "support_caseworker", "charity_supervisor"])
def test_the_directory_lists_every_service_for_those_who_keep_it(request, persona, ours, theirs):
    user = request.getfixturevalue(persona)

    page = signed_in(user).get(reverse("referrals:directory"))

    assert page.status_code == 200
    body = text(page)
    assert "Example IDVA Hackney" in body and "Other Fraud Service" in body
    assert "2 advocates × 20 = 40 places; 44 open cases; wait 21 days" in body


@pytest.mark.parametrize("persona", ["officer", "supervisor", "analyst", "desk_agent"])
def test_anyone_else_gets_404_for_the_list_and_the_edit_page(request, persona, ours, areas):
    client = signed_in(request.getfixturevalue(persona))

    assert client.get(reverse("referrals:directory")).status_code == 404
    assert client.get(edit_url(ours)).status_code == 404
    assert client.post(edit_url(ours), good(areas)).status_code == 404
    ours.refresh_from_db()
    assert ours.advocates_in_post == 2


def test_an_administrator_of_the_oversight_body_may_view_and_edit(orgs, ours, areas):
    admin = UserFactory(
        organisation=orgs["oversight"],
        role=Role.ADMINISTRATOR,
        email="oli.oversight@example.org",
        full_name="Oli Oversight",
    )
    client = signed_in(admin)
    assert client.get(reverse("referrals:directory")).status_code == 200
    assert client.post(edit_url(ours), good(areas)).status_code == 302


def test_the_list_filters_by_borough_and_kind(administrator, ours, theirs, areas):
    client = signed_in(administrator)

    hackney = text(
        client.get(reverse("referrals:directory"), {"borough": areas["central_east"].pk})
    )
    assert "Example IDVA Hackney" in hackney and "Other Fraud Service" not in hackney
    fraud = text(client.get(reverse("referrals:directory"), {"kind": ServiceKind.FRAUD}))
    assert "Other Fraud Service" in fraud and "Example IDVA Hackney" not in fraud
    nothing = text(
        client.get(
            reverse("referrals:directory"),
            {"borough": areas["north"].pk, "kind": ServiceKind.IDVA},
        )
    )
    assert "No services match" in nothing


def test_only_the_services_the_person_may_edit_have_an_update_link(
    charity_supervisor, support_caseworker, ours, theirs
):
    page = signed_in(charity_supervisor).get(reverse("referrals:directory")).content.decode()
    assert edit_url(ours) in page and edit_url(theirs) not in page
    page = signed_in(support_caseworker).get(reverse("referrals:directory")).content.decode()
    assert edit_url(ours) not in page


def test_a_supervisor_updates_their_own_service_and_it_is_audited(charity_supervisor, ours, areas):
    response = signed_in(charity_supervisor).post(edit_url(ours), good(areas))

    assert response.status_code == 302
    ours.refresh_from_db()
    assert (ours.advocates_in_post, ours.caseload_each, ours.open_cases, ours.waiting_days) == (
        3,
        18,
        40,
        10,
    )
    assert ours.min_age == 16 and ours.max_age is None
    assert ours.capacity_updated_at is not None and ours.updated_by == charity_supervisor
    entry = AuditEvent.objects.get(
        action=AuditAction.CHANGE, object_type="referrals.supportservice", object_id=str(ours.pk)
    )
    assert entry.actor_id == charity_supervisor.pk
    assert set(entry.detail["fields"]) >= {"advocates_in_post", "min_age", "waiting_days"}


def test_a_supervisor_cannot_open_or_change_another_organisations_service(
    charity_supervisor, support_caseworker, theirs, areas
):
    for user in (charity_supervisor, support_caseworker):
        client = signed_in(user)
        assert client.get(edit_url(theirs)).status_code == 404
        assert client.post(edit_url(theirs), good(areas)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.advocates_in_post == 0 and theirs.capacity_updated_at is None


def test_a_missing_service_is_404(administrator):
    assert signed_in(administrator).get("/referrals/services/999999/edit/").status_code == 404


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"min_age": "30", "max_age": "18"}, AGE_RANGE),
        ({"boroughs": []}, NO_BOROUGH),
        ({"advocates_in_post": "-1"}, "The number of advocates in post must be 0 or more"),
        ({"caseload_each": "ten"}, "Enter the caseload each as a whole number, like 20"),
        ({"open_cases": ""}, "Enter the number of open cases (0 if none)"),
        ({"waiting_days": "2.5"}, "Enter the waiting time in days as a whole number, like 5"),
        ({"receive_by": ReceiveBy.SECURE_EMAIL, "referral_email": ""}, EMAIL_NEEDED),
        (
            {"referral_email": "not an address"},
            "Enter the referral mailbox in the correct format, like referrals@example.org",
        ),
    ],
)
def test_bad_input_is_refused_with_a_specific_message_and_changes_nothing(
    administrator, ours, areas, changes, message
):
    response = signed_in(administrator).post(edit_url(ours), good(areas, **changes))

    assert response.status_code == 200
    body = text(response)
    assert "There is a problem" in body and message in body
    assert response.content.decode().count(html_lib.escape(message)) >= 2  # summary and field
    ours.refresh_from_db()
    assert ours.advocates_in_post == 2 and ours.min_age is None and ours.capacity_updated_at is None
    assert not AuditEvent.objects.filter(action=AuditAction.CHANGE).exists()


def test_secure_email_with_a_mailbox_is_saved(administrator, ours, areas):
    signed_in(administrator).post(
        edit_url(ours),
        good(
            areas,
            receive_by=ReceiveBy.SECURE_EMAIL,
            referral_email="referrals@example.org",
            boroughs=[str(areas["central_east"].pk), str(areas["north"].pk)],
        ),
    )
    ours.refresh_from_db()
    assert ours.receive_by == ReceiveBy.SECURE_EMAIL
    assert ours.referral_email == "referrals@example.org"
    assert set(ours.boroughs.values_list("name", flat=True)) == {"Hackney", "Enfield"}
