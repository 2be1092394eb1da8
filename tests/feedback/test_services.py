"""Invitations and responses through the services: a token of at least 128 bits
that the database never holds, one response per token, and a single refusal for
every kind of dead link (security.md row 23)."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from victimcare.feedback import messages as msg
from victimcare.feedback.constants import InvitationChannel
from victimcare.feedback.models import Invitation, Response
from victimcare.feedback.services import (
    invitation_create,
    invitation_for_token,
    response_record,
)

pytestmark = pytest.mark.django_db


def test_a_token_has_at_least_128_bits_and_only_its_hash_is_stored(officer, visit):
    invitation, token = invitation_create(
        officer=officer, contact_event=visit, channel=InvitationChannel.QR
    )
    # 22 URL-safe base64 characters carry 132 bits (16 random bytes).
    assert len(token) == 22
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM feedback_invitation WHERE id = %s", [invitation.pk])
        row = cursor.fetchone()
    assert all(token not in str(value) for value in row)
    assert invitation.crime_id == visit.crime_id
    assert invitation.victim_id == visit.victim_id
    assert invitation_for_token(token) == invitation


def test_each_invitation_gets_a_different_token(officer, visit):
    tokens = {invitation_create(officer=officer, channel="card")[1] for _ in range(20)}
    assert len(tokens) == 20


def test_an_invitation_expires_after_14_days_by_default(officer, visit):
    invitation, token = invitation_create(officer=officer, contact_event=visit, channel="qr")
    assert invitation.expires_at - invitation.created_at == dt.timedelta(days=14)
    later = timezone.now() + dt.timedelta(days=14, seconds=1)
    assert invitation_for_token(token, now=later) is None


@override_settings(FEEDBACK_INVITATION_DAYS=3)
def test_the_expiry_follows_the_setting(officer, visit):
    invitation, _ = invitation_create(officer=officer, contact_event=visit, channel="qr")
    assert invitation.expires_at - invitation.created_at == dt.timedelta(days=3)


def test_a_new_qr_code_for_the_same_contact_retires_the_old_one(officer, visit):
    _, old = invitation_create(officer=officer, contact_event=visit, channel="qr")
    _, new = invitation_create(officer=officer, contact_event=visit, channel="qr")
    assert invitation_for_token(old) is None
    assert invitation_for_token(new) is not None


def test_only_a_contact_can_have_an_invitation(officer, crime):
    reported = crime.events.get(code="crime_reported")
    with pytest.raises(ValidationError) as excinfo:
        invitation_create(officer=officer, contact_event=reported, channel="qr")
    assert excinfo.value.messages == [msg.CONTACT_EVENT_NOT_CONTACT]


def test_a_personal_card_has_no_case(officer):
    invitation, token = invitation_create(officer=officer, channel=InvitationChannel.CARD)
    assert invitation.contact_event_id is None
    assert invitation.crime_id is None
    assert invitation_for_token(token) == invitation


def test_the_victim_rates_once_and_the_comment_is_encrypted(officer, visit):
    invitation, token = invitation_create(officer=officer, contact_event=visit, channel="qr")
    response = response_record(
        token=token,
        rating=4,
        went_well="She listened and explained what happens next.",
        age_band="under_16",
        needs_recognised="not_sure",
        contact_back=True,
    )
    invitation.refresh_from_db()
    assert invitation.used_at is not None
    assert Response.objects.get().went_well == "She listened and explained what happens next."
    with connection.cursor() as cursor:
        cursor.execute("SELECT went_well FROM feedback_response WHERE id = %s", [response.pk])
        (stored,) = cursor.fetchone()
    assert "listened" not in stored

    with pytest.raises(ValidationError) as excinfo:
        response_record(token=token, rating=1)
    assert excinfo.value.messages == [msg.LINK_UNAVAILABLE]
    assert Response.objects.count() == 1


def _dead_link_messages(officer, visit) -> list[list[str]]:
    _, used = invitation_create(officer=officer, channel="card")
    response_record(token=used, rating=5)
    invitation, expired = invitation_create(officer=officer, channel="card")
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    unknown = "A" * 22
    malformed = "not a token"
    found = []
    for token in (used, expired, unknown, malformed):
        with pytest.raises(ValidationError) as excinfo:
            response_record(token=token, rating=3)
        found.append(excinfo.value.messages)
    return found


def test_used_expired_unknown_and_malformed_tokens_are_refused_identically(officer, visit):
    assert _dead_link_messages(officer, visit) == [[msg.LINK_UNAVAILABLE]] * 4


def test_a_dead_link_is_refused_before_the_answers_are_checked(officer):
    # A bad rating on a dead link must not reveal anything beyond "unavailable".
    with pytest.raises(ValidationError) as excinfo:
        response_record(token="B" * 22, rating=9, went_well="x" * 3000)
    assert excinfo.value.messages == [msg.LINK_UNAVAILABLE]


@pytest.mark.parametrize(
    ("rating", "message"),
    [(0, msg.RATING_INVALID), (6, msg.RATING_INVALID), (None, msg.RATING_REQUIRED)],
)
def test_a_rating_outside_1_to_5_is_refused(officer, rating, message):
    invitation, token = invitation_create(officer=officer, channel="card")
    with pytest.raises(ValidationError) as excinfo:
        response_record(token=token, rating=rating)
    assert excinfo.value.message_dict == {"rating": [message]}
    invitation.refresh_from_db()
    assert invitation.used_at is None
    assert Response.objects.count() == 0


def test_a_comment_over_2000_characters_is_refused(officer):
    _, token = invitation_create(officer=officer, channel="card")
    with pytest.raises(ValidationError) as excinfo:
        response_record(token=token, rating=3, could_be_better="x" * 2001)
    assert excinfo.value.message_dict == {"could_be_better": [msg.COMMENT_TOO_LONG]}
    assert Response.objects.count() == 0
    response_record(token=token, rating=3, could_be_better="x" * 2000)
    assert Response.objects.count() == 1


def test_an_unknown_equality_answer_is_refused(officer):
    _, token = invitation_create(officer=officer, channel="card")
    with pytest.raises(ValidationError) as excinfo:
        response_record(token=token, rating=3, age_band="ancient")
    assert excinfo.value.message_dict == {"age_band": [msg.ANSWER_INVALID]}


def test_the_database_keeps_one_response_per_invitation_and_ratings_1_to_5(officer):
    invitation, token = invitation_create(officer=officer, channel="card")
    response_record(token=token, rating=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.create(invitation=invitation, rating=3)
    other, _ = invitation_create(officer=officer, channel="card")
    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.create(invitation=other, rating=6)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(token=st.one_of(st.text(max_size=40), st.from_regex(r"\A[A-Za-z0-9_-]{22}\Z")))
def test_random_tokens_never_validate(officer, token):
    invitation_create(officer=officer, channel="card")
    assert invitation_for_token(token) is None
    with pytest.raises(ValidationError) as excinfo:
        response_record(token=token, rating=5)
    assert excinfo.value.messages == [msg.LINK_UNAVAILABLE]


def test_creating_an_invitation_is_audited_without_the_token(officer, visit) -> None:  # type: ignore[no-untyped-def]
    from victimcare.core.models import AuditEvent

    invitation, token = invitation_create(officer=officer, channel="qr", contact_event=visit)
    entry = AuditEvent.objects.get(object_type="feedback.invitation", object_id=str(invitation.pk))
    assert entry.subject_id == str(visit.victim_id)
    assert token not in str(entry.detail)
