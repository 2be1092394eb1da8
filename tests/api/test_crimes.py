"""A police records system records crimes through the API; bad input is refused
with a 400 naming the field and nothing is saved; another BCU cannot find the crime."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from victimcare.api.models import IdempotencyRecord
from victimcare.cases.models import Crime, JourneyEvent, Victim

from .conftest import CRN, CRN_IN_PATH, Token


def _crime_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "crn": "4400001/26",
        "offence": "common-assault",
        "occurred_at": (timezone.now() - dt.timedelta(days=1)).isoformat(),
        "area": "E09000012",
        "victims": [
            {
                "full_name": "Sam Example",
                "phone": "07700 900456",
                "email": "sam@example.org",
                "language": "pl",
                "interpreter_needed": True,
                "safe_to_text": False,
                "needs": {"special_measures": ["screens"], "support_wanted": ["emotional"]},
                "consents": [{"kind": "sharing", "given": True, "method": "in_person"}],
            }
        ],
    }
    body.update(changes)
    return body


def _counts() -> tuple[int, int, int]:
    return Crime.objects.count(), Victim.objects.count(), JourneyEvent.objects.count()


def _attrs(response) -> set[str]:  # type: ignore[no-untyped-def]
    body = response.json()
    assert body["type"] == "validation_error", body
    return {error["attr"] for error in body["errors"]}


def test_a_police_system_records_a_crime_with_a_victim(police_token: Token) -> None:
    response = police_token.client().post("/api/v1/crimes/", _crime_body(), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["crn"] == "4400001/26"
    assert body["offence"] == "common-assault"
    assert body["area"] == "E09000012"
    assert body["team"] == "team-ce-response"
    assert len(body["victims"]) == 1
    crime = Crime.objects.get(crn="4400001/26")
    assert crime.created_by == police_token.user
    victim = Victim.objects.get(pk=body["victims"][0]["id"])
    assert victim.interpreter_needed and victim.language == "pl"
    assert not victim.safe_to_text
    assert victim.phone == "+447700900456"
    # The response names victims by id only: no personal data.
    assert "Sam Example" not in response.content.decode()
    assert "900456" not in response.content.decode()


def _future() -> str:
    return (timezone.now() + dt.timedelta(days=2)).isoformat()


@pytest.mark.parametrize(
    ("changes", "attr"),
    [
        ({"crn": "44-12345"}, "crn"),
        ({"occurred_at": "FUTURE"}, "occurred_at"),
        ({"offence": "no-such-offence"}, "offence"),
        ({"area": "E00000000"}, "area"),
        ({"victims": [{"full_name": "Sam Example", "phone": "12345"}]}, "victims.0.phone"),
        ({"victims": [{"full_name": "Sam Example", "email": "not-an-email"}]}, "victims.0.email"),
        ({"victims": [{"full_name": ""}]}, "victims.0.full_name"),
        (
            {
                "victims": [
                    {
                        "full_name": "Sam Example",
                        "wants_updates": True,
                        "safe_to_call": False,
                        "safe_to_text": False,
                        "safe_to_email": False,
                        "safe_for_letters": False,
                    }
                ]
            },
            None,
        ),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_saved(
    police_token: Token, changes: dict[str, Any], attr: str | None
) -> None:
    if changes.get("occurred_at") == "FUTURE":
        changes["occurred_at"] = _future()
    before = _counts()

    response = police_token.client().post("/api/v1/crimes/", _crime_body(**changes), format="json")

    assert response.status_code == 400
    attrs = _attrs(response)
    if attr is None:
        # A self-contradicting safe-contact rule: named on the victim.
        assert any(a.startswith("victims.0") for a in attrs), attrs
    else:
        assert attr in attrs
    assert _counts() == before


def test_malformed_json_is_a_structured_400(police_token: Token) -> None:
    response = police_token.client().post(
        "/api/v1/crimes/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "parse_error"


def test_a_crn_already_recorded_is_refused(police_token: Token, crime: Crime) -> None:
    before = _counts()
    response = police_token.client().post("/api/v1/crimes/", _crime_body(crn=CRN), format="json")

    assert response.status_code == 400
    assert "crn" in _attrs(response)
    assert _counts() == before


def test_a_witness_care_unit_cannot_record_crimes(wcu_token: Token, offences, area) -> None:  # type: ignore[no-untyped-def]
    before = _counts()
    response = wcu_token.client().post("/api/v1/crimes/", _crime_body(), format="json")

    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "permission_denied"
    assert _counts() == before


@pytest.mark.parametrize("crn_in_path", [CRN_IN_PATH, CRN])
def test_the_crn_in_the_path_may_be_percent_encoded_or_literal(
    wcu_token: Token, crime: Crime, crn_in_path: str
) -> None:
    response = wcu_token.client().get(f"/api/v1/crimes/{crn_in_path}/")

    assert response.status_code == 200
    assert response.json()["crn"] == CRN
    assert response.json()["status"] == crime.status


def test_another_bcu_cannot_find_the_crime(other_bcu_token: Token, crime: Crime) -> None:
    client = other_bcu_token.client()
    missing = "9999999%2F26"
    event = {"code": "contact_call", "occurred_at": timezone.now().isoformat()}
    before = _counts()

    for suffix, method, body in [
        ("", "get", None),
        ("events/", "post", event),
        ("timeline/", "get", None),
        ("needs/", "get", None),
    ]:
        seen = getattr(client, method)(
            f"/api/v1/crimes/{CRN_IN_PATH}/{suffix}", body, format="json"
        )
        absent = getattr(client, method)(f"/api/v1/crimes/{missing}/{suffix}", body, format="json")
        assert seen.status_code == 404, suffix
        # The same answer as for a crime that does not exist: nothing is revealed.
        assert seen.json() == absent.json(), suffix
        assert CRN not in seen.content.decode()
    assert _counts() == before
    assert not IdempotencyRecord.objects.exists()
