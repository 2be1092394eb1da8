"""Changing a victim's contact details and safe-contact rules after they were recorded.

PC Olivia Officer records a common assault whose victim prefers texts. The
victim later says texts are no longer safe: Olivia confirms it is her, changes
the rules on the case page, and the text already waiting in the outbox is
cancelled. The same rules as at intake apply; nothing half-changes; the audit
names the fields that changed, never their values.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from victimcare.accounts.models import User
from victimcare.accounts.stepup import STEP_UP_KEY
from victimcare.cases import messages as msg
from victimcare.cases.models import Crime, Victim
from victimcare.cases.services import VictimInput
from victimcare.cases.services_contact import (
    FIELD_NOT_CHANGEABLE,
    VALUE_NOT_BOOLEAN,
    victim_contact_update,
)
from victimcare.core.constants import AuditAction
from victimcare.core.models import AuditEvent
from victimcare.messaging.constants import RecipientKind, Status
from victimcare.messaging.models import OutboundMessage
from victimcare.messaging.safety import REASON_DETAILS_CHANGED, REASON_SMS_UNSAFE
from victimcare.messaging.services import message_enqueue

from ..conftest import stepped_up

pytestmark = pytest.mark.django_db

# Fake personal data only (STYLE.md): Ofcom drama numbers and example.org.
PHONE = "07700 900123"
NEW_PHONE = "07700 900456"
EMAIL = "alex.example@example.org"


@pytest.fixture
def crime(make_crime) -> Crime:  # type: ignore[no-untyped-def]
    return make_crime(
        victims=[
            VictimInput(
                full_name="Alex Example",
                phone=PHONE,
                email=EMAIL,
                preferred_channel="sms",
            )
        ],
    )


def victim_of(crime: Crime) -> Victim:
    return crime.victim_links.get().victim


def queue(crime: Crime, channel: str, key: str) -> OutboundMessage:
    victim = victim_of(crime)
    return message_enqueue(
        channel=channel,
        recipient_kind=RecipientKind.VICTIM,
        recipient=victim.phone if channel == "sms" else victim.email,
        body="An update about your case is ready.",
        template_code="test_update",
        idempotency_key=key,
        crime=crime,
        victim=victim,
    )


def contact_changes() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=AuditAction.CHANGE, object_type="cases.victim"))


# --- The service ---------------------------------------------------------------------


def test_a_new_number_and_stricter_rules_are_saved_and_audited_without_values(officer, crime):
    victim = victim_of(crime)
    before = Victim.objects.get(pk=victim.pk).updated_at

    result = victim_contact_update(
        actor=officer,
        crime=crime,
        victim=victim,
        changes={"phone": NEW_PHONE, "preferred_channel": "phone", "safe_to_text": False},
    )

    stored = Victim.objects.get(pk=victim.pk)
    assert stored.phone == "+447700900456"
    assert stored.safe_to_text is False and stored.preferred_channel == "phone"
    assert stored.updated_at > before
    assert Crime.objects.get(pk=crime.pk).updated_at == stored.updated_at
    assert result.changed == ("phone", "preferred_channel", "safe_to_text")
    assert result.stricter is True
    [entry] = contact_changes()
    assert entry.actor_id == officer.pk and entry.subject_id == str(victim.pk)
    assert entry.detail["fields"] == ["phone", "preferred_channel", "safe_to_text"]
    logged = json.dumps(entry.detail) + entry.purpose
    assert "900456" not in logged and "900123" not in logged and "sms" not in logged


def test_the_preferred_way_must_stay_a_safe_one_and_nothing_changes(officer, crime):
    victim = victim_of(crime)

    with pytest.raises(ValidationError) as refused:
        victim_contact_update(
            actor=officer, crime=crime, victim=victim, changes={"safe_to_text": False}
        )

    assert refused.value.message_dict == {"preferred_channel": [msg.PREFERRED_CHANNEL_NOT_SAFE]}
    assert Victim.objects.get(pk=victim.pk).safe_to_text is True
    assert contact_changes() == []


def test_every_problem_is_reported_at_once(officer, crime):
    with pytest.raises(ValidationError) as refused:
        victim_contact_update(
            actor=officer,
            crime=crime,
            victim=victim_of(crime),
            changes={"phone": "12", "safe_from": dt.time(9, 0)},
        )

    assert refused.value.message_dict == {
        "phone": [msg.PHONE_INVALID],
        "safe_until": [msg.SAFE_TIMES_BOTH],
    }
    stored = Victim.objects.get(pk=victim_of(crime).pk)
    assert stored.phone == "+447700900123" and stored.safe_from is None


def test_only_contact_details_can_be_changed_and_only_with_values_of_their_kind(officer, crime):
    with pytest.raises(ValidationError) as refused:
        victim_contact_update(
            actor=officer,
            crime=crime,
            victim=victim_of(crime),
            changes={"wants_updates": "no", "full_name": "Someone Else"},
        )
    assert refused.value.message_dict == {
        "wants_updates": [VALUE_NOT_BOOLEAN],
        "full_name": [FIELD_NOT_CHANGEABLE],
    }
    assert Victim.objects.get(pk=victim_of(crime).pk).full_name == "Alex Example"


def test_safe_times_follow_the_intake_rules(officer, crime):
    victim = victim_of(crime)
    with pytest.raises(ValidationError) as refused:
        victim_contact_update(
            actor=officer,
            crime=crime,
            victim=victim,
            changes={"safe_from": dt.time(18, 0), "safe_until": dt.time(9, 0)},
        )
    assert refused.value.message_dict == {"safe_until": [msg.SAFE_TIMES_ORDER]}

    result = victim_contact_update(
        actor=officer,
        crime=crime,
        victim=victim,
        changes={"safe_from": dt.time(9, 0), "safe_until": dt.time(18, 0)},
    )
    assert result.stricter is True
    assert Victim.objects.get(pk=victim.pk).safe_until == dt.time(18, 0)


def test_saving_the_same_details_writes_nothing(officer, crime):
    victim = victim_of(crime)
    before = Victim.objects.get(pk=victim.pk).updated_at

    result = victim_contact_update(
        actor=officer, crime=crime, victim=victim, changes={"phone": PHONE, "email": EMAIL}
    )

    assert result.changed == ()
    assert Victim.objects.get(pk=victim.pk).updated_at == before
    assert contact_changes() == []


def test_an_officer_of_another_bcu_may_not(other_officer, crime):
    with pytest.raises(PermissionDenied):
        victim_contact_update(
            actor=other_officer,
            crime=crime,
            victim=victim_of(crime),
            changes={"wants_updates": False},
        )
    assert Victim.objects.get(pk=victim_of(crime).pk).wants_updates is True


def test_a_victim_of_another_crime_is_refused(officer, crime, make_crime):
    other = make_crime(victims=[VictimInput(full_name="Sam Sample")])
    with pytest.raises(ValidationError) as refused:
        victim_contact_update(
            actor=officer, crime=crime, victim=victim_of(other), changes={"wants_updates": False}
        )
    assert refused.value.message_dict == {"victim": [msg.VICTIM_NOT_ON_CRIME]}


def test_a_text_waiting_in_the_outbox_is_cancelled_when_texts_become_unsafe(officer, crime):
    text = queue(crime, "sms", "test-text-1")
    email = queue(crime, "email", "test-email-1")
    # Recording the crime queued its own texts too (Victims' Code information).
    waiting_texts = {
        str(pk)
        for pk in OutboundMessage.objects.filter(
            victim=victim_of(crime), channel="sms", status=Status.PENDING
        ).values_list("pk", flat=True)
    }

    result = victim_contact_update(
        actor=officer,
        crime=crime,
        victim=victim_of(crime),
        changes={"safe_to_text": False, "preferred_channel": "email"},
    )

    text.refresh_from_db()
    email.refresh_from_db()
    assert text.status == Status.CANCELLED and text.safety_reason == REASON_SMS_UNSAFE
    assert "900123" not in text.recipient  # the number no longer safe is not kept
    assert email.status == Status.PENDING
    assert str(text.pk) in waiting_texts
    assert set(result.cancelled_message_ids) == waiting_texts
    assert contact_changes()[0].detail["cancelled_messages"] == len(waiting_texts)


def test_a_text_queued_for_the_old_number_is_cancelled(officer, crime):
    text = queue(crime, "sms", "test-text-2")

    victim_contact_update(
        actor=officer, crime=crime, victim=victim_of(crime), changes={"phone": NEW_PHONE}
    )

    text.refresh_from_db()
    assert text.status == Status.CANCELLED and text.safety_reason == REASON_DETAILS_CHANGED


def test_looser_rules_leave_queued_messages_alone(officer, crime):
    text = queue(crime, "sms", "test-text-3")

    result = victim_contact_update(
        actor=officer, crime=crime, victim=victim_of(crime), changes={"interpreter_needed": True}
    )

    text.refresh_from_db()
    assert text.status == Status.PENDING and result.cancelled_message_ids == ()


# --- The page --------------------------------------------------------------------------


def signed_in(user: User) -> Client:
    """A client signed in as `user` (second factor waived as for demo accounts)."""
    User.objects.filter(pk=user.pk).update(otp_exempt=True)
    user.refresh_from_db()
    client = Client()
    client.force_login(user)
    return client


def page_url(crime: Crime) -> str:
    return reverse("cases:contact-change", args=[crime.pk, victim_of(crime).pk])


def form_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "phone": PHONE,
        "email": EMAIL,
        "address": "",
        "preferred_channel": "sms",
        "language": "en",
        "interpreter_needed": "no",
        "accessible_format": "none",
        "wants_updates": "yes",
        "safe_ways": ["call", "text", "email", "letters", "voicemail"],
        "safe_from": "",
        "safe_until": "",
        "code_word": "",
    }
    data.update(overrides)
    return data


def test_the_case_page_links_to_the_change_page_by_ids_only(officer, crime):
    client = signed_in(officer)
    html = client.get(reverse("cases:case", args=[crime.pk])).content.decode()
    url = page_url(crime)
    assert f'href="{url}"' in html
    assert url == f"/cases/{crime.pk}/victims/{victim_of(crime).pk}/contact/"


def test_the_officer_confirms_it_is_her_then_makes_texts_unsafe(officer, crime):
    client = signed_in(officer)
    url = page_url(crime)

    asked = client.get(url)
    assert asked.status_code == 302
    assert asked["Location"] == reverse("accounts:confirm") + "?next=" + url.replace("/", "%2F")

    stepped_up(client)
    page = client.get(url)
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    assert "Change contact details" in page.content.decode()
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, object_type="cases.victim", detail__part="contact"
    ).exists()

    saved = client.post(
        url,
        form_data(preferred_channel="phone", safe_ways=["call", "email", "letters", "voicemail"]),
    )

    assert saved.status_code == 302 and saved["Location"] == reverse("cases:case", args=[crime.pk])
    stored = Victim.objects.get(pk=victim_of(crime).pk)
    assert stored.safe_to_text is False and stored.preferred_channel == "phone"
    case_page = client.get(saved["Location"]).content.decode()
    assert "Contact details changed" in case_page and "Do not text" in case_page


def test_an_unsafe_choice_shows_the_error_summary_and_changes_nothing(officer, crime):
    client = stepped_up(signed_in(officer))

    response = client.post(page_url(crime), form_data(safe_ways=["call", "email"]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html and "<title>Error:" in html
    assert msg.PREFERRED_CHANNEL_NOT_SAFE in html
    assert Victim.objects.get(pk=victim_of(crime).pk).safe_to_text is True


def test_a_post_without_a_recent_confirmation_changes_nothing(officer, crime):
    client = signed_in(officer)

    response = client.post(page_url(crime), form_data(wants_updates="no", preferred_channel="sms"))

    assert response.status_code == 302 and response["Location"].startswith(
        reverse("accounts:confirm")
    )
    assert Victim.objects.get(pk=victim_of(crime).pk).wants_updates is True
    assert STEP_UP_KEY not in client.session


def test_people_who_may_not_edit_get_not_found_and_are_never_asked_to_confirm(
    other_officer, analyst, crime
):
    for person in (other_officer, analyst):
        client = signed_in(person)
        assert client.get(page_url(crime)).status_code == 404
        assert client.post(page_url(crime), form_data()).status_code == 404
