"""Message status and feedback responses through the partner API.

The Witness Care Unit's system follows whether the texts to a victim on a crime
shared with it were delivered, without ever seeing a number or a word of the
message; the oversight body's analysts' system reads victims' ratings by
category, never what they wrote."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from victimcare.accounts.models import Organisation
from victimcare.api.constants import AUDIT_PURPOSE
from victimcare.api.pagination import CURSOR_PARAM
from victimcare.api.permissions import SCOPE_MISSING
from victimcare.api.serializers_reads import MODIFIED_SINCE_INVALID
from victimcare.api.services import token_create
from victimcare.api.views_feedback import FEEDBACK_NOT_ALLOWED, week_start
from victimcare.cases.constants import EventCode
from victimcare.cases.models import Crime
from victimcare.cases.services import event_record
from victimcare.core.models import AuditEvent
from victimcare.feedback.models import Response
from victimcare.feedback.services import invitation_create, response_record
from victimcare.messaging.constants import Channel, RecipientKind, Status
from victimcare.messaging.models import OutboundMessage
from victimcare.messaging.services import message_enqueue

from .conftest import CRN_IN_PATH, Token

MESSAGES = f"/api/v1/crimes/{CRN_IN_PATH}/messages/"
FEEDBACK = "/api/v1/feedback/responses/"
BODY = "Your hearing is at Example Magistrates' Court on 3 May at 10am."
COMMENT = "The officer at my door was called Pat and was very patient"
MOMENT = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def small_pages(settings) -> int:  # type: ignore[no-untyped-def]
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "PAGE_SIZE": 2}
    return 2


def _token(org: Organisation, *scopes: str, role: str | None = None) -> Token:
    return Token(
        *token_create(organisation=org, name="reader system", scopes=list(scopes), role=role)
    )


def _all_pages(token: Token, url: str) -> tuple[list[dict[str, Any]], int]:
    rows: list[dict[str, Any]] = []
    pages = 0
    while url:
        response = token.client().get(url)
        assert response.status_code == 200, response.json()
        rows.extend(response.json()["results"])
        pages += 1
        url = response.json()["next"]
    return rows, pages


# --- message status -------------------------------------------------------------------


def _message(crime: Crime, n: int, **changes: Any) -> OutboundMessage:
    victim = crime.victim_links.get().victim
    with transaction.atomic():
        message = message_enqueue(
            channel=Channel.EMAIL if n % 2 else Channel.SMS,
            recipient_kind=RecipientKind.VICTIM,
            recipient="alex@example.org" if n % 2 else "+447700900123",
            subject="Your hearing date",
            body=BODY,
            template_code="hearing_date",
            idempotency_key=f"test-{n}-{uuid.uuid4()}",
            crime=crime,
            victim=victim,
        )
    if changes:
        OutboundMessage.objects.filter(pk=message.pk).update(**changes)
        message.refresh_from_db()
    return message


@pytest.fixture
def messages(crime: Crime) -> list[OutboundMessage]:
    """A delivered text, a text a safe-contact rule cancelled, and an email waiting."""
    sent = MOMENT - dt.timedelta(minutes=5)
    return [
        _message(
            crime,
            0,
            status=Status.DELIVERED,
            sent_at=sent,
            completed_at=MOMENT,
            updated_at=MOMENT,
        ),
        _message(
            crime,
            2,
            status=Status.CANCELLED,
            safety_reason="restricted case: safe channel not confirmed",
            updated_at=MOMENT + dt.timedelta(hours=1),
        ),
        _message(crime, 1, updated_at=MOMENT + dt.timedelta(hours=2)),
    ]


def test_a_wcu_system_reads_the_status_of_messages_to_the_victim(
    wcu_token: Token, crime: Crime, messages: list[OutboundMessage]
) -> None:
    response = wcu_token.client().get(MESSAGES)

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [str(m.pk) for m in messages]
    delivered, cancelled, waiting = rows
    assert delivered["channel"] == "sms"
    assert delivered["template_code"] == "hearing_date"
    assert delivered["status"] == "delivered"
    assert delivered["victim"] == crime.victim_links.get().victim_id
    assert dt.datetime.fromisoformat(delivered["delivered_at"]) == MOMENT
    assert dt.datetime.fromisoformat(delivered["sent_at"]) == MOMENT - dt.timedelta(minutes=5)
    assert cancelled["status"] == "cancelled"
    assert cancelled["safety_outcome"] == "restricted case: safe channel not confirmed"
    assert cancelled["delivered_at"] is None
    assert (waiting["channel"], waiting["status"], waiting["sent_at"]) == ("email", "pending", None)


def test_message_status_never_holds_an_address_a_subject_or_a_body(
    wcu_token: Token, messages: list[OutboundMessage]
) -> None:
    text = wcu_token.client().get(MESSAGES).content.decode()

    for secret in ("7700900123", "alex@example.org", "Your hearing date", "Magistrates"):
        assert secret not in text
    row = wcu_token.client().get(MESSAGES).json()["results"][0]
    assert not {"recipient", "subject", "body", "last_error"} & set(row)


def test_each_read_of_message_status_is_audited_per_victim(
    wcu_token: Token, crime: Crime, messages: list[OutboundMessage]
) -> None:
    wcu_token.client().get(MESSAGES)

    [entry] = AuditEvent.objects.filter(actor_id=wcu_token.user.pk, action="view")
    assert entry.object_type == "cases.crime"
    assert entry.object_id == str(crime.pk)
    assert (entry.subject_type, entry.subject_id) == (
        "cases.victim",
        str(crime.victim_links.get().victim_id),
    )
    assert entry.purpose == AUDIT_PURPOSE
    assert entry.detail == {"part": "messages", "messages": 3}


def test_message_status_of_a_crime_the_system_may_not_see_is_404(
    other_bcu_token: Token, messages: list[OutboundMessage]
) -> None:
    hidden = other_bcu_token.client().get(MESSAGES)
    missing = other_bcu_token.client().get("/api/v1/crimes/9999999%2F26/messages/")

    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    assert not AuditEvent.objects.filter(actor_id=other_bcu_token.user.pk).exists()


def test_message_status_of_a_restricted_crime_is_404_for_the_rest_of_the_bcu(
    police_token: Token, crime: Crime, messages: list[OutboundMessage]
) -> None:
    assert police_token.client().get(MESSAGES).status_code == 200

    Crime.objects.filter(pk=crime.pk).update(restricted=True)

    assert police_token.client().get(MESSAGES).status_code == 404


def test_message_status_needs_messages_read(orgs, crime: Crime) -> None:  # type: ignore[no-untyped-def]
    reader = _token(orgs["wcu"], "crimes:read", "events:read")

    response = reader.client().get(MESSAGES)

    assert response.status_code == 403
    assert response.json()["errors"][0]["detail"] == SCOPE_MISSING.format(scope="messages:read")


def test_message_status_since_a_moment_and_a_bad_moment(
    wcu_token: Token, messages: list[OutboundMessage]
) -> None:
    client = wcu_token.client()

    later = client.get(MESSAGES, {"modified_since": "2026-03-02T10:30:00Z"}).json()["results"]
    bad = client.get(MESSAGES, {"modified_since": "soon"})

    assert [row["id"] for row in later] == [str(m.pk) for m in messages[1:]]
    assert bad.status_code == 400
    assert bad.json()["errors"] == [
        {"code": "invalid", "detail": MODIFIED_SINCE_INVALID, "attr": "modified_since"}
    ]


def test_message_status_pages_without_gaps(
    wcu_token: Token, crime: Crime, small_pages: int
) -> None:
    sent = [_message(crime, n, updated_at=MOMENT) for n in range(5)]

    rows, pages = _all_pages(wcu_token, MESSAGES)

    assert pages == 3
    assert sorted(row["id"] for row in rows) == sorted(str(m.pk) for m in sent)
    assert len({row["id"] for row in rows}) == 5


# --- feedback responses -----------------------------------------------------------------


def _response(crime: Crime, officer, rating: int, **answers: Any) -> Response:  # type: ignore[no-untyped-def]
    event, _ = event_record(
        actor=officer,
        crime=crime,
        code=EventCode.CONTACT_VISIT,
        occurred_at=timezone.now() - dt.timedelta(hours=1),
        victim=crime.victim_links.get().victim,
    )
    _, token = invitation_create(officer=officer, contact_event=event, channel="qr")
    return response_record(token=token, rating=rating, **answers)


def _received(made: list[Response], when: dt.datetime) -> None:
    Response.objects.filter(pk__in=[r.pk for r in made]).update(created_at=when)


@pytest.fixture
def responses(crime: Crime, officer) -> list[Response]:  # type: ignore[no-untyped-def]
    """Two ratings of PC Olivia Officer's visits, last week; the first with comments."""
    made = [
        _response(
            crime,
            officer,
            5,
            went_well=COMMENT,
            could_be_better="Nothing to add, thank you",
            age_band="25_34",
            ethnicity="mixed",
            disability="no",
            needs_recognised="yes",
        ),
        _response(crime, officer, 2),
    ]
    # A week's responses are listed once the week has ended.
    _received(made, timezone.now() - dt.timedelta(days=7))
    return made


@pytest.fixture
def analysts_token(orgs) -> Token:  # type: ignore[no-untyped-def]
    """The oversight body's analysis system."""
    return _token(orgs["oversight"], "feedback:read")


def test_an_analysts_system_reads_ratings_by_category(
    analysts_token: Token, responses: list[Response], crime: Crime
) -> None:
    rows, _ = _all_pages(analysts_token, FEEDBACK)

    assert [row["id"] for row in rows] == [r.pk for r in responses]
    first, second = rows
    assert first == {
        "id": responses[0].pk,
        "rating": 5,
        "age_band": "25_34",
        "ethnicity": "mixed",
        "disability": "no",
        "needs_recognised": "yes",
        "borough": "E09000012",
        "offence_group": crime.offence.group,
        "contact_type": "visit",
        "received_week": week_start(timezone.now() - dt.timedelta(days=7)).isoformat(),
    }
    assert (second["rating"], second["age_band"], second["ethnicity"]) == (
        2,
        "not_known",
        "not_known",
    )


def test_feedback_never_holds_the_free_text_or_the_officer(
    analysts_token: Token, responses: list[Response], officer
) -> None:  # type: ignore[no-untyped-def]
    assert Response.objects.get(pk=responses[0].pk).went_well == COMMENT

    text = analysts_token.client().get(FEEDBACK).content.decode()

    for secret in ("called Pat", "patient", "Nothing to add", officer.full_name):
        assert secret not in text
    assert "officer" not in text


def test_each_read_of_feedback_is_audited(analysts_token: Token, responses: list[Response]) -> None:
    analysts_token.client().get(FEEDBACK)

    [entry] = AuditEvent.objects.filter(actor_id=analysts_token.user.pk, action="view")
    assert entry.object_type == "feedback.response"
    assert entry.purpose == AUDIT_PURPOSE
    assert entry.detail == {"part": "feedback", "responses": [r.pk for r in responses]}


@pytest.mark.parametrize("org", ["team", "wcu", "charity"])
def test_only_analysts_systems_may_read_feedback(orgs, responses: list[Response], org: str) -> None:  # type: ignore[no-untyped-def]
    other = _token(orgs[org], "feedback:read")

    response = other.client().get(FEEDBACK)

    assert response.status_code == 403
    assert response.json()["errors"][0]["detail"] == FEEDBACK_NOT_ALLOWED


def test_a_force_analysts_system_may_read_feedback_too(orgs, responses: list[Response]) -> None:  # type: ignore[no-untyped-def]
    force_analysts = _token(orgs["force"], "feedback:read", role="analyst")

    assert len(force_analysts.client().get(FEEDBACK).json()["results"]) == 2


def test_reading_feedback_needs_feedback_read(orgs, responses: list[Response]) -> None:  # type: ignore[no-untyped-def]
    without = _token(orgs["oversight"], "directory:read")

    response = without.client().get(FEEDBACK)

    assert response.status_code == 403
    assert response.json()["errors"][0]["detail"] == SCOPE_MISSING.format(scope="feedback:read")


def test_feedback_since_a_moment_pages_without_gaps(
    analysts_token: Token, crime: Crime, officer, small_pages: int
) -> None:  # type: ignore[no-untyped-def]
    made = [_response(crime, officer, rating) for rating in (1, 2, 3, 4, 5)]
    # Monday 2 March 2026 is a week's first day: the first response is the week before.
    _received(made[1:4], MOMENT)
    _received(made[:1], MOMENT - dt.timedelta(days=1))
    _received(made[4:], MOMENT + dt.timedelta(days=7))

    rows, pages = _all_pages(analysts_token, f"{FEEDBACK}?modified_since=2026-03-02T09:30:00Z")
    bad = analysts_token.client().get(FEEDBACK, {"modified_since": "2026-03-02T09:30"})

    assert pages == 2
    assert [row["id"] for row in rows] == [r.pk for r in made[1:]]
    assert [row["received_week"] for row in rows] == ["2026-03-02T00:00:00+00:00"] * 3 + [
        "2026-03-09T00:00:00+00:00"
    ]
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["attr"] == "modified_since"


def test_feedback_says_the_week_a_response_came_in_never_the_time(
    analysts_token: Token, crime: Crime, officer, small_pages: int
) -> None:  # type: ignore[no-untyped-def]
    # Wednesday 17 June 2026, in British Summer Time: its week began on Monday 15
    # June at 00:00 London time (23:00 UTC on the Sunday).
    made = [_response(crime, officer, rating) for rating in (3, 4, 5)]
    _received(made, dt.datetime(2026, 6, 17, 14, 5, 37, tzinfo=dt.UTC))

    first = analysts_token.client().get(FEEDBACK)
    rows, _ = _all_pages(analysts_token, FEEDBACK)

    assert [row["received_week"] for row in rows] == ["2026-06-15T00:00:00+01:00"] * 3
    assert "14:05" not in first.content.decode()
    # Nor in the cursor, which a client could decode: it names the week and an id.
    cursor = parse_qs(urlsplit(first.json()["next"]).query)[CURSOR_PARAM][0]
    decoded = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    assert decoded == f"2026-06-15T00:00:00+01:00|{made[1].pk}"


def test_modified_since_is_read_as_its_week_so_finer_moments_reveal_nothing(
    analysts_token: Token, crime: Crime, officer
) -> None:  # type: ignore[no-untyped-def]
    tuesday, thursday = _response(crime, officer, 2), _response(crime, officer, 4)
    _received([tuesday], MOMENT + dt.timedelta(days=1))
    _received([thursday], MOMENT + dt.timedelta(days=3))

    def since(moment: str) -> list[int]:
        rows, _ = _all_pages(analysts_token, f"{FEEDBACK}?modified_since={moment}")
        return [row["id"] for row in rows]

    # Any moment of the week gives the whole week: asking with ever later moments
    # cannot tell when in it a response came.
    assert since("2026-03-02T00:00:00Z") == [tuesday.pk, thursday.pk]
    assert since("2026-03-04T12:00:00Z") == [tuesday.pk, thursday.pk]
    assert since("2026-03-08T23:59:59Z") == [tuesday.pk, thursday.pk]
    assert since("2026-03-09T00:00:00Z") == []


def test_a_week_is_listed_once_it_has_ended(analysts_token: Token, crime: Crime, officer) -> None:  # type: ignore[no-untyped-def]
    # A system polling every few minutes would otherwise learn each response's
    # time from when it first appeared.
    now = timezone.now()
    this_week = _response(crime, officer, 5)

    assert analysts_token.client().get(FEEDBACK).json()["results"] == []
    with time_machine.travel(week_start(now) + dt.timedelta(days=7, minutes=1), tick=False):
        rows = analysts_token.client().get(FEEDBACK).json()["results"]
    assert [row["id"] for row in rows] == [this_week.pk]


def test_a_cursor_that_names_a_moment_inside_a_week_is_refused(
    analysts_token: Token, responses: list[Response]
) -> None:
    raw = f"2026-03-04T10:00:00+00:00|{responses[0].pk}".encode()
    cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")

    response = analysts_token.client().get(FEEDBACK, {CURSOR_PARAM: cursor})

    assert response.status_code == 404
