"""A Witness Care Unit's system reads what the Victims' Code owes the victim of a
shared crime: each duty with its deadline and why it exists, soonest first,
victims by id only; each page read is audited; another BCU gets the same 404
as for a crime that does not exist."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.utils import timezone

from victimcare.cases.constants import EventCode
from victimcare.cases.models import Crime
from victimcare.cases.services import event_record
from victimcare.core.models import AuditEvent
from victimcare.duties.constants import DutyState
from victimcare.duties.models import Duty
from victimcare.duties.selectors import duty_explain
from victimcare.duties.services import duty_complete_by_message, duty_reopen

from .conftest import CRN, CRN_IN_PATH, Token

DUTIES = f"/api/v1/crimes/{CRN_IN_PATH}/duties/"
FIELDS = {
    "id",
    "victim",
    "right",
    "rule",
    "duty",
    "owner",
    "owner_organisation",
    "state",
    "enhanced",
    "due",
    "started",
    "completed_at",
    "on_time",
    "closed_reason",
    "explanation",
    "updated_at",
}


def test_a_wcu_reads_the_duties_owed_on_a_shared_crime(wcu_token: Token, crime: Crime) -> None:
    victim = crime.victim_links.get().victim
    referral = Duty.objects.get(crime=crime, rule__code="crime-reported-support-referral")
    call, _ = event_record(
        actor=crime.oic,
        crime=crime,
        code=EventCode.CONTACT_CALL,
        occurred_at=timezone.now() - dt.timedelta(hours=1),
        victim=victim,
        fulfils=[referral.pk],
    )

    response = wcu_token.client().get(DUTIES)

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["next"] is None
    expected = list(Duty.objects.filter(crime=crime).order_by("due_at", "pk"))
    # One victim: the five reporting duties and the first regular update (the
    # needs assessment set a contact plan).
    assert len(expected) == 6
    assert [d["id"] for d in body["results"]] == [d.pk for d in expected]
    for row, duty in zip(body["results"], expected, strict=True):
        assert set(row) == FIELDS
        assert row["victim"] == victim.pk
        assert row["right"] == duty.right
        assert row["rule"] == duty.rule.code
        assert row["duty"] == duty.rule.duty
        assert row["owner"] == "police"  # police duties of the crime's team
        assert row["owner_organisation"] == "team-ce-response"
        assert row["enhanced"] is True  # the needs assessment said so
        # ISO 8601 with the London offset, the same as the explanation's.
        assert dt.datetime.fromisoformat(row["due"]) == duty.due_at
        assert row["due"][-6:] in ("+00:00", "+01:00")
        assert row["explanation"] == duty_explain(duty=duty)
        assert row["explanation"]["rule"]["edition"] == "vcop-2021"
    done = next(r for r in body["results"] if r["id"] == referral.pk)
    assert (done["state"], done["on_time"]) == (DutyState.DONE, True)
    assert dt.datetime.fromisoformat(done["completed_at"]) == call.occurred_at
    owed = next(r for r in body["results"] if r["id"] != referral.pk)
    assert (owed["state"], owed["on_time"], owed["completed_at"]) == ("open", None, None)
    # Victims by id only: no name, no phone number.
    content = response.content.decode()
    assert "Alex Example" not in content
    assert "900123" not in content


def test_the_duties_page_soonest_deadline_first(wcu_token: Token, crime: Crime, settings) -> None:  # type: ignore[no-untyped-def]
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "PAGE_SIZE": 2}
    event_record(
        actor=crime.oic,
        crime=crime,
        code=EventCode.CHARGED,
        occurred_at=timezone.now() - dt.timedelta(hours=2),
    )
    expected = list(
        Duty.objects.filter(crime=crime).order_by("due_at", "id").values_list("id", flat=True)
    )
    assert len(expected) == 7

    client = wcu_token.client()
    seen: list[int] = []
    pages = 0
    url: str | None = DUTIES
    while url:
        page = client.get(url)
        assert page.status_code == 200
        assert len(page.json()["results"]) <= 2
        seen += [duty["id"] for duty in page.json()["results"]]
        url = page.json()["next"]
        pages += 1

    assert seen == expected
    assert pages == 4


def test_each_page_read_is_audited_per_victim_with_ids_only(wcu_token: Token, crime: Crime) -> None:
    victim = crime.victim_links.get().victim
    before = AuditEvent.objects.count()

    response = wcu_token.client().get(DUTIES)

    assert response.status_code == 200
    entries = list(AuditEvent.objects.order_by("seq")[before:])
    assert len(entries) == 1
    [entry] = entries
    assert (entry.action, entry.purpose) == ("view", "partner API")
    assert (entry.object_type, entry.object_id) == ("cases.crime", str(crime.pk))
    assert (entry.subject_type, entry.subject_id) == ("cases.victim", str(victim.pk))
    assert entry.actor_id == wcu_token.user.pk
    assert entry.detail == {
        "part": "duties",
        "duties": [d["id"] for d in response.json()["results"]],
    }


def test_another_bcu_gets_the_same_structured_404_as_for_a_missing_crime(
    other_bcu_token: Token, crime: Crime
) -> None:
    client = other_bcu_token.client()
    before = AuditEvent.objects.filter(subject_type="cases.victim").count()

    hidden = client.get(DUTIES)
    missing = client.get("/api/v1/crimes/9999999%2F26/duties/")

    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    body = hidden.json()
    assert body["type"] == "client_error"
    assert body["errors"][0]["code"] == "not_found"
    assert CRN not in hidden.content.decode()
    # Nothing was disclosed, so nothing about a victim is in the audit log.
    assert AuditEvent.objects.filter(subject_type="cases.victim").count() == before


def test_a_bad_cursor_is_a_structured_404(wcu_token: Token, crime: Crime) -> None:
    response = wcu_token.client().get(DUTIES + "?cursor=not-a-cursor")
    assert response.status_code == 404
    assert response.json()["type"] == "client_error"


def test_no_token_is_a_401(crime: Crime, client) -> None:  # type: ignore[no-untyped-def]
    response = client.get(DUTIES)
    assert response.status_code == 401
    assert response.json()["type"] == "client_error"


def test_a_records_system_completes_a_duty_by_posting_the_contact(
    police_token: Token, crime: Crime
) -> None:
    victim = crime.victim_links.get().victim
    referral = Duty.objects.get(crime=crime, rule__code="crime-reported-support-referral")
    body = {
        "code": EventCode.CONTACT_CALL,
        "occurred_at": (timezone.now() - dt.timedelta(minutes=5)).isoformat(),
        "victim": victim.pk,
        "fulfils": [referral.pk],
    }

    response = police_token.client().post(
        f"/api/v1/crimes/{CRN_IN_PATH}/events/", body, format="json"
    )

    assert response.status_code == 201, response.json()
    referral.refresh_from_db()
    assert referral.state == DutyState.DONE
    assert referral.completed_event_id == response.json()["id"]


def test_a_contact_cannot_fulfil_a_duty_that_is_no_longer_owed(
    police_token: Token, crime: Crime
) -> None:
    from victimcare.cases import messages as case_messages

    victim = crime.victim_links.get().victim
    referral = Duty.objects.get(crime=crime, rule__code="crime-reported-support-referral")
    Duty.objects.filter(pk=referral.pk).update(
        state=DutyState.NOT_APPLICABLE, closed_reason="Opted out."
    )
    events_before = crime.events.count()
    body = {
        "code": EventCode.CONTACT_CALL,
        "occurred_at": (timezone.now() - dt.timedelta(minutes=5)).isoformat(),
        "victim": victim.pk,
        "fulfils": [referral.pk],
    }

    response = police_token.client().post(
        f"/api/v1/crimes/{CRN_IN_PATH}/events/", body, format="json"
    )

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(e["attr"], e["detail"]) for e in errors] == [
        ("fulfils", case_messages.FULFILS_DUTY_INVALID)
    ]
    assert crime.events.count() == events_before


def _rows(client, params: dict[str, str]) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    response = client.get(DUTIES, params)
    rows = []
    while True:
        assert response.status_code == 200, response.json()
        rows += response.json()["results"]
        if not response.json()["next"]:
            return rows
        response = client.get(response.json()["next"])


def test_duties_since_a_moment_are_those_made_or_changed_since_oldest_change_first(
    wcu_token: Token, crime: Crime, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "PAGE_SIZE": 2}
    victim = crime.victim_links.get().victim
    referral = Duty.objects.get(crime=crime, rule__code="crime-reported-support-referral")
    start = timezone.now()
    # A call made yesterday, recorded a minute from now, fulfils the referral duty:
    # the duty changed now, though it was done (completed_at) yesterday.
    with time_machine.travel(start + dt.timedelta(minutes=1), tick=False):
        call, _ = event_record(
            actor=crime.oic,
            crime=crime,
            code=EventCode.CONTACT_CALL,
            occurred_at=start - dt.timedelta(days=1),
            victim=victim,
            fulfils=[referral.pk],
        )
    with time_machine.travel(start + dt.timedelta(minutes=2), tick=False):
        event_record(
            actor=crime.oic,
            crime=crime,
            code=EventCode.CHARGED,
            occurred_at=start - dt.timedelta(hours=2),
        )
    charging = start + dt.timedelta(minutes=2)
    # Charging makes the charge duties and ends the regular-update chain.
    charged = list(Duty.objects.filter(crime=crime, event__code=EventCode.CHARGED))
    ended = list(Duty.objects.filter(crime=crime, closed_at=charging))
    assert charged and ended
    client = wcu_token.client()

    rows = _rows(client, {"modified_since": (start + dt.timedelta(seconds=30)).isoformat()})
    everything = _rows(client, {})

    assert [row["id"] for row in rows] == [referral.pk] + sorted(d.pk for d in charged + ended)
    assert dt.datetime.fromisoformat(rows[0]["updated_at"]) == call.recorded_at
    assert rows[0]["state"] == DutyState.DONE
    assert {row["state"] for row in rows if row["id"] in {d.pk for d in ended}} == {
        DutyState.NOT_APPLICABLE
    }
    # Without modified_since: every duty, soonest deadline first, as before.
    assert [row["id"] for row in everything] == list(
        Duty.objects.filter(crime=crime).order_by("due_at", "pk").values_list("pk", flat=True)
    )


def test_a_bad_modified_since_for_duties_is_a_400_naming_it(wcu_token: Token, crime: Crime) -> None:
    response = wcu_token.client().get(DUTIES, {"modified_since": "2026-05-01T09:30"})

    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["attr"], error["code"]) == ("modified_since", "offset_required")


def test_a_duty_completed_later_with_an_earlier_contact_is_in_the_next_sync(
    police_token: Token, wcu_token: Token, crime: Crime
) -> None:
    victim = crime.victim_links.get().victim
    referral = Duty.objects.get(crime=crime, rule__code="crime-reported-support-referral")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        call, _ = event_record(
            actor=crime.oic,
            crime=crime,
            code=EventCode.CONTACT_CALL,
            occurred_at=start - dt.timedelta(hours=1),
            victim=victim,
        )
    synced = start + dt.timedelta(minutes=1)
    # The records system links the call (made and recorded before the last
    # sync) to the duty after it: the duty changed then, not when the call was.
    with time_machine.travel(start + dt.timedelta(minutes=2), tick=False):
        response = police_token.client().post(
            f"{DUTIES}{referral.pk}/complete/",
            {"event_id": call.pk},
            format="json",
            HTTP_IDEMPOTENCY_KEY="complete-later-1",
        )
    assert response.status_code == 200, response.json()

    rows = _rows(wcu_token.client(), {"modified_since": synced.isoformat()})

    assert [(row["id"], row["state"]) for row in rows] == [(referral.pk, DutyState.DONE)]
    assert dt.datetime.fromisoformat(rows[0]["updated_at"]) == start + dt.timedelta(minutes=2)


def test_a_duty_reopened_by_an_undelivered_message_is_in_the_next_sync(
    wcu_token: Token, crime: Crime
) -> None:
    referral = Duty.objects.get(crime=crime, rule__code="crime-reported-support-referral")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        duty_complete_by_message(
            duty=referral,
            message_id="test-message-0002",
            code=EventCode.CONTACT_MESSAGE,
            channel_label="Text",
            at=start,
        )
    client = wcu_token.client()
    synced = start + dt.timedelta(minutes=1)
    assert referral.pk not in {
        row["id"] for row in _rows(client, {"modified_since": synced.isoformat()})
    }
    with time_machine.travel(start + dt.timedelta(minutes=2), tick=False):
        duty_reopen(duty=referral, message_id="test-message-0002", reason="permanent-failure")

    rows = _rows(client, {"modified_since": synced.isoformat()})

    assert [(row["id"], row["state"], row["completed_at"]) for row in rows] == [
        (referral.pk, DutyState.OPEN, None)
    ]
