"""Bad requests to the partner API (issue 10, "Bad input"), each answered in the
structured error format with nothing changed. A token without the scope a
request needs (403) is covered by tests/api/test_scopes.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from victimcare.api import messages
from victimcare.api.concurrency import IF_MATCH_INVALID
from victimcare.api.models import ApiToken
from victimcare.cases.models import Crime, JourneyEvent, NeedsAssessment

from .conftest import CRN_IN_PATH, Token

CRIMES = "/api/v1/crimes/"
EVENTS = f"/api/v1/crimes/{CRN_IN_PATH}/events/"
TEN_MB = 10 * 1024 * 1024


def _error(response, status: int) -> dict[str, object]:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["type"] in ("client_error", "validation_error")
    return body["errors"][0]


def _counts() -> tuple[int, int]:
    return Crime.objects.count(), JourneyEvent.objects.count()


def test_another_organisations_crime_is_the_same_404_as_a_missing_one(
    other_bcu_token: Token, crime: Crime
) -> None:
    client = other_bcu_token.client()
    for part in ("", "timeline/", "needs/", "duties/"):
        hidden = client.get(f"{CRIMES}{CRN_IN_PATH}/{part}")
        missing = client.get(f"{CRIMES}9999999%2F26/{part}")
        assert hidden.status_code == missing.status_code == 404
        assert hidden.json() == missing.json()


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        ({"revoked_at": timezone.now()}, messages.TOKEN_REVOKED),
        ({"expires_at": timezone.now() - dt.timedelta(minutes=1)}, messages.TOKEN_EXPIRED),
    ],
    ids=["revoked", "expired"],
)
def test_a_revoked_or_expired_token_is_401(wcu_token: Token, crime: Crime, change, detail) -> None:  # type: ignore[no-untyped-def]
    ApiToken.objects.filter(pk=wcu_token.token.pk).update(**change)
    before = _counts()

    read = wcu_token.client().get(f"{CRIMES}{CRN_IN_PATH}/")
    write = wcu_token.client().post(EVENTS, {"code": "hearing_scheduled"}, format="json")

    for response in (read, write):
        assert _error(response, 401) == {
            "code": "authentication_failed",
            "detail": detail,
            "attr": None,
        }
    assert _counts() == before


@pytest.mark.parametrize("url", [CRIMES, EVENTS], ids=["crimes", "events"])
def test_a_10_mb_body_is_413(police_token: Token, crime: Crime, url: str) -> None:
    before = _counts()
    body = b'{"summary": "' + b"x" * TEN_MB + b'"}'

    response = police_token.client().post(url, body, content_type="application/json")

    assert _error(response, 413) == {
        "code": "payload_too_large",
        "detail": messages.BODY_TOO_LARGE,
        "attr": None,
    }
    assert _counts() == before


@pytest.mark.parametrize("url", [CRIMES, EVENTS], ids=["crimes", "events"])
def test_malformed_json_is_a_structured_400(police_token: Token, crime: Crime, url: str) -> None:
    before = _counts()

    response = police_token.client().post(url, b'{"code": ', content_type="application/json")

    assert _error(response, 400)["code"] == "parse_error"
    assert _counts() == before


@pytest.mark.parametrize("url", [CRIMES, EVENTS], ids=["crimes", "events"])
@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"code=hearing_scheduled", "text/plain"),
        (b"code=hearing_scheduled", "application/x-www-form-urlencoded"),
    ],
    ids=["text", "form"],
)
def test_a_body_that_is_not_json_is_415(
    police_token: Token, crime: Crime, url: str, body: bytes, content_type: str
) -> None:
    before = _counts()

    response = police_token.client().post(url, body, content_type=content_type)

    assert _error(response, 415)["code"] == "unsupported_media_type"
    assert _counts() == before


def test_no_token_is_401_in_the_structured_format(crime: Crime) -> None:
    response = APIClient().get(f"{CRIMES}{CRN_IN_PATH}/")
    assert _error(response, 401)["code"] == "not_authenticated"


def test_an_event_dated_before_1900_is_refused_with_a_plain_message(
    wcu_token: Token, crime: Crime
) -> None:
    """Found by the fuzzing: a date in 1336 was stored and came back with London's
    pre-1900 offset (-00:01:15), which is not an ISO 8601 date-time."""
    from victimcare.cases import messages as case_messages

    from .test_events import _hearing

    before = _counts()
    response = wcu_token.client().post(
        EVENTS, _hearing(occurred_at="1336-08-23T12:47:03Z"), format="json"
    )
    error = _error(response, 400)
    assert (error["attr"], error["detail"]) == ("occurred_at", case_messages.EVENT_TOO_EARLY)
    assert _counts() == before


@pytest.mark.parametrize("if_match", ["12-3", '"12-3', "W/12", '"a", b'])
def test_a_malformed_if_match_is_a_validation_error_naming_the_header(
    police_token: Token, crime: Crime, if_match: str
) -> None:
    victim = crime.victim_links.get().victim
    url = f"/api/v1/crimes/{CRN_IN_PATH}/victims/{victim.pk}/contact/"
    before = NeedsAssessment.objects.get(victim=victim).current_id

    response = police_token.client().patch(
        url, {"communication_needs": "Large print"}, format="json", HTTP_IF_MATCH=if_match
    )

    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "errors": [{"code": "invalid", "detail": IF_MATCH_INVALID, "attr": "If-Match"}],
    }
    assert NeedsAssessment.objects.get(victim=victim).current_id == before


def test_a_malformed_idempotency_key_is_a_validation_error_naming_the_header(
    wcu_token: Token, crime: Crime
) -> None:
    before = _counts()

    response = wcu_token.client().post(
        EVENTS,
        {"code": "contact_call", "occurred_at": timezone.now().isoformat()},
        format="json",
        HTTP_IDEMPOTENCY_KEY="has space",
    )

    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "errors": [
            {
                "code": "invalid",
                "detail": messages.IDEMPOTENCY_KEY_INVALID,
                "attr": "Idempotency-Key",
            }
        ],
    }
    assert _counts() == before
