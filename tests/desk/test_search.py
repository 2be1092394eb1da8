"""Find fast: Dana Desk, a Victim Focus Desk agent, finds the person who rang by
phone number, email, CRN, or name and date of birth, always giving a reason;
officers and analysts cannot use the console; bad input gets an error summary
and searches nothing. Every search is audited with its purpose, never its terms."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from victimcare.cases.services import VictimInput
from victimcare.core.constants import AuditAction
from victimcare.core.models import AuditEvent
from victimcare.desk import messages as msg

from .conftest import VICTIM_EMAIL, VICTIM_NAME, VICTIM_PHONE, signed_in, text

pytestmark = pytest.mark.django_db
SEARCH = reverse("desk:search")
PURPOSE = "The victim called the desk"


def _search(client, **fields):  # type: ignore[no-untyped-def]
    data = {"purpose": PURPOSE, **fields}
    return client.post(SEARCH, data, follow=True)


def _result_ids(response) -> list[tuple[int, int]]:  # type: ignore[no-untyped-def]
    return [
        (int(v), int(c))
        for v, c in re.findall(
            r'data-victim-id="(\d+)" data-crime-id="(\d+)"', response.content.decode()
        )
    ]


def test_the_agent_finds_the_caller_by_phone_number(desk, crime, victim):
    response = _search(desk, phone="+44 7700 900123")
    assert response.status_code == 200
    assert _result_ids(response) == [(victim.pk, crime.pk)]
    page = text(response)
    assert crime.crn in page and "Common assault" in page and "Hackney" in page
    # No names or contact details in the list, and none in any URL.
    assert VICTIM_NAME not in page and VICTIM_EMAIL not in page and "900123" not in page
    for url, _ in response.redirect_chain:
        assert "900123" not in url and "Victim" not in url
    entry = AuditEvent.objects.filter(action=AuditAction.SEARCH).latest("seq")
    assert entry.purpose == PURPOSE
    assert entry.detail["criteria"] == ["phone"]
    assert entry.detail["crime_ids"] == [crime.pk]
    assert "900123" not in str(entry.detail)


@pytest.mark.parametrize(
    "fields",
    [
        {"email": VICTIM_EMAIL.upper()},
        {
            "name": VICTIM_NAME,
            "date_of_birth-day": "31",
            "date_of_birth-month": "3",
            "date_of_birth-year": "1980",
        },
        {"crn": "crn"},
    ],
    ids=["email", "name-and-date-of-birth", "crn"],
)
def test_the_agent_finds_the_caller_other_ways(desk, crime, victim, fields):
    if fields.get("crn"):
        fields = {"crn": crime.crn}
    response = _search(desk, **fields)
    assert _result_ids(response) == [(victim.pk, crime.pk)]


def test_a_wrong_date_of_birth_or_number_finds_no_one(desk, crime):
    response = _search(
        desk,
        name=VICTIM_NAME,
        **{"date_of_birth-day": "1", "date_of_birth-month": "1", "date_of_birth-year": "1990"},
    )
    assert _result_ids(response) == []
    assert "0 people found" in text(response)
    assert _result_ids(_search(desk, phone="07700 900999")) == []


def test_a_restricted_case_is_not_found_by_the_desk(desk, make_crime):
    make_crime(
        offence="rape",
        victims=[VictimInput(full_name="Other Person", phone="07700 900456")],
    )
    assert _result_ids(_search(desk, phone="07700 900456")) == []


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({}, msg.SEARCH_CRITERIA_REQUIRED),
        (
            {"date_of_birth-day": "31", "date_of_birth-month": "3", "date_of_birth-year": "1980"},
            msg.SEARCH_DOB_NEEDS_NAME,
        ),
        ({"phone": "not a number"}, msg.PHONE_INVALID),
        ({"email": "not-an-email"}, msg.EMAIL_INVALID),
        ({"phone": VICTIM_PHONE, "purpose": ""}, msg.SEARCH_PURPOSE_REQUIRED),
    ],
    ids=["no-criteria", "dob-without-name", "bad-phone", "bad-email", "no-purpose"],
)
def test_bad_input_gets_an_error_summary_and_searches_nothing(desk, crime, fields, error):
    before = AuditEvent.objects.filter(action=AuditAction.SEARCH).count()
    response = desk.post(SEARCH, {"purpose": PURPOSE, **fields})
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert error in text(response)
    assert "<title>Error: " in html
    assert AuditEvent.objects.filter(action=AuditAction.SEARCH).count() == before


@pytest.mark.parametrize("persona", ["officer", "supervisor", "analyst", "witness_care_officer"])
def test_only_the_desk_may_use_the_console(request, crime, victim, persona):
    client = signed_in(request.getfixturevalue(persona))
    assert client.get(SEARCH).status_code == 404
    assert client.post(SEARCH, {"purpose": PURPOSE, "phone": VICTIM_PHONE}).status_code == 404
    check = reverse("desk:identity-check", args=[victim.pk, crime.pk])
    assert client.get(check).status_code == 404
    assert client.get(reverse("desk:case", args=[victim.pk, crime.pk])).status_code == 404
    assert not AuditEvent.objects.filter(
        action=AuditAction.VIEW,
        subject_type="cases.victim",
        object_type="cases.crime",
        detail__page__startswith="desk.",
    ).exists()


def test_the_desk_menu_item_is_shown_to_desk_staff_only(desk, officer):
    assert f'href="{SEARCH}"' in desk.get(reverse("accounts:home")).content.decode()
    assert (
        f'href="{SEARCH}"' not in signed_in(officer).get(reverse("accounts:home")).content.decode()
    )


def test_signed_out_people_are_sent_to_sign_in(client):
    response = client.get(SEARCH)
    assert response.status_code == 302
