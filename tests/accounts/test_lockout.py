"""Lock-out after repeated failures, keyed on the person AND the address.

Police stations share one address behind NAT: one officer's typos must lock
that officer at that address, never their colleagues.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.urls import reverse

from victimcare.core.constants import AuditAction
from victimcare.core.models import AuditEvent

from ..factories import TEST_PASSWORD
from .conftest import code_for

pytestmark = pytest.mark.django_db

SIGN_IN = reverse("accounts:sign-in")
CODE = reverse("accounts:sign-in-code")
HOME = reverse("accounts:home")
STATION = "10.20.30.40"
HOME_BROADBAND = "192.0.2.10"
LIMIT = settings.AXES_FAILURE_LIMIT


def fail(client: Client, email: str, times: int) -> list[int]:
    return [
        client.post(SIGN_IN, {"email": email, "password": f"wrong-password-{n}"}).status_code
        for n in range(times)
    ]


def test_five_failures_lock_that_person_at_that_address_only(officer, supervisor):
    station = Client(REMOTE_ADDR=STATION)
    statuses = fail(station, officer.email, LIMIT)
    assert statuses == [200] * (LIMIT - 1) + [429]

    # The right password does not help while locked out.
    locked = station.post(SIGN_IN, {"email": officer.email, "password": TEST_PASSWORD})
    assert locked.status_code == 429
    html = locked.content.decode()
    assert "You cannot sign in for now" in html
    assert "30 minutes" in html
    assert settings.SUPPORT_EMAIL in html
    assert locked["Cache-Control"].startswith("no-store") or "no-store" in locked["Cache-Control"]

    # A colleague at the same station is not affected.
    colleague = Client(REMOTE_ADDR=STATION).post(
        SIGN_IN, {"email": supervisor.email, "password": TEST_PASSWORD}
    )
    assert colleague.status_code == 302

    # Nor is the same officer from another address.
    elsewhere = Client(REMOTE_ADDR=HOME_BROADBAND).post(
        SIGN_IN, {"email": officer.email, "password": TEST_PASSWORD}
    )
    assert elsewhere.status_code == 302


def test_the_lock_is_on_the_person_whatever_the_case_of_the_email(officer):
    station = Client(REMOTE_ADDR=STATION)
    fail(station, officer.email.upper(), LIMIT)
    assert (
        station.post(SIGN_IN, {"email": officer.email, "password": TEST_PASSWORD}).status_code
        == 429
    )


def test_a_forged_forwarded_for_header_does_not_escape_the_lock(officer):
    station = Client(REMOTE_ADDR=STATION)
    fail(station, officer.email, LIMIT)
    forged = Client(REMOTE_ADDR=STATION, HTTP_X_FORWARDED_FOR="203.0.113.99")
    assert (
        forged.post(SIGN_IN, {"email": officer.email, "password": TEST_PASSWORD}).status_code == 429
    )


def test_the_lock_lifts_after_the_cool_off(officer):
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as traveller:
        station = Client(REMOTE_ADDR=STATION)
        fail(station, officer.email, LIMIT)
        traveller.shift(dt.timedelta(hours=settings.AXES_COOLOFF_TIME, minutes=1))
        assert (
            station.post(SIGN_IN, {"email": officer.email, "password": TEST_PASSWORD}).status_code
            == 302
        )


def test_wrong_codes_count_towards_the_lock(officer, authenticator):
    device = authenticator(officer)
    station = Client(REMOTE_ADDR=STATION)
    # Two wrong passwords, then the right one...
    fail(station, officer.email, 2)
    assert (
        station.post(SIGN_IN, {"email": officer.email, "password": TEST_PASSWORD})["Location"]
        == CODE
    )
    right = code_for(device)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    # ...then wrong codes until the limit: the last one locks.
    statuses = [station.post(CODE, {"code": wrong}).status_code for _ in range(LIMIT - 2)]
    assert statuses == [200] * (LIMIT - 3) + [429]
    # The half-finished sign-in is gone, and the right password is refused.
    assert station.get(CODE)["Location"] == SIGN_IN
    assert (
        station.post(SIGN_IN, {"email": officer.email, "password": TEST_PASSWORD}).status_code
        == 429
    )
    assert station.get(HOME).status_code == 302


def test_lockout_is_audited_without_email_or_password(officer):
    station = Client(REMOTE_ADDR=STATION)
    fail(station, officer.email, LIMIT)
    station.post(SIGN_IN, {"email": officer.email, "password": TEST_PASSWORD})

    actions = list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))
    assert actions == [AuditAction.SIGN_IN_FAILED] * LIMIT + [AuditAction.LOCKED_OUT] * 2
    for event in AuditEvent.objects.all():
        assert event.actor_id == officer.pk
        assert event.client_ip == STATION
        assert officer.email not in str(event.detail)
        assert "password" not in str(event.detail)


def test_axes_keeps_no_email_address(officer):
    fail(Client(REMOTE_ADDR=STATION), officer.email, 2)
    attempt = AccessAttempt.objects.get()
    assert attempt.username and officer.email not in attempt.username
    assert officer.email not in attempt.post_data
    assert "wrong-password" not in attempt.post_data


def test_a_successful_sign_in_resets_the_count(officer, authenticator):
    device = authenticator(officer)
    station = Client(REMOTE_ADDR=STATION)
    fail(station, officer.email, LIMIT - 1)
    station.post(SIGN_IN, {"email": officer.email, "password": TEST_PASSWORD})
    station.post(CODE, {"code": code_for(device)})
    station.post(reverse("accounts:sign-out"))
    # A fresh allowance of failures.
    assert fail(station, officer.email, LIMIT - 1) == [200] * (LIMIT - 1)
