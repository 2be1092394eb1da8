"""The issue's story: a court's system posts a hearing date through the API with
an Idempotency-Key, times out before it reads the answer, retries, and one
event exists; the victim's Witness Care duty to tell them about the hearing is
created with its clock started when the court's message was received (VCOP
Right 8: one working day from receipt by the Witness Care Unit)."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.utils import timezone

from victimcare.api.constants import ALL_SCOPES
from victimcare.api.services import token_create
from victimcare.cases.models import Crime, JourneyEvent
from victimcare.cases.services import case_share
from victimcare.duties.models import Duty

from .conftest import CRN_IN_PATH, Token

EVENTS = f"/api/v1/crimes/{CRN_IN_PATH}/events/"


def test_a_court_retries_a_hearing_after_a_timeout_and_one_event_and_duty_exist(
    crime: Crime, orgs, officer
) -> None:  # type: ignore[no-untyped-def]
    case_share(actor=officer, crime=crime, organisation=orgs["court"])
    court = Token(
        *token_create(organisation=orgs["court"], name="court listings", scopes=ALL_SCOPES)
    )
    client = court.client()
    received = timezone.now().replace(microsecond=0)
    hearing = {
        "code": "hearing_scheduled",
        "occurred_at": (received - dt.timedelta(hours=3)).isoformat(),
        "details": {
            "hearing_at": (received + dt.timedelta(days=21)).isoformat(),
            "court": "Example Magistrates' Court",
        },
    }

    with time_machine.travel(received, tick=False):
        first = client.post(EVENTS, hearing, format="json", HTTP_IDEMPOTENCY_KEY="listing-77-1")
    # The court's system never saw that answer (a timeout) and sends it again later.
    with time_machine.travel(received + dt.timedelta(minutes=2), tick=False):
        retry = client.post(EVENTS, hearing, format="json", HTTP_IDEMPOTENCY_KEY="listing-77-1")

    assert first.status_code == 201
    assert retry.status_code == 200 and retry.json() == first.json()
    events = JourneyEvent.objects.filter(crime=crime, code="hearing_scheduled")
    assert events.count() == 1
    event = events.get()
    assert event.received_at == received
    duties = Duty.objects.filter(event=event, rule__code="hearing-scheduled-inform")
    assert duties.count() == 1  # one per victim: the crime has one
    duty = duties.get()
    assert duty.owner_organisation.kind == "witness_care_unit"
    assert duty.started_at == received  # the clock runs from receipt, not from the hearing
    assert duty.due_at > received
