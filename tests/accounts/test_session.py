"""Stories about a signed-in session: idle timeout, deactivation, sign-out, caching."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from victimcare.accounts.signin import idle_notice
from victimcare.core.constants import AuditAction
from victimcare.core.models import AuditEvent

from ..factories import TEST_PASSWORD, UserFactory
from .conftest import audit_actions

pytestmark = pytest.mark.django_db

SIGN_IN = reverse("accounts:sign-in")
HOME = reverse("accounts:home")
SIGN_OUT = reverse("accounts:sign-out")
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


class TestIdleTimeout:
    def test_29_minutes_idle_still_signed_in(self, officer, sign_in):
        with time_machine.travel(START, tick=False) as traveller:
            client = sign_in(officer)
            assert client.get(HOME).status_code == 200
            traveller.shift(dt.timedelta(minutes=29))
            assert client.get(HOME).status_code == 200
            # Activity restarts the clock: another 29 minutes is still fine.
            traveller.shift(dt.timedelta(minutes=29))
            assert client.get(HOME).status_code == 200

    def test_past_30_minutes_idle_signs_out_with_a_message(self, officer, sign_in):
        with time_machine.travel(START, tick=False) as traveller:
            client = sign_in(officer)
            client.get(HOME)
            traveller.shift(dt.timedelta(minutes=30, seconds=1))
            response = client.get(HOME)
            assert response.status_code == 302
            assert response["Location"].startswith(SIGN_IN)
            assert SESSION_KEY not in client.session
            page = client.get(response["Location"])
            assert (
                "You were signed out because you were inactive for 30 minutes"
                in page.content.decode()
            )
            assert client.get(HOME).status_code == 302
        assert AuditEvent.objects.filter(
            action=AuditAction.SIGN_OUT, actor_id=officer.pk
        ).get().detail == {"reason": "idle"}

    def test_the_message_follows_the_setting(self, settings):
        settings.IDLE_TIMEOUT_SECONDS = 15 * 60
        assert idle_notice() == "You were signed out because you were inactive for 15 minutes"


class TestAccessEndsAtOnce:
    def test_deactivating_a_person_ends_their_session(self, officer, sign_in):
        client = sign_in(officer)
        assert client.get(HOME).status_code == 200
        officer.is_active = False
        officer.save(update_fields=["is_active"])
        response = client.get(HOME)
        assert response.status_code == 302 and response["Location"].startswith(SIGN_IN)
        assert SESSION_KEY not in client.session
        # Reactivating does not bring the old session back.
        officer.is_active = True
        officer.save(update_fields=["is_active"])
        assert client.get(HOME).status_code == 302

    def test_a_session_without_a_verified_second_factor_is_ended(self, officer):
        # Someone logged in by other code, without the second factor.
        client = Client()
        client.force_login(officer)
        response = client.get(HOME)
        assert response.status_code == 302 and response["Location"].startswith(SIGN_IN)
        assert SESSION_KEY not in client.session

    def test_a_demo_account_needs_no_second_factor(self, orgs):
        demo = UserFactory(
            organisation=orgs["team"],
            role="officer",
            email="demo.officer@example.org",
            otp_exempt=True,
        )
        client = Client()
        client.post(SIGN_IN, {"email": demo.email, "password": TEST_PASSWORD})
        assert client.get(HOME).status_code == 200


class TestSignOut:
    def test_get_asks_first_and_post_signs_out(self, officer, sign_in):
        client = sign_in(officer)
        page = client.get(SIGN_OUT)
        assert page.status_code == 200
        assert "Are you sure you want to sign out?" in page.content.decode()
        assert client.get(HOME).status_code == 200  # GET changed nothing

        old_key = client.session.session_key
        response = client.post(SIGN_OUT)
        assert response.status_code == 302
        done = client.get(response["Location"])
        assert "You have signed out" in done.content.decode()
        assert client.get(HOME).status_code == 302
        assert client.session.session_key != old_key
        assert audit_actions(officer) == [AuditAction.SIGN_IN, AuditAction.SIGN_OUT]

    def test_the_old_session_cookie_is_dead_on_the_server(self, officer, sign_in):
        client = sign_in(officer)
        stolen = client.cookies[settings.SESSION_COOKIE_NAME].value
        client.post(SIGN_OUT)
        thief = Client()
        thief.cookies[settings.SESSION_COOKIE_NAME] = stolen
        assert thief.get(HOME).status_code == 302

    def test_signing_out_needs_the_csrf_token(self, officer, sign_in):
        client = sign_in(officer)
        client.handler.enforce_csrf_checks = True
        assert client.post(SIGN_OUT).status_code == 403
        assert client.get(HOME).status_code == 200


def test_staff_pages_are_never_cached(officer, sign_in):
    client = sign_in(officer)
    for url in (HOME, SIGN_OUT):
        assert "no-store" in client.get(url)["Cache-Control"]
    assert "no-store" in Client().get(SIGN_IN)["Cache-Control"]
