"""Updates through the partner API with optimistic concurrency: a victim's contact
preferences carry an ETag; a PATCH needs If-Match (428 without, 412 when stale), so
two agencies cannot silently overwrite each other; the safe-contact rules change by
the same rules as in victimcare; completing a duty with its contact."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from victimcare.api.concurrency import PRECONDITION_FAILED, PRECONDITION_REQUIRED
from victimcare.api.constants import ALL_SCOPES
from victimcare.api.serializers_updates import FIELD_UNKNOWN, NOTHING_TO_CHANGE
from victimcare.api.services import token_create
from victimcare.cases import messages as case_messages
from victimcare.cases.constants import EventCode
from victimcare.cases.models import Crime, NeedsAssessment, Victim
from victimcare.cases.services import case_share, event_record
from victimcare.cases.services_contact import victim_contact_update
from victimcare.core.models import AuditEvent
from victimcare.duties.constants import DutyState
from victimcare.duties.models import Duty

from .conftest import CRN_IN_PATH, Token


def _contact_url(crime: Crime) -> str:
    victim = crime.victim_links.get().victim
    return f"/api/v1/crimes/{CRN_IN_PATH}/victims/{victim.pk}/contact/"


def _communication_needs(crime: Crime) -> str:
    victim = crime.victim_links.get().victim
    return NeedsAssessment.objects.get(victim=victim).current.communication_needs


def test_a_read_gives_the_preferences_with_an_etag_and_is_audited(
    police_token: Token, crime: Crime
) -> None:
    response = police_token.client().get(_contact_url(crime))

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["language"] == "pl" and body["interpreter_needed"] is True
    assert body["safe_to_text"] is False
    assert response["ETag"].startswith('"') and response["ETag"].endswith('"')
    assert AuditEvent.objects.filter(
        object_type="cases.victim", detail__part="contact", purpose__isnull=False
    ).exists()


def test_a_patch_without_if_match_is_428_and_changes_nothing(
    police_token: Token, crime: Crime
) -> None:
    before = _communication_needs(crime)
    response = police_token.client().patch(
        _contact_url(crime), {"communication_needs": "Large print"}, format="json"
    )

    assert response.status_code == 428
    [error] = response.json()["errors"]
    assert error["detail"] == PRECONDITION_REQUIRED
    assert _communication_needs(crime) == before


def test_a_patch_with_the_current_etag_changes_the_record_and_gives_a_new_etag(
    police_token: Token, crime: Crime
) -> None:
    client = police_token.client()
    etag = client.get(_contact_url(crime))["ETag"]

    response = client.patch(
        _contact_url(crime),
        {"communication_needs": "Large print"},
        format="json",
        HTTP_IF_MATCH=etag,
    )

    assert response.status_code == 200, response.json()
    assert response.json()["communication_needs"] == "Large print"
    assert response["ETag"] != etag
    assert client.get(_contact_url(crime))["ETag"] == response["ETag"]
    assert _communication_needs(crime) == "Large print"
    # Tell us once: the other needs are kept in the new version.
    victim = crime.victim_links.get().victim
    assert NeedsAssessment.objects.get(victim=victim).current.special_measures == ["screens"]


def test_two_agencies_with_the_same_read_cannot_both_write(
    police_token: Token, crime: Crime
) -> None:
    client = police_token.client()
    old = client.get(_contact_url(crime))["ETag"]
    first = client.patch(
        _contact_url(crime),
        {"communication_needs": "Large print"},
        format="json",
        HTTP_IF_MATCH=old,
    )
    assert first.status_code == 200

    second = client.patch(
        _contact_url(crime), {"communication_needs": "Calls only"}, format="json", HTTP_IF_MATCH=old
    )

    assert second.status_code == 412
    [error] = second.json()["errors"]
    assert error["detail"] == PRECONDITION_FAILED
    assert second["ETag"] == first["ETag"]
    assert _communication_needs(crime) == "Large print"


def test_a_stale_etag_is_412_and_nothing_changes(police_token: Token, crime: Crime) -> None:
    before = _communication_needs(crime)
    response = police_token.client().patch(
        _contact_url(crime),
        {"communication_needs": "Large print"},
        format="json",
        HTTP_IF_MATCH='"1-999"',
    )
    assert response.status_code == 412
    assert _communication_needs(crime) == before


def test_another_bcu_gets_404_for_the_contact(other_bcu_token: Token, crime: Crime) -> None:
    client = other_bcu_token.client()
    assert client.get(_contact_url(crime)).status_code == 404
    response = client.patch(
        _contact_url(crime), {"communication_needs": "x"}, format="json", HTTP_IF_MATCH="*"
    )
    assert response.status_code == 404


def test_a_victim_not_on_the_crime_is_404(police_token: Token, crime: Crime) -> None:
    response = police_token.client().get(f"/api/v1/crimes/{CRN_IN_PATH}/victims/999999/contact/")
    assert response.status_code == 404


def _call(crime: Crime):  # type: ignore[no-untyped-def]
    victim = crime.victim_links.get().victim
    event, _ = event_record(
        actor=crime.oic,
        crime=crime,
        code=EventCode.CONTACT_CALL,
        occurred_at=timezone.now() - dt.timedelta(hours=1),
        victim=victim,
    )
    return event


def test_a_police_system_completes_a_duty_with_the_call_that_fulfilled_it(
    police_token: Token, crime: Crime
) -> None:
    duty = Duty.objects.get(crime=crime, rule__code="crime-reported-support-referral")
    call = _call(crime)

    response = police_token.client().post(
        f"/api/v1/crimes/{CRN_IN_PATH}/duties/{duty.pk}/complete/",
        {"event_id": call.pk},
        format="json",
    )

    assert response.status_code == 200, response.json()
    duty.refresh_from_db()
    assert duty.state == DutyState.DONE and duty.completed_event == call
    assert response.json()["state"] == DutyState.DONE
    assert AuditEvent.objects.filter(object_type="duties.duty", object_id=str(duty.pk)).exists()

    again = police_token.client().post(
        f"/api/v1/crimes/{CRN_IN_PATH}/duties/{duty.pk}/complete/",
        {"event_id": call.pk},
        format="json",
    )
    assert again.status_code == 400
    assert again.json()["errors"][0]["attr"] == "event_id"


def test_completing_a_duty_of_a_crime_not_shared_is_404(
    other_bcu_token: Token, crime: Crime
) -> None:
    duty = Duty.objects.filter(crime=crime).first()
    response = other_bcu_token.client().post(
        f"/api/v1/crimes/{CRN_IN_PATH}/duties/{duty.pk}/complete/", {"event_id": 1}, format="json"
    )
    assert response.status_code == 404
    duty.refresh_from_db()
    assert duty.state != DutyState.DONE


# --- Contact preferences and safe-contact rules (issue 11) -----------------------------


def _victim(crime: Crime) -> Victim:
    return Victim.objects.get(pk=crime.victim_links.get().victim_id)


def test_a_police_system_changes_the_safe_contact_rules(police_token: Token, crime: Crime) -> None:
    client = police_token.client()
    etag = client.get(_contact_url(crime))["ETag"]
    changes = {
        "preferred_channel": "email",
        "safe_to_call": False,
        "voicemail_allowed": False,
        "safe_from": "09:00",
        "safe_until": "17:30",
    }

    response = client.patch(_contact_url(crime), changes, format="json", HTTP_IF_MATCH=etag)

    assert response.status_code == 200, response.json()
    assert {k: response.json()[k] for k in changes} == changes
    assert response["ETag"] != etag
    victim = _victim(crime)
    assert victim.preferred_channel == "email" and victim.safe_to_call is False
    assert victim.safe_from == dt.time(9, 0) and victim.safe_until == dt.time(17, 30)
    entry = AuditEvent.objects.get(action="change", object_type="cases.victim")
    assert entry.detail["fields"] == sorted(changes)
    assert entry.actor_id == police_token.user.pk
    # The needs assessment was not touched.
    assert NeedsAssessment.objects.get(victim=victim).versions.count() == 1


def test_rules_that_contradict_themselves_are_400_and_change_nothing(
    police_token: Token, crime: Crime
) -> None:
    client = police_token.client()
    etag = client.get(_contact_url(crime))["ETag"]

    # The victim prefers phone calls: calls cannot become unsafe on their own.
    response = client.patch(
        _contact_url(crime),
        {"safe_to_call": False, "communication_needs": "Large print"},
        format="json",
        HTTP_IF_MATCH=etag,
    )

    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["attr"] == "preferred_channel"
    assert error["detail"] == case_messages.PREFERRED_CHANNEL_NOT_SAFE
    assert _victim(crime).safe_to_call is True
    assert _communication_needs(crime) == ""
    assert client.get(_contact_url(crime))["ETag"] == etag


def test_phone_numbers_and_other_fields_cannot_be_changed_through_the_api(
    police_token: Token, crime: Crime
) -> None:
    client = police_token.client()
    etag = client.get(_contact_url(crime))["ETag"]

    response = client.patch(
        _contact_url(crime), {"phone": "07700 900999"}, format="json", HTTP_IF_MATCH=etag
    )
    empty = client.patch(_contact_url(crime), {}, format="json", HTTP_IF_MATCH=etag)

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "non_field_errors"
    assert response.json()["errors"][0]["detail"] == FIELD_UNKNOWN
    assert empty.status_code == 400 and empty.json()["errors"][0]["detail"] == NOTHING_TO_CHANGE
    assert _victim(crime).phone == "+447700900123"


def test_contact_preferences_need_the_crimes_write_scope(orgs, crime: Crime) -> None:  # type: ignore[no-untyped-def]
    needs_only = Token(
        *token_create(
            organisation=orgs["team"], name="needs system", scopes=["crimes:read", "needs:write"]
        )
    )
    client = needs_only.client()
    etag = client.get(_contact_url(crime))["ETag"]

    refused = client.patch(
        _contact_url(crime), {"wants_updates": False}, format="json", HTTP_IF_MATCH=etag
    )
    allowed = client.patch(
        _contact_url(crime),
        {"communication_needs": "Large print"},
        format="json",
        HTTP_IF_MATCH=etag,
    )

    assert refused.status_code == 403 and "crimes:write" in refused.json()["errors"][0]["detail"]
    assert _victim(crime).wants_updates is True
    assert allowed.status_code == 200, allowed.json()


def test_an_organisation_that_may_see_but_not_edit_the_case_is_refused(
    orgs, officer, crime: Crime
) -> None:  # type: ignore[no-untyped-def]
    case_share(actor=officer, crime=crime, organisation=orgs["probation"])
    probation = Token(
        *token_create(organisation=orgs["probation"], name="probation system", scopes=ALL_SCOPES)
    )
    client = probation.client()
    read = client.get(_contact_url(crime))
    assert read.status_code == 200

    response = client.patch(
        _contact_url(crime), {"wants_updates": False}, format="json", HTTP_IF_MATCH=read["ETag"]
    )

    assert response.status_code == 403
    assert _victim(crime).wants_updates is True


def test_a_change_made_in_victimcare_makes_an_earlier_etag_stale(
    police_token: Token, crime: Crime, officer
) -> None:  # type: ignore[no-untyped-def]
    client = police_token.client()
    etag = client.get(_contact_url(crime))["ETag"]
    victim_contact_update(
        actor=officer, crime=crime, victim=_victim(crime), changes={"interpreter_needed": False}
    )

    response = client.patch(
        _contact_url(crime), {"wants_updates": False}, format="json", HTTP_IF_MATCH=etag
    )

    assert response.status_code == 412
    assert response["ETag"] == client.get(_contact_url(crime))["ETag"]
    assert _victim(crime).wants_updates is True
