"""Officers' personal QR cards, as stories: PC Olivia Officer helps someone in
the street, where there is no case; they scan her card, which opens a fresh
single-use feedback link. One phone gets a few a day, the card a few dozen;
a lost card is replaced and the old code stops working; a dead code looks
exactly like a dead feedback link and never names the officer."""

from __future__ import annotations

import hashlib
import re

import pytest
import structlog
from django.db import connection
from django.test import Client
from django.urls import reverse

from victimcare.core.models import AuditEvent
from victimcare.feedback.cards import (
    card_scan,
    officer_card_get_or_create,
    officer_card_reissue,
)
from victimcare.feedback.constants import TOKEN_PATTERN, InvitationChannel
from victimcare.feedback.limits import TOO_MANY_TITLE
from victimcare.feedback.models import Invitation, OfficerCard, Response
from victimcare.feedback.views_cards import CARD_REISSUED, device_cookie_name

from .conftest import signed_in

pytestmark = pytest.mark.django_db

_CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"')
_NONCE = re.compile(rb'nonce="[^"]*"')


def _normalised(content: bytes) -> bytes:
    return _NONCE.sub(b'nonce=""', _CSRF.sub(b'name="csrfmiddlewaretoken" value=""', content))


def _scan_url(code: str) -> str:
    return reverse("feedback:card-scan", kwargs={"code": code})


@pytest.fixture
def card_limits(settings):  # type: ignore[no-untyped-def]
    settings.RATELIMIT_BACKEND = "database"
    settings.FEEDBACK_CARD_SCANS_PER_DEVICE = 3
    settings.FEEDBACK_CARD_SCANS_PER_CARD = 60
    settings.FEEDBACK_CARD_SCANS_PER_ADDRESS = 20
    return settings


@pytest.fixture
def card(officer) -> OfficerCard:
    return officer_card_get_or_create(officer=officer)


def test_an_officer_sees_her_card_and_the_same_card_each_time(officer):
    client = signed_in(officer)
    page = client.get(reverse("feedback:my-card"))

    assert page.status_code == 200
    card = OfficerCard.objects.get(officer=officer)
    assert b"<svg" in page.content
    assert _scan_url(card.code).rstrip("/").encode() in page.content
    assert page["Referrer-Policy"] == "no-referrer"
    assert client.get(reverse("feedback:my-card-print")).status_code == 200
    assert client.get(reverse("feedback:my-card")).status_code == 200
    assert OfficerCard.objects.filter(officer=officer).count() == 1

    # 128 random bits in the invitation shape, stored hashed and encrypted.
    assert TOKEN_PATTERN.match(card.code)
    assert card.code_hash == hashlib.sha256(card.code.encode()).hexdigest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT code FROM feedback_officercard WHERE id = %s", [card.pk])
        assert cursor.fetchone()[0] != card.code

    (entry,) = AuditEvent.objects.filter(object_type="feedback.officercard")
    assert entry.action == "create"
    assert entry.actor_id == officer.pk
    assert card.code not in repr(entry.detail)


def test_only_police_officers_have_a_card(desk_agent):
    client = signed_in(desk_agent)
    assert client.get(reverse("feedback:my-card")).status_code == 404
    assert client.post(reverse("feedback:my-card-new")).status_code == 404
    assert not OfficerCard.objects.exists()


def test_a_scan_opens_a_fresh_single_use_link(card_limits, officer, card):
    phone = Client(REMOTE_ADDR="192.0.2.20")
    with structlog.testing.capture_logs() as logs:
        scanned = phone.get(_scan_url(card.code))

    assert scanned.status_code == 303
    invitation = Invitation.objects.get()
    assert (invitation.channel, invitation.officer, invitation.card) == (
        InvitationChannel.CARD,
        officer,
        card,
    )
    assert invitation.contact_event is None
    cookie = scanned.cookies[device_cookie_name()]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert card.code not in repr(logs)

    form = phone.get(scanned["Location"])
    assert form.status_code == 200
    assert b"Olivia Officer" in form.content
    assert phone.post(scanned["Location"], {"rating": "5"}).status_code == 200
    assert Response.objects.get().invitation == invitation
    # The link was single use; a new scan opens a new one.
    assert phone.post(scanned["Location"], {"rating": "1"}).status_code == 404
    again = phone.get(_scan_url(card.code))
    assert again.status_code == 303
    assert again["Location"] != scanned["Location"]


def test_one_phone_gets_three_links_a_day(card_limits, card):
    phone = Client(REMOTE_ADDR="192.0.2.21")
    statuses = [phone.get(_scan_url(card.code)).status_code for _ in range(4)]

    assert statuses == [303, 303, 303, 429]
    refused = phone.get(_scan_url(card.code))
    assert TOO_MANY_TITLE.encode() in refused.content
    assert b"Olivia Officer" not in refused.content
    assert 0 < int(refused["Retry-After"]) <= 24 * 60 * 60
    assert Invitation.objects.count() == 3

    # Another phone at the same address (a family) still can.
    assert Client(REMOTE_ADDR="192.0.2.21").get(_scan_url(card.code)).status_code == 303


def test_a_forged_device_cookie_counts_as_a_new_device_not_a_free_pass(card_limits, card):
    phone = Client(REMOTE_ADDR="192.0.2.22")
    phone.cookies[device_cookie_name()] = "forged"
    assert phone.get(_scan_url(card.code)).status_code == 303
    # The forged value was replaced by a signed id of ours.
    assert phone.cookies[device_cookie_name()].value != "forged"
    assert [phone.get(_scan_url(card.code)).status_code for _ in range(3)] == [303, 303, 429]


def test_a_card_opens_a_limited_number_of_links_a_day(card_limits, card):
    card_limits.FEEDBACK_CARD_SCANS_PER_CARD = 2
    statuses = [
        Client(REMOTE_ADDR=f"192.0.2.{30 + n}").get(_scan_url(card.code)).status_code
        for n in range(3)
    ]
    assert statuses == [303, 303, 429]


def test_an_address_guessing_codes_is_stopped(card_limits, card):
    card_limits.FEEDBACK_CARD_SCANS_PER_ADDRESS = 3
    guesser = Client(REMOTE_ADDR="192.0.2.40")
    statuses = [guesser.get(_scan_url(f"{n:0>22}")).status_code for n in range(3)]
    statuses.append(guesser.get(_scan_url(card.code)).status_code)

    assert statuses == [404, 404, 404, 429]
    assert not Invitation.objects.exists()


def test_dead_codes_look_exactly_like_a_dead_feedback_link(card_limits, officer, card):
    revoked = card.code
    officer_card_reissue(officer=officer)
    dead_link = Client(REMOTE_ADDR="192.0.2.50").get(
        reverse("feedback:respond", kwargs={"token": "G" * 22})
    )

    for code in (revoked, "H" * 22, "short", "x" * 200):
        page = Client(REMOTE_ADDR="192.0.2.51").get(_scan_url(code))
        assert page.status_code == 404
        assert _normalised(page.content) == _normalised(dead_link.content)
        assert b"Olivia Officer" not in page.content
        assert device_cookie_name() not in page.cookies
    assert Client().post(_scan_url(revoked)).status_code == 405
    assert not Invitation.objects.exists()


def test_a_lost_card_is_replaced_and_stops_working(card_limits, officer, card):
    old_code = card.code
    opened_before = card_scan(code=old_code, device_id="device-1", client_ip="192.0.2.60").token
    client = signed_in(officer)

    confirm = client.get(reverse("feedback:my-card-new"))
    assert confirm.status_code == 200
    assert OfficerCard.objects.filter(revoked_at__isnull=True).get() == card

    done = client.post(reverse("feedback:my-card-new"), follow=True)
    assert CARD_REISSUED.encode() in done.content
    new = OfficerCard.objects.get(revoked_at__isnull=True)
    assert new.code != old_code
    assert _scan_url(new.code).rstrip("/").encode() in done.content
    assert OfficerCard.objects.get(pk=card.pk).revoked_at is not None

    assert Client(REMOTE_ADDR="192.0.2.61").get(_scan_url(old_code)).status_code == 404
    assert Client(REMOTE_ADDR="192.0.2.62").get(_scan_url(new.code)).status_code == 303
    # A link someone already opened from the old card still works.
    assert opened_before is not None
    url = reverse("feedback:respond", kwargs={"token": opened_before})
    assert Client(REMOTE_ADDR="192.0.2.63").get(url).status_code == 200

    actions = list(
        AuditEvent.objects.filter(object_type="feedback.officercard")
        .order_by("seq")
        .values_list("action", "object_id")
    )
    assert actions == [("create", str(card.pk)), ("change", str(card.pk)), ("create", str(new.pk))]


def test_a_card_of_an_officer_who_has_left_stops_working(card_limits, officer, card):
    officer.is_active = False
    officer.save(update_fields=["is_active"])
    assert Client(REMOTE_ADDR="192.0.2.70").get(_scan_url(card.code)).status_code == 404
