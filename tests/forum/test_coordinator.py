"""The forum coordinator's list at /forum/volunteers/: volunteers by borough
and kind of crime with their contact status, showing only what each one agreed
to share (and filtering only on that); every list shown and every volunteer
opened is audited; the contact status can be updated. Anyone without
`forum.coordinate` gets 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import UserFactory
from tests.feedback.conftest import signed_in
from victimcare.accounts.constants import Role
from victimcare.core.constants import AuditAction
from victimcare.core.models import AuditEvent
from victimcare.forum.constants import ContactStatus
from victimcare.forum.models import Volunteer

from .conftest import ENFIELD, HACKNEY, LIST_URL, join


def _everyone_shares(**overrides):
    join(**overrides)
    return Volunteer.objects.order_by("-pk").first()


@pytest.fixture
def volunteers(db):  # type: ignore[no-untyped-def]
    """Three volunteers: Alex shares everything (Hackney, burglary); Bo shares
    only an email, though they live in Hackney and were defrauded; Cy shares
    everything (Enfield, fraud)."""
    alex = _everyone_shares(
        name="Alex Sharer", email="alex@example.com", phone="07700 900601", experiences=["burglary"]
    )
    bo = _everyone_shares(
        name="Bo Private",
        email="bo@example.com",
        phone="07700 900602",
        experiences=["fraud"],
        share=["email"],
    )
    cy = _everyone_shares(
        name="Cy Enfield",
        email="cy@example.com",
        phone="07700 900603",
        borough=ENFIELD,
        experiences=["fraud"],
    )
    return {"alex": alex, "bo": bo, "cy": cy}


def _page(client, **query) -> str:
    response = client.get(LIST_URL, query)
    assert response.status_code == 200
    return response.content.decode()


def test_the_coordinator_sees_only_what_each_volunteer_agreed_to_share(volunteers, mopac_admin):
    page = _page(signed_in(mopac_admin))

    assert "Alex Sharer" in page and "alex@example.com" in page and "07700 900601" in page
    assert "Hackney" in page and "Burglary" in page
    # Bo shared only an email: no name, phone, borough or experience shown.
    assert "bo@example.com" in page
    assert "Bo Private" not in page and "07700 900602" not in page
    bo_row = page.split(f'id="volunteer-{volunteers["bo"].pk}"')[1].split("</tr>")[0]
    assert "Hackney" not in bo_row and "Fraud" not in bo_row
    assert bo_row.count("Not shared") == 3


def test_filtering_by_borough_matches_only_those_who_shared_it(volunteers, mopac_admin):
    page = _page(signed_in(mopac_admin), borough=HACKNEY)
    assert "alex@example.com" in page
    assert "bo@example.com" not in page  # lives in Hackney, did not say so
    assert "cy@example.com" not in page

    page = _page(signed_in(mopac_admin), borough=ENFIELD)
    assert "cy@example.com" in page and "alex@example.com" not in page


def test_filtering_by_experience_matches_only_those_who_shared_it(volunteers, mopac_admin):
    page = _page(signed_in(mopac_admin), experience="fraud")
    assert "cy@example.com" in page
    assert "bo@example.com" not in page and "alex@example.com" not in page


def test_filtering_by_status_and_unknown_filters_are_ignored_with_a_message(
    volunteers, mopac_admin
):
    client = signed_in(mopac_admin)
    client.post(
        reverse("forum:volunteer", kwargs={"volunteer_id": volunteers["cy"].pk}),
        {"action": "status", "status": "contacted"},
    )
    page = _page(client, status="contacted")
    assert "cy@example.com" in page and "alex@example.com" not in page

    page = _page(client, borough="<script>", experience="piracy")
    assert 'id="ignored-filters"' in page
    assert "<script>" not in page
    assert "alex@example.com" in page and "cy@example.com" in page


def test_each_list_is_audited_with_the_volunteers_shown(volunteers, mopac_admin):
    _page(signed_in(mopac_admin), borough=HACKNEY)

    reads = AuditEvent.objects.filter(action=AuditAction.VIEW, object_type="forum.volunteer_list")
    assert sorted(reads.values_list("subject_id", flat=True)) == [str(volunteers["alex"].pk)]
    read = reads.get()
    assert read.actor_id == mopac_admin.pk
    assert read.subject_type == "forum.volunteer"
    assert read.detail["borough"] == HACKNEY

    _page(signed_in(mopac_admin))
    assert reads.count() == 1 + 3


def test_opening_a_volunteer_is_audited_and_the_status_can_be_updated(volunteers, mopac_admin):
    client = signed_in(mopac_admin)
    bo = volunteers["bo"]
    url = reverse("forum:volunteer", kwargs={"volunteer_id": bo.pk})

    page = client.get(url).content.decode()
    assert "bo@example.com" in page and "Bo Private" not in page
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, object_type="forum.volunteer", object_id=str(bo.pk)
    ).exists()

    response = client.post(url, {"action": "status", "status": "taking_part"})
    assert response.status_code == 302
    bo.refresh_from_db()
    assert bo.status == ContactStatus.TAKING_PART
    change = AuditEvent.objects.get(action=AuditAction.CHANGE, object_type="forum.volunteer")
    assert change.detail == {"status_from": "new", "status_to": "taking_part"}


def test_a_status_the_coordinator_may_not_set_is_refused(volunteers, mopac_admin):
    client = signed_in(mopac_admin)
    alex = volunteers["alex"]
    url = reverse("forum:volunteer", kwargs={"volunteer_id": alex.pk})

    response = client.post(url, {"action": "status", "status": "withdrawn"})

    assert response.status_code == 400
    assert "Select a contact status" in response.content.decode()
    alex.refresh_from_db()
    assert alex.status == ContactStatus.NEW and alex.email == "alex@example.com"


@pytest.mark.parametrize(
    "persona",
    [
        "officer",
        "supervisor",
        "desk_agent",
        "witness_care_officer",
        "support_caseworker",
    ],
)
def test_anyone_else_gets_404(volunteers, request, persona):
    user = request.getfixturevalue(persona)
    client = signed_in(user)
    alex = volunteers["alex"]
    detail = reverse("forum:volunteer", kwargs={"volunteer_id": alex.pk})

    assert client.get(LIST_URL).status_code == 404
    assert client.get(detail).status_code == 404
    assert client.post(detail, {"action": "status", "status": "contacted"}).status_code == 404
    alex.refresh_from_db()
    assert alex.status == ContactStatus.NEW
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED, actor_id=user.pk).exists()
    assert not AuditEvent.objects.filter(action=AuditAction.VIEW, actor_id=user.pk).exists()


def test_signed_out_people_are_sent_to_sign_in(volunteers, client):
    response = client.get(LIST_URL)
    assert response.status_code == 302
    assert "sign-in" in response["Location"]


def test_who_holds_forum_coordinate(orgs, administrator, analyst, mopac_admin, officer):
    bcu_analyst = UserFactory(
        organisation=orgs["bcu"], role=Role.ANALYST, email="bea.bcu@example.org"
    )
    force_analyst = UserFactory(
        organisation=orgs["force"], role=Role.ANALYST, email="fay.force@example.org"
    )
    holders = {
        u.email: u.has_perm("forum.coordinate")
        for u in (administrator, analyst, mopac_admin, officer, bcu_analyst, force_analyst)
    }
    assert holders == {
        administrator.email: True,  # police force administrator
        analyst.email: True,  # MOPAC analyst
        mopac_admin.email: True,  # MOPAC administrator
        officer.email: False,
        bcu_analyst.email: False,
        force_analyst.email: False,
    }


def test_the_coordinator_has_the_page_in_the_menu_and_others_do_not(
    volunteers, mopac_admin, officer
):
    home = reverse("accounts:home")
    assert LIST_URL in signed_in(mopac_admin).get(home).content.decode()
    assert LIST_URL not in signed_in(officer).get(home).content.decode()
