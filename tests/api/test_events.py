"""A Witness Care Unit's system posts hearing dates on a crime shared with it; a
retried POST with the same Idempotency-Key is stored once; the timeline pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from victimcare.api import messages
from victimcare.api.models import IdempotencyRecord
from victimcare.api.services import request_fingerprint
from victimcare.api.throttling import ApiTokenRateThrottle
from victimcare.cases import messages as case_messages
from victimcare.cases.constants import CrimeStatus, EventCode
from victimcare.cases.models import Crime, JourneyEvent
from victimcare.cases.services import event_record

from .conftest import CRN_IN_PATH, Token

EVENTS = f"/api/v1/crimes/{CRN_IN_PATH}/events/"
TIMELINE = f"/api/v1/crimes/{CRN_IN_PATH}/timeline/"


def _hearing(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": "hearing_scheduled",
        "occurred_at": (timezone.now() - dt.timedelta(hours=2)).isoformat(),
        "details": {
            "hearing_at": (timezone.now() + dt.timedelta(days=14)).isoformat(),
            "court": "Example Magistrates' Court",
        },
    }
    body.update(changes)
    return body


def test_a_wcu_posts_a_hearing_on_a_shared_crime(wcu_token: Token, crime: Crime) -> None:
    response = wcu_token.client().post(EVENTS, _hearing(), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    event = JourneyEvent.objects.get(pk=body["id"])
    assert event.code == "hearing_scheduled"
    assert event.crime == crime
    assert event.recording_organisation.code == "wcu-east"
    assert event.recorded_by == wcu_token.user
    assert body["recording_organisation"] == "wcu-east"
    assert body["details"]["court"] == "Example Magistrates' Court"
    crime.refresh_from_db()
    assert crime.status == CrimeStatus.IN_COURT


def test_a_retry_with_the_same_idempotency_key_is_stored_once(
    wcu_token: Token, crime: Crime
) -> None:
    client = wcu_token.client()
    body = _hearing()
    before = JourneyEvent.objects.count()

    first = client.post(EVENTS, body, format="json", HTTP_IDEMPOTENCY_KEY="court-feed-0001")
    retry = client.post(EVENTS, body, format="json", HTTP_IDEMPOTENCY_KEY="court-feed-0001")

    assert first.status_code == 201
    assert retry.status_code == 200
    assert retry.json() == first.json()
    assert JourneyEvent.objects.count() == before + 1
    assert JourneyEvent.objects.filter(idempotency_key="court-feed-0001").count() == 1


def test_the_same_key_with_a_different_body_is_a_conflict(wcu_token: Token, crime: Crime) -> None:
    client = wcu_token.client()
    first = client.post(EVENTS, _hearing(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    before = JourneyEvent.objects.count()

    other = _hearing(summary="moved to the afternoon")
    response = client.post(EVENTS, other, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == 201
    assert response.status_code == 409
    assert response.json() == {
        "type": "client_error",
        "errors": [
            {"code": "idempotency_conflict", "detail": messages.IDEMPOTENCY_CONFLICT, "attr": None}
        ],
    }
    assert JourneyEvent.objects.count() == before
    assert IdempotencyRecord.objects.count() == 1


def test_a_malformed_idempotency_key_is_refused(wcu_token: Token, crime: Crime) -> None:
    response = wcu_token.client().post(
        EVENTS, _hearing(), format="json", HTTP_IDEMPOTENCY_KEY="x" * 101
    )
    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert response.json()["errors"][0]["attr"] == "Idempotency-Key"


def _future() -> str:
    return (timezone.now() + dt.timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("changes", "attr_prefix"),
    [
        ({"code": "court_date_moved"}, "code"),
        ({"occurred_at": "FUTURE"}, "occurred_at"),
        ({"details": {"court": "Example Magistrates' Court"}}, "details.hearing_at"),
        ({"details": {"hearing_at": "next week", "court": "X"}}, "details.hearing_at"),
        ({"details": {}}, "details."),
        ({"victim": 999999}, "victim"),
        ({"supersedes": 999999}, "supersedes"),
    ],
)
def test_bad_events_are_refused_naming_the_field_and_nothing_is_saved(
    wcu_token: Token, crime: Crime, changes: dict[str, Any], attr_prefix: str
) -> None:
    if changes.get("occurred_at") == "FUTURE":
        changes["occurred_at"] = _future()
    before = JourneyEvent.objects.count()

    response = wcu_token.client().post(
        EVENTS, _hearing(**changes), format="json", HTTP_IDEMPOTENCY_KEY="bad-1"
    )

    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["type"] == "validation_error"
    assert any(e["attr"].startswith(attr_prefix) for e in body["errors"]), body
    assert JourneyEvent.objects.count() == before
    assert not IdempotencyRecord.objects.exists()


def test_an_unknown_code_gets_the_plain_english_message(wcu_token: Token, crime: Crime) -> None:
    response = wcu_token.client().post(EVENTS, _hearing(code="nope"), format="json")
    assert response.json()["errors"] == [
        {"code": "invalid_choice", "detail": case_messages.EVENT_CODE_UNKNOWN, "attr": "code"}
    ]


def test_a_wcu_cannot_record_police_events(wcu_token: Token, crime: Crime) -> None:
    before = JourneyEvent.objects.count()
    response = wcu_token.client().post(
        EVENTS, _hearing(code="suspect_arrested", details={}), format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"code": "invalid", "detail": case_messages.EVENT_CODE_NOT_ALLOWED, "attr": "code"}
    ]
    assert JourneyEvent.objects.count() == before


def test_the_timeline_pages_newest_first(wcu_token: Token, crime: Crime, settings) -> None:  # type: ignore[no-untyped-def]
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "PAGE_SIZE": 2}
    client = wcu_token.client()
    now = timezone.now()
    for hours in (5, 4, 3):
        posted = client.post(
            EVENTS,
            {"code": "contact_call", "occurred_at": (now - dt.timedelta(hours=hours)).isoformat()},
            format="json",
        )
        assert posted.status_code == 201, posted.json()
    expected = list(
        JourneyEvent.objects.filter(crime=crime)
        .order_by("-occurred_at", "-id")
        .values_list("id", flat=True)
    )
    assert len(expected) >= 4

    seen: list[int] = []
    url: str | None = TIMELINE
    while url:
        page = client.get(url)
        assert page.status_code == 200
        assert len(page.json()["results"]) <= 2
        seen += [event["id"] for event in page.json()["results"]]
        url = page.json()["next"]

    assert seen == expected


def test_a_bad_cursor_is_a_structured_404(wcu_token: Token, crime: Crime) -> None:
    response = wcu_token.client().get(TIMELINE + "?cursor=not-a-cursor")
    assert response.status_code == 404
    assert response.json()["type"] == "client_error"


def test_a_token_is_throttled_with_retry_after(
    wcu_token: Token, crime: Crime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ApiTokenRateThrottle, "rate", "2/min", raising=False)
    client = wcu_token.client()

    statuses = [client.get(TIMELINE).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    refused = client.get(TIMELINE)
    assert int(refused["Retry-After"]) > 0
    assert refused.json()["errors"][0]["code"] == "throttled"


def test_each_timeline_page_a_partner_reads_is_in_the_audit_log(
    wcu_token: Token, crime: Crime
) -> None:
    from victimcare.core.models import AuditEvent

    before = AuditEvent.objects.filter(object_type="cases.crime", object_id=str(crime.pk)).count()

    response = wcu_token.client().get(TIMELINE)

    assert response.status_code == 200
    entries = AuditEvent.objects.filter(
        object_type="cases.crime", object_id=str(crime.pk)
    ).order_by("seq")
    assert entries.count() == before + 1
    entry = entries.last()
    assert entry.action == "view"
    assert entry.purpose == "partner API"
    assert entry.detail["part"] == "timeline"


def test_the_timeline_since_a_moment_gives_the_events_recorded_since_oldest_first(
    wcu_token: Token, crime: Crime, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "PAGE_SIZE": 2}
    start = timezone.now()
    recorded = []
    # The second call is recorded second but happened a day earlier: a sync by
    # when events happened would miss it.
    for minutes, hours_before in ((1, 1), (2, 30), (3, 2)):
        with time_machine.travel(start + dt.timedelta(minutes=minutes), tick=False):
            event, _ = event_record(
                actor=crime.oic,
                crime=crime,
                code=EventCode.CONTACT_CALL,
                occurred_at=start - dt.timedelta(hours=hours_before),
            )
        recorded.append(event)
    since = (start + dt.timedelta(seconds=30)).isoformat()

    seen, pages = _all_pages(wcu_token, TIMELINE, {"modified_since": since})
    again, _ = _all_pages(
        wcu_token, TIMELINE, {"modified_since": recorded[1].recorded_at.isoformat()}
    )
    bad = wcu_token.client().get(TIMELINE, {"modified_since": "yesterday"})

    # The crime_reported event, recorded before `since`, is not listed.
    assert [row["id"] for row in seen] == [event.pk for event in recorded]
    assert pages == 2
    assert [row["id"] for row in again] == [recorded[1].pk, recorded[2].pk]
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["attr"] == "modified_since"


def _all_pages(token: Token, url: str, params: dict[str, str]) -> tuple[list[dict[str, Any]], int]:
    client = token.client()
    response = client.get(url, params)
    rows, pages = [], 0
    while True:
        assert response.status_code == 200, response.json()
        rows += response.json()["results"]
        pages += 1
        if not response.json()["next"]:
            return rows, pages
        response = client.get(response.json()["next"])


def test_a_retry_of_an_event_posted_before_responses_were_kept_is_still_a_retry(
    wcu_token: Token, crime: Crime
) -> None:
    # A record as the API kept them before its event POST used the shared
    # decorator: the event and a fingerprint of the crime and body, no response.
    body = _hearing()
    event, _ = event_record(
        actor=wcu_token.user,
        crime=crime,
        idempotency_key="legacy-1",
        code=body["code"],
        occurred_at=dt.datetime.fromisoformat(body["occurred_at"]),
        received_at=timezone.now(),
        details=body["details"],
    )
    IdempotencyRecord.objects.create(
        organisation=wcu_token.user.organisation,
        key="legacy-1",
        request_hash=request_fingerprint(crime=crime, data=body),
        event=event,
    )
    client = wcu_token.client()
    before = JourneyEvent.objects.count()

    retry = client.post(EVENTS, body, format="json", HTTP_IDEMPOTENCY_KEY="legacy-1")
    other = client.post(
        EVENTS, _hearing(summary="other"), format="json", HTTP_IDEMPOTENCY_KEY="legacy-1"
    )

    assert retry.status_code == 200 and retry.json()["id"] == event.pk
    assert other.status_code == 409
    assert JourneyEvent.objects.count() == before
