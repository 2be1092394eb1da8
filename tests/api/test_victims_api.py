"""Adding a person to a recorded crime through the partner API (issue 10, item 1):
the Central East response team's records system adds a 14-year-old victim's
mother as their contact, through the same service, checks and audit as the
officer's "Add a victim or contact" pages; and reads who is on the crime as
GET /crimes/{crn}/ shows them.

Fake personal data only (Ofcom drama numbers, example.org addresses)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from victimcare.accounts.constants import OrganisationKind as K
from victimcare.accounts.models import Area
from victimcare.api.constants import ALL_SCOPES
from victimcare.api.idempotency import REPLAYED_HEADER
from victimcare.api.services import token_create
from victimcare.cases import messages as case_messages
from victimcare.cases.constants import VictimRole
from victimcare.cases.models import Crime, CrimeVictim, Offence, Victim
from victimcare.cases.services import VictimInput, case_share, crime_create
from victimcare.core.constants import AuditAction
from victimcare.core.models import AuditEvent
from victimcare.duties.constants import DutyState
from victimcare.duties.models import Duty

from ..factories import OrganisationFactory
from .conftest import CRN, CRN_IN_PATH, Token

pytestmark = pytest.mark.django_db

URL = f"/api/v1/crimes/{CRN_IN_PATH}/victims/"
CHILD_NAME = "Jamie Example"
MOTHER_NAME = "Morgan Example"
MOTHER_PHONE = "07700 900612"
MOTHER_EMAIL = "morgan.example@example.org"


def _fourteen_years_ago() -> dt.date:
    today = timezone.localdate()
    return today.replace(year=today.year - 14, day=min(today.day, 28))


def _mother(**changes: Any) -> dict[str, Any]:
    """The mother as the contact for her son: texts are not safe, calls are."""
    return {
        "full_name": MOTHER_NAME,
        "phone": MOTHER_PHONE,
        "email": MOTHER_EMAIL,
        "role": VictimRole.PARENT_OR_GUARDIAN,
        "preferred_channel": "phone",
        "safe_to_text": False,
        "language": "en",
        **changes,
    }


def _record(records_system: Token, area: Area, *, people: list[VictimInput]) -> Crime:
    """An assault in Hackney yesterday, recorded by the records system (so its user is
    the officer in the case)."""
    return crime_create(
        actor=records_system.user,
        crn=CRN,
        offence=Offence.objects.get(code="common-assault"),
        occurred_at=timezone.now() - dt.timedelta(days=1),
        area=area,
        victims=people,
    )


@pytest.fixture
def records_system(police_token: Token) -> Token:
    """The Central East response team's records system (every scope)."""
    return police_token


@pytest.fixture
def child_assault(records_system: Token, area: Area) -> Crime:
    """A 14-year-old boy assaulted on his way home; the crime is recorded with him on it."""
    return _record(
        records_system,
        area,
        people=[VictimInput(full_name=CHILD_NAME, date_of_birth=_fourteen_years_ago())],
    )


@pytest.fixture
def assault_without_people(records_system: Token, area: Area) -> Crime:
    """The same assault, recorded before anyone was linked to it."""
    return _record(records_system, area, people=[])


def _errors(response: Any) -> list[tuple[str, str]]:
    return [(error["attr"], error["detail"]) for error in response.json()["errors"]]


def test_the_mother_of_a_14_year_old_victim_is_added_as_their_contact(
    records_system: Token, child_assault: Crime
) -> None:
    child = Victim.objects.get(crime_links__crime=child_assault)
    child_duties = set(Duty.objects.filter(victim=child).values_list("pk", flat=True))

    response = records_system.client().post(URL, _mother(), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    link = CrimeVictim.objects.get(crime=child_assault, victim_id=body["id"])
    assert link.role == VictimRole.PARENT_OR_GUARDIAN and not link.is_primary_contact
    mother = link.victim
    assert (mother.full_name, mother.phone, mother.email) == (
        MOTHER_NAME,
        "+447700900612",
        MOTHER_EMAIL,
    )
    assert mother.safe_to_text is False and mother.preferred_channel == "phone"
    assert body == {
        "crn": CRN,
        "id": mother.pk,
        "role": VictimRole.PARENT_OR_GUARDIAN,
        "is_primary_contact": False,
        # Decision 14: a parent receives the child's duties on their behalf.
        "duties": [],
    }
    assert set(Duty.objects.filter(victim=child).values_list("pk", flat=True)) == child_duties
    assert not Duty.objects.filter(victim=mother).exists()
    # Never echoed back: nothing of what was sent about her beyond her role.
    text = response.content.decode()
    assert MOTHER_NAME not in text and "900612" not in text and MOTHER_EMAIL not in text
    # The service's audit entry, by the token's user, ids only.
    created = AuditEvent.objects.get(
        action=AuditAction.CREATE, subject_type="cases.victim", subject_id=str(mother.pk)
    )
    assert created.actor_id == records_system.user.pk
    assert created.object_id == str(child_assault.pk)
    assert MOTHER_NAME not in str(created.detail)


def test_the_first_person_on_a_crime_is_its_primary_contact_and_is_owed_its_duties_from_now(
    records_system: Token, assault_without_people: Crime
) -> None:
    before = timezone.now()
    response = records_system.client().post(URL, _mother(), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["is_primary_contact"] is True
    owed = list(Duty.objects.filter(crime=assault_without_people, victim_id=body["id"]))
    assert owed, "nobody else on the crime is owed the reporting duties: the mother is"
    assert sorted(d["id"] for d in body["duties"]) == sorted(d.pk for d in owed)
    assert {d["victim"] for d in body["duties"]} == {body["id"]}
    assert all(d["state"] in (DutyState.OPEN, DutyState.OVERDUE) for d in body["duties"])
    # Added later: the police learned of her now, so the clocks start now.
    assert all(duty.started_at >= before for duty in owed)
    # Showing what she is owed is recorded as the duties read records it.
    shown = AuditEvent.objects.get(action=AuditAction.VIEW, subject_id=str(body["id"]))
    assert shown.detail == {"part": "duties", "duties": [d["id"] for d in body["duties"]]}
    assert shown.purpose == "partner API"


def test_a_second_victim_added_later_is_owed_the_reporting_duties(
    records_system: Token, child_assault: Crime
) -> None:
    friend = {"full_name": "Robin Example", "date_of_birth": str(_fourteen_years_ago())}

    response = records_system.client().post(URL, friend, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["role"] == VictimRole.VICTIM
    assert body["duties"] and {d["victim"] for d in body["duties"]} == {body["id"]}
    assert Duty.objects.filter(victim_id=body["id"]).count() == len(body["duties"])


def test_a_bad_phone_number_is_refused_naming_the_field_and_nothing_is_added(
    records_system: Token, child_assault: Crime
) -> None:
    def counts() -> tuple[int, ...]:
        created = AuditEvent.objects.filter(action=AuditAction.CREATE, subject_type="cases.victim")
        return (
            Victim.objects.count(),
            CrimeVictim.objects.count(),
            Duty.objects.count(),
            created.count(),
        )

    before = counts()
    response = records_system.client().post(URL, _mother(phone="12345"), format="json")

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert _errors(response) == [("phone", case_messages.PHONE_INVALID)]
    assert counts() == before


def test_every_problem_with_the_person_comes_back_at_once(
    records_system: Token, child_assault: Crime
) -> None:
    response = records_system.client().post(
        URL,
        _mother(
            email="not an address",
            needs={"enhanced": True},
            consents=[
                {"kind": "referral", "given": True, "method": "phone"},
                {"kind": "referral", "given": False, "method": "phone"},
            ],
        ),
        format="json",
    )

    assert response.status_code == 400
    assert set(_errors(response)) == {
        ("email", case_messages.EMAIL_INVALID),
        ("needs.enhanced_reasons", case_messages.ENHANCED_REASON_REQUIRED),
        ("consents.1.kind", case_messages.CONSENT_REPEATED),
    }
    assert not Victim.objects.filter(crime_links__role=VictimRole.PARENT_OR_GUARDIAN).exists()


def test_another_forces_crime_is_not_found(records_system: Token, child_assault: Crime) -> None:
    other_force = OrganisationFactory(kind=K.POLICE_FORCE, name="Other Police", code="force-2")
    other_bcu = OrganisationFactory(kind=K.BCU, name="Other BCU", code="bcu-2", parent=other_force)
    team = OrganisationFactory(kind=K.TEAM, name="Other Response", code="team-2", parent=other_bcu)
    other = Token(*token_create(organisation=team, name="other records", scopes=ALL_SCOPES))

    added = other.client().post(URL, _mother(), format="json")
    listed = other.client().get(URL)

    assert added.status_code == listed.status_code == 404
    assert not CrimeVictim.objects.filter(role=VictimRole.PARENT_OR_GUARDIAN).exists()
    # The same requests from the force that recorded it find it.
    assert records_system.client().get(URL).status_code == 200


def test_an_organisation_that_may_see_the_crime_but_not_change_it_is_not_found(
    records_system: Token, child_assault: Crime, orgs
) -> None:  # type: ignore[no-untyped-def]
    # Probation may see a case shared with it, but does not keep victims' records.
    case_share(actor=records_system.user, crime=child_assault, organisation=orgs["probation"])
    probation = Token(
        *token_create(organisation=orgs["probation"], name="probation", scopes=ALL_SCOPES)
    )

    assert probation.client().get(URL).status_code == 200
    response = probation.client().post(URL, _mother(), format="json")

    assert response.status_code == 404
    assert not CrimeVictim.objects.filter(role=VictimRole.PARENT_OR_GUARDIAN).exists()


def test_a_retry_with_the_same_key_adds_one_person(
    records_system: Token, child_assault: Crime
) -> None:
    client = records_system.client()
    headers = {"HTTP_IDEMPOTENCY_KEY": "add-mother-7f3a"}

    first = client.post(URL, _mother(), format="json", **headers)
    retry = client.post(URL, _mother(), format="json", **headers)

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry[REPLAYED_HEADER] == "true"
    assert CrimeVictim.objects.filter(crime=child_assault).count() == 2
    # The same key for another person is a conflict, not a second person.
    other = client.post(URL, _mother(full_name="Someone Else"), format="json", **headers)
    assert other.status_code == 409
    assert CrimeVictim.objects.filter(crime=child_assault).count() == 2


def test_a_token_without_crimes_write_may_list_but_not_add(
    records_system: Token, child_assault: Crime, orgs
) -> None:  # type: ignore[no-untyped-def]
    reader = Token(
        *token_create(organisation=orgs["team"], name="team reader", scopes=["crimes:read"])
    )

    assert reader.client().get(URL).status_code == 200
    response = reader.client().post(URL, _mother(), format="json")

    assert response.status_code == 403
    assert "crimes:write" in response.json()["errors"][0]["detail"]
    assert CrimeVictim.objects.filter(crime=child_assault).count() == 1


def test_the_people_on_a_crime_are_listed_as_its_detail_shows_them(
    records_system: Token, child_assault: Crime
) -> None:
    client = records_system.client()
    added = client.post(URL, _mother(), format="json").json()

    audited = AuditEvent.objects.count()
    listed = client.get(URL)
    after_list = AuditEvent.objects.count()
    detail = client.get(f"/api/v1/crimes/{CRN_IN_PATH}/")

    assert listed.status_code == detail.status_code == 200
    assert listed.json() == {"crn": CRN, "victims": detail.json()["victims"]}
    child = Victim.objects.get(crime_links__role=VictimRole.VICTIM)
    assert listed.json()["victims"] == [
        {"id": child.pk, "role": VictimRole.VICTIM, "is_primary_contact": True},
        {"id": added["id"], "role": VictimRole.PARENT_OR_GUARDIAN, "is_primary_contact": False},
    ]
    text = listed.content.decode()
    assert CHILD_NAME not in text and MOTHER_NAME not in text and "900612" not in text
    # Audited exactly as the detail read (ids and roles only, as there).
    assert after_list - audited == AuditEvent.objects.count() - after_list


def test_another_bcu_cannot_see_who_is_on_the_crime_or_add_to_it(
    records_system: Token, other_bcu_token: Token, child_assault: Crime
) -> None:
    assert other_bcu_token.client().get(URL).status_code == 404
    assert other_bcu_token.client().post(URL, _mother(), format="json").status_code == 404
    assert records_system.client().get(URL).status_code == 200
    assert CrimeVictim.objects.filter(crime=child_assault).count() == 1
