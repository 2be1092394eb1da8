"""The issue's story, end to end with the real comment screen: PC Olivia Officer
records a visit and shows the victim a QR code; the victim rates the visit 2 and
writes that they are scared the offender will come back. The response is stored
once and screened urgent; Sgt Sam Supervisor and Dana at the Victim Focus Desk
see it in the urgent queue, and Sam gets an email through the outbox. Replaying
the form changes nothing, and a used link looks exactly like an unknown one."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from victimcare.feedback.constants import ReviewKind
from victimcare.feedback.models import Response, Review
from victimcare.messaging.constants import Channel, RecipientKind, TaskKind
from victimcare.messaging.models import ContactTask, OutboundMessage

from .conftest import signed_in

pytestmark = pytest.mark.django_db

SCARED = "I am scared the offender will come back to my flat."
_TOKEN = re.compile(rb"/f/([A-Za-z0-9_-]{22})")
_NONCE = re.compile(rb'nonce="[^"]*"')
_CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"')


def _normalised(content: bytes) -> bytes:
    # The CSP nonce (and any CSRF token) change on every request, by design.
    return _NONCE.sub(b'nonce=""', _CSRF.sub(b'name="csrfmiddlewaretoken" value=""', content))


def test_a_scared_victim_is_reviewed_urgently_once(officer, supervisor, desk_agent, visit):
    # The officer shows the QR code for the visit.
    qr = signed_in(officer).get(reverse("feedback:qr", args=[visit.pk]))
    assert qr.status_code == 200
    token = _TOKEN.search(qr.content).group(1).decode()  # type: ignore[union-attr]
    link = reverse("feedback:respond", kwargs={"token": token})

    # The victim scans it and answers on their own phone.
    victim = Client()
    assert victim.get(link).status_code == 200
    answers = {"rating": "2", "could_be_better": SCARED, "contact_back": "on"}
    thanks = victim.post(link, answers)
    assert thanks.status_code == 200
    assert b"Thank you for your feedback" in thanks.content

    response = Response.objects.get()
    assert response.rating == 2
    assert response.urgent is True
    review = Review.objects.get()
    assert review.kind == ReviewKind.URGENT
    item = reverse("feedback:review-item", args=[review.pk]).encode()

    # The supervisor and the desk see it in the urgent queue (no name, no comment).
    for person in (supervisor, desk_agent):
        queue = signed_in(person).get(reverse("feedback:urgent"))
        assert queue.status_code == 200
        assert item in queue.content
        assert b"scared" not in queue.content
        assert b"Test Victim" not in queue.content
    # …and can read what the victim wrote, to act on it.
    for person in (supervisor, desk_agent):
        page = signed_in(person).get(item.decode())
        assert SCARED.encode() in page.content

    # The supervisor is emailed through the outbox; the desk gets a contact task.
    email = OutboundMessage.objects.get(
        idempotency_key=f"feedback-urgent:{review.pk}:{supervisor.pk}"
    )
    assert (email.channel, email.recipient_kind) == (Channel.EMAIL, RecipientKind.STAFF)
    assert email.recipient == supervisor.email
    assert "scared" not in email.body and "Test Victim" not in email.body
    assert ContactTask.objects.filter(kind=TaskKind.FEEDBACK_SAFETY).count() == 1
    assert ContactTask.objects.filter(kind=TaskKind.FEEDBACK_CONTACT_BACK).count() == 1
    outbox = OutboundMessage.objects.count()

    # Replaying the form changes nothing: the same page as a dead link.
    replay = victim.post(link, {**answers, "rating": "5"})
    unknown_link = reverse("feedback:respond", kwargs={"token": "Q" * 22})
    unknown = Client().post(unknown_link, {**answers, "rating": "5"})
    assert replay.status_code == unknown.status_code == 404
    assert _normalised(replay.content) == _normalised(unknown.content)
    assert Response.objects.count() == 1
    assert Response.objects.get().rating == 2
    assert Review.objects.count() == 1
    assert OutboundMessage.objects.count() == outbox

    # Opening the used link and an unknown one: identical status and body.
    used_page = Client().get(link)
    unknown_page = Client().get(unknown_link)
    assert used_page.status_code == unknown_page.status_code == 404
    assert _normalised(used_page.content) == _normalised(unknown_page.content)
