"""Joining the Victim Voice Forum at /forum/join/, with no account: a sign-up
with consent is stored encrypted, keeps only what the person agreed to share,
and queues a confirmation (to the public address they gave, about no crime)
holding a withdrawal link whose token is stored only as a hash. Without
consent, or without a way to reach them, it is refused in plain words and
nothing is stored. The page speaks Polish and Arabic and is rate-limited."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from victimcare.core.constants import AuditAction
from victimcare.core.models import AuditEvent
from victimcare.forum import i18n
from victimcare.forum.constants import CONSENT_VERSION, ContactStatus, Source
from victimcare.forum.models import Volunteer, VolunteerExperience
from victimcare.forum.services import token_hash
from victimcare.messaging.constants import Channel, RecipientKind
from victimcare.messaging.models import OutboundMessage

from .conftest import ENFIELD, HACKNEY, JOIN_URL, join, withdraw_token

EN = i18n.forum_text("en")
AR = i18n.forum_text("ar")
PL = i18n.forum_text("pl")


def test_the_page_explains_the_forum_and_nothing_is_pre_ticked(db):
    response = Client().get(JOIN_URL)

    assert response.status_code == 200
    page = response.content.decode()
    assert EN.plain("join_intro").replace("'", "&#39;") in page
    assert EN.plain("join_what_leave") in page
    assert 'name="consent"' in page
    assert "checked" not in page  # consent and every item to share: explicit choices
    assert "no-store" in response["Cache-Control"]


def test_a_sign_up_with_consent_is_stored_encrypted_and_confirmed(db):
    response = join()

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('forum:joined')}?lang=en"
    volunteer = Volunteer.objects.get()
    assert volunteer.name == "Robin Example"
    assert volunteer.email == "robin@example.com"
    assert volunteer.phone == "07700 900501"
    assert volunteer.borough == HACKNEY
    assert volunteer.status == ContactStatus.NEW
    assert volunteer.source == Source.PORTAL
    assert volunteer.consent_version == CONSENT_VERSION
    assert volunteer.consented_at is not None
    assert sorted(e.kind for e in volunteer.experiences.all()) == ["burglary", "fraud"]
    # At rest, the contact details are ciphertext.
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, email, phone FROM forum_volunteer")
        raw = cursor.fetchone()
    assert "Robin" not in raw[0] and "robin@" not in raw[1] and "900501" not in raw[2]

    message = OutboundMessage.objects.get()
    assert message.recipient_kind == RecipientKind.PUBLIC
    assert message.channel == Channel.EMAIL
    assert message.recipient == "robin@example.com"
    assert message.crime_id is None and message.victim_id is None
    assert volunteer.confirmation_message_id == message.pk
    token = withdraw_token(message)
    # Only the token's hash is stored.
    assert volunteer.withdraw_token_hash == token_hash(token)
    assert token not in volunteer.withdraw_token_hash

    audit = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="forum.volunteer")
    assert audit.object_id == str(volunteer.pk)
    assert "robin" not in str(audit.detail).lower()

    # The confirmation page comes from the session: anyone else is sent to the form.
    assert Client().get(reverse("forum:joined")).status_code == 302


def test_the_confirmation_page_says_a_message_was_sent(db):
    client = Client()
    join(client)
    page = client.get(reverse("forum:joined")).content.decode()
    assert EN.plain("joined_title") in page
    assert EN.plain("joined_message_sent") in page


def test_text_preferred_with_a_mobile_sends_a_text(db):
    join(contact_preference="text", email="")
    message = OutboundMessage.objects.get()
    assert message.channel == Channel.SMS
    assert message.recipient == "07700 900501"
    assert withdraw_token(message)


def test_a_landline_only_gets_no_message_and_is_told_so(db):
    client = Client()
    response = join(client, email="", phone="020 7946 0123", contact_preference="phone")
    assert response.status_code == 302
    volunteer = Volunteer.objects.get()
    assert volunteer.confirmation_message_id is None
    assert volunteer.confirmation_withheld_reason
    assert not OutboundMessage.objects.exists()
    page = client.get(reverse("forum:joined")).content.decode()
    assert EN.plain("joined_no_message") in page


def test_from_the_feedback_page_is_recorded(db):
    response = join(query="?from=feedback&lang=en")
    assert response.status_code == 302
    assert Volunteer.objects.get().source == Source.FEEDBACK


def test_without_consent_nothing_is_stored_and_the_reason_is_given(db):
    response = join(consent=None)

    assert response.status_code == 400
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert EN.plain("consent_required") in page
    assert 'href="#consent"' in page
    assert "<title>Error:" in page
    assert not Volunteer.objects.exists()
    assert not OutboundMessage.objects.exists()
    assert not AuditEvent.objects.filter(object_type="forum.volunteer").exists()
    # Nothing lost: what was typed is given back.
    assert "robin@example.com" in page


def test_a_way_to_contact_them_is_required(db):
    response = join(email="", phone="")

    assert response.status_code == 400
    page = response.content.decode()
    assert EN.plain("contact_required") in page
    assert 'href="#email"' in page
    assert not Volunteer.objects.exists()


def test_a_contact_detail_must_be_shared_with_the_coordinator(db):
    response = join(share=["borough"], contact_preference="email")

    assert response.status_code == 400
    page = response.content.decode()
    assert EN.plain("share_contact_required") in page
    assert EN.plain("prefer_email_missing") in page
    assert not Volunteer.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"email": "not-an-email"}, "email_invalid"),
        ({"phone": "12"}, "phone_invalid"),
        ({"name": "x" * 151}, "name_too_long"),
        ({"contact_preference": ""}, "prefer_required"),
        ({"contact_preference": "text", "phone": "020 7946 0123"}, "prefer_text_not_mobile"),
        ({"contact_preference": "phone", "phone": ""}, "prefer_phone_missing"),
        ({"borough": "E99999999"}, "choice_invalid"),
        ({"experiences": ["piracy"]}, "choice_invalid"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_stored(db, overrides, key):
    response = join(**overrides)
    assert response.status_code == 400
    assert EN.plain(key) in response.content.decode()
    assert not Volunteer.objects.exists()


def test_only_what_was_agreed_is_kept(db):
    join(share=["email"], borough=ENFIELD, experiences=["violence"], phone="07700 900502")

    volunteer = Volunteer.objects.get()
    assert volunteer.email == "robin@example.com"
    assert (volunteer.name, volunteer.phone, volunteer.borough) == ("", "", "")
    assert not (volunteer.share_name or volunteer.share_phone or volunteer.share_borough)
    assert not volunteer.share_experience
    assert not VolunteerExperience.objects.exists()


def test_the_page_and_its_errors_are_in_arabic_right_to_left(db):
    page = Client().get(f"{JOIN_URL}?lang=ar").content.decode()
    assert 'lang="ar" dir="rtl"' in page
    assert AR.plain("join_title") in page

    response = join(query="?lang=ar", consent=None)
    page = response.content.decode()
    assert AR.plain("consent_required") in page
    assert 'dir="rtl"' in page


def test_the_confirmation_is_in_the_language_of_the_page(db):
    join(query="?lang=pl")
    message = OutboundMessage.objects.get()
    assert message.language == "pl"
    assert PL.plain("confirm_subject") == message.subject
    assert "?lang=pl" in message.body
    assert Volunteer.objects.get().language == "pl"


def test_sign_ups_are_rate_limited_per_address(db, settings):
    settings.FORUM_JOIN_RATE = 2
    client = Client()
    for n in range(2):
        join(client, email=f"person{n}@example.com")
    response = join(client, email="person9@example.com")

    assert response.status_code == 429
    assert response["Retry-After"]
    assert Volunteer.objects.count() == 2


def test_the_service_itself_refuses_a_sign_up_without_consent_or_a_shared_contact(db):
    from django.core.exceptions import ValidationError

    from victimcare.forum.services import (
        CONSENT_REQUIRED,
        SHARE_CONTACT_REQUIRED,
        VolunteerInput,
        volunteer_join,
    )

    with pytest.raises(ValidationError) as refused:
        volunteer_join(
            data=VolunteerInput(consent=False, email="a@example.com", share=frozenset({"email"}))
        )
    assert CONSENT_REQUIRED in refused.value.messages
    with pytest.raises(ValidationError) as refused:
        volunteer_join(
            data=VolunteerInput(consent=True, email="a@example.com", share=frozenset({"name"}))
        )
    assert SHARE_CONTACT_REQUIRED in refused.value.messages
    assert not Volunteer.objects.exists()
    assert not OutboundMessage.objects.exists()
