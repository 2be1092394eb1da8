"""'Tell us once': a Witness Care Unit's system reads the victim's needs on a shared
crime without asking the victim again, and the read is in the audit log."""

from __future__ import annotations

from victimcare.api.constants import AUDIT_PURPOSE
from victimcare.api.services import token_create
from victimcare.cases.models import Crime
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
