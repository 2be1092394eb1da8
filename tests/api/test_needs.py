"""'Tell us once': a Witness Care Unit's system reads the victim's needs on a shared
crime without asking the victim again, and the read is in the audit log."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.utils import timezone

from victimcare.api.constants import AUDIT_PURPOSE
from victimcare.api.services import token_create
from victimcare.cases.models import Crime
from victimcare.cases.services import (
    NeedsInput,
    VictimInput,
    needs_assessment_record,
    victim_add,
)
from victimcare.core.models import AuditEvent

from .conftest import CRN, CRN_IN_PATH, Token

NEEDS = f"/api/v1/crimes/{CRN_IN_PATH}/needs/"


def test_a_wcu_reads_the_shared_needs_and_the_read_is_audited(
    wcu_token: Token, crime: Crime
) -> None:
    victim = crime.victim_links.get().victim

    response = wcu_token.client().get(NEEDS)

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["crn"] == CRN
    [row] = body["victims"]
    assert row["victim"] == victim.pk
    assert row["language"] == "pl"
    assert row["interpreter_needed"] is True
    assert row["needs"]["special_measures"] == ["screens"]
    assert row["needs"]["enhanced"] is True
    assert row["needs"]["enhanced_reasons"] == ["intimidated"]
    # Needs, not contact details.
    assert "Alex Example" not in response.content.decode()
    assert "900123" not in response.content.decode()

    entry = AuditEvent.objects.filter(
        actor_id=wcu_token.user.pk, subject_type="cases.victim", subject_id=str(victim.pk)
    ).get()
    assert entry.action in ("view", "disclose")
    assert entry.purpose == AUDIT_PURPOSE
    assert entry.actor_organisation_id == wcu_token.user.organisation_id


def test_a_support_organisation_without_a_share_cannot_read_needs(orgs, crime: Crime) -> None:  # type: ignore[no-untyped-def]
    token = Token(*token_create(organisation=orgs["charity"], name="charity system"))
    before = AuditEvent.objects.filter(subject_type="cases.victim").count()

    response = token.client().get(NEEDS)

    assert response.status_code == 404
    assert AuditEvent.objects.filter(subject_type="cases.victim").count() == before


def test_needs_since_a_moment_list_only_the_victims_whose_needs_changed(
    wcu_token: Token, crime: Crime, officer
) -> None:  # type: ignore[no-untyped-def]
    first = crime.victim_links.get().victim
    start = timezone.now()
    with time_machine.travel(start + dt.timedelta(minutes=1), tick=False):
        second = victim_add(actor=officer, crime=crime, data=VictimInput(full_name="Sam Example"))
    with time_machine.travel(start + dt.timedelta(minutes=2), tick=False):
        version = needs_assessment_record(
            actor=officer,
            victim=first,
            crime=crime,
            needs=NeedsInput(special_measures=["screens", "live_link"]),
        )
    client = wcu_token.client()

    since = client.get(NEEDS, {"modified_since": (start + dt.timedelta(seconds=30)).isoformat()})
    later = client.get(NEEDS, {"modified_since": (start + dt.timedelta(seconds=90)).isoformat()})
    everyone = client.get(NEEDS)
    bad = client.get(NEEDS, {"modified_since": "soon"})

    # Oldest change first: the person added, then the one whose needs changed.
    assert [row["victim"] for row in since.json()["victims"]] == [second.pk, first.pk]
    [row] = later.json()["victims"]
    assert row["victim"] == first.pk
    assert row["needs"]["version"] == version.version
    assert dt.datetime.fromisoformat(row["updated_at"]) == version.decided_at
    assert later.json()["next"] is None
    assert {row["victim"] for row in everyone.json()["victims"]} == {first.pk, second.pk}
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["attr"] == "modified_since"
