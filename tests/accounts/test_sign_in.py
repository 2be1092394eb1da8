"""Stories about signing in: password, then a code from an authenticator app."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from victimcare.accounts import forms
from victimcare.accounts.signin import NOTICE_SIGN_IN_EXPIRED
from victimcare.core.constants import AuditAction
from victimcare.core.models import AuditEvent

from ..factories import TEST_PASSWORD, UserFactory
from .conftest import audit_actions, code_for

pytestmark = pytest.mark.django_db

SIGN_IN = reverse("accounts:sign-in")
CODE = reverse("accounts:sign-in-code")
SET_UP = reverse("accounts:sign-in-set-up")
HOME = reverse("accounts:home")


def test_olivia_signs_in_with_her_password_and_a_code(client, officer, authenticator):
    device = authenticator(officer)

    response = client.post(SIGN_IN, {"email": officer.email, "password": TEST_PASSWORD})
    assert response.status_code == 302 and response["Location"] == CODE
    # Half signed in: the password alone opens nothing.
    assert client.get(HOME).status_code == 302

    page = client.get(CODE)
    assert page.status_code == 200
    assert 'autocomplete="one-time-code"' in page.content.decode()

    response = client.post(CODE, {"code": code_for(device)})
    assert response.status_code == 302 and response["Location"] == HOME
    home = client.get(HOME)
    assert home.status_code == 200
    assert "Olivia Officer" in home.content.decode()
    assert client.session["otp_device_id"] == device.persistent_id
    assert audit_actions(officer) == [AuditAction.SIGN_IN]


def test_sign_in_rotates_the_session_key(client, officer, authenticator):
    device = authenticator(officer)
    client.get(SIGN_IN)
    client.post(SIGN_IN, {"email": officer.email, "password": TEST_PASSWORD})
    half_key = client.session.session_key
    client.post(CODE, {"code": code_for(device)})
    assert client.session.session_key != half_key


def test_email_is_not_case_sensitive(client, officer, authenticator):
    authenticator(officer)
    response = client.post(
        SIGN_IN, {"email": "  Olivia.Officer@Example.ORG ", "password": TEST_PASSWORD}
    )
    assert response["Location"] == CODE


def test_a_new_person_sets_up_an_authenticator_app_then_signs_in(client, supervisor):
    response = client.post(SIGN_IN, {"email": supervisor.email, "password": TEST_PASSWORD})
    assert response["Location"] == SET_UP

    page = client.get(SET_UP)
    html = page.content.decode()
    assert page.status_code == 200
    assert '<svg role="img" aria-label="QR code for your authenticator app"' in html
    device = TOTPDevice.objects.get(user=supervisor)
    assert device.confirmed is False
    # The secret is printed for people who cannot scan: grouped base32 of the device key.
    import base64

    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    assert secret[:4] + " " + secret[4:8] in html
    # Reloading shows the same device, not a new one.
    client.get(SET_UP)
    assert TOTPDevice.objects.filter(user=supervisor).count() == 1

    response = client.post(SET_UP, {"code": code_for(device)})
    assert response.status_code == 302 and response["Location"] == HOME
    device.refresh_from_db()
    assert device.confirmed is True
    assert client.get(HOME).status_code == 200
    assert audit_actions(supervisor) == [AuditAction.SECOND_FACTOR_ADDED, AuditAction.SIGN_IN]


def test_set_up_with_a_wrong_code_confirms_nothing(client, supervisor):
    client.post(SIGN_IN, {"email": supervisor.email, "password": TEST_PASSWORD})
    client.get(SET_UP)
    response = client.post(SET_UP, {"code": "000000"})
    assert response.status_code == 200
    assert forms.CODE_WRONG in response.content.decode()
    assert not TOTPDevice.objects.filter(user=supervisor, confirmed=True).exists()
    assert client.get(HOME).status_code == 302


def test_a_wrong_code_is_refused_with_a_clear_error(client, officer, authenticator):
    device = authenticator(officer)
    client.post(SIGN_IN, {"email": officer.email, "password": TEST_PASSWORD})
    right = code_for(device)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    response = client.post(CODE, {"code": wrong})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert forms.CODE_WRONG in html
    assert client.get(HOME).status_code == 302
    event = AuditEvent.objects.filter(action=AuditAction.SIGN_IN_FAILED).get()
    assert event.actor_id == officer.pk
    assert event.detail == {"reason": "second_factor"}


@pytest.mark.parametrize(
    ("typed", "message"),
    [("", forms.CODE_REQUIRED), ("12ab56", forms.CODE_FORMAT), ("12345", forms.CODE_FORMAT)],
    ids=["empty", "letters", "too-short"],
)
def test_badly_formed_codes_get_specific_errors(client, officer, authenticator, typed, message):
    authenticator(officer)
    client.post(SIGN_IN, {"email": officer.email, "password": TEST_PASSWORD})
    response = client.post(CODE, {"code": typed})
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert 'href="#id_code"' in html


def test_a_code_typed_with_spaces_is_accepted(client, officer, authenticator):
    device = authenticator(officer)
    client.post(SIGN_IN, {"email": officer.email, "password": TEST_PASSWORD})
    code = code_for(device)
    response = client.post(CODE, {"code": f"{code[:3]} {code[3:]}"})
    assert response["Location"] == HOME


def test_a_demo_account_signs_in_with_a_password_only(client, orgs):
    demo = UserFactory(
        organisation=orgs["desk"], role="desk_agent", email="demo.desk@example.org", otp_exempt=True
    )
    response = client.post(SIGN_IN, {"email": demo.email, "password": TEST_PASSWORD})
    assert response.status_code == 302 and response["Location"] == HOME
    assert client.get(HOME).status_code == 200
    event = AuditEvent.objects.get(action=AuditAction.SIGN_IN)
    assert event.actor_id == demo.pk and event.detail == {"second_factor": "exempt"}


def test_a_password_alone_never_reaches_staff_pages(client, officer, authenticator):
    authenticator(officer)
    client.post(SIGN_IN, {"email": officer.email, "password": TEST_PASSWORD})
    for name in ("accounts:home", "accounts:team"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(SIGN_IN)


def test_the_code_page_needs_a_password_first(client):
    assert client.get(CODE)["Location"] == SIGN_IN
    assert client.get(SET_UP)["Location"] == SIGN_IN


def test_a_half_finished_sign_in_expires_after_10_minutes(client, officer, authenticator):
    device = authenticator(officer)
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as traveller:
        client.post(SIGN_IN, {"email": officer.email, "password": TEST_PASSWORD})
        traveller.shift(dt.timedelta(minutes=10, seconds=1))
        response = client.post(CODE, {"code": code_for(device)})
        assert response["Location"] == SIGN_IN
        page = client.get(SIGN_IN)
        assert NOTICE_SIGN_IN_EXPIRED in page.content.decode()
        assert client.get(HOME).status_code == 302


class TestBadInput:
    """GOV.UK error summary, a specific message per field, and what was typed kept."""

    def test_empty_fields(self, client, db):
        response = client.post(SIGN_IN, {"email": "", "password": ""})
        html = response.content.decode()
        assert response.status_code == 200
        assert "govuk-error-summary" in html
        assert forms.EMAIL_REQUIRED in html and forms.PASSWORD_REQUIRED in html
        assert 'href="#id_email"' in html and 'href="#id_password"' in html
        assert "<title>Error: Sign in" in html

    def test_wrong_password_keeps_the_email_and_never_the_password(self, client, officer):
        response = client.post(
            SIGN_IN, {"email": officer.email, "password": "not-the-password-123"}
        )
        html = response.content.decode()
        assert response.status_code == 200
        assert forms.CREDENTIALS_WRONG in html
        assert f'value="{officer.email}"' in html
        assert "not-the-password-123" not in html

    def test_unknown_email_gets_the_same_answer_as_a_wrong_password(self, client, officer):
        known = client.post(SIGN_IN, {"email": officer.email, "password": "wrong-password-123"})
        unknown = Client().post(
            SIGN_IN, {"email": "nobody@example.org", "password": "wrong-password-123"}
        )
        assert known.status_code == unknown.status_code == 200

        def errors(html: str) -> str:
            start = html.index("govuk-error-summary")
            return (
                html[start : start + 600]
                .replace(officer.email, "X")
                .replace("nobody@example.org", "X")
            )

        assert errors(known.content.decode()) == errors(unknown.content.decode())

    def test_badly_formed_email(self, client, db):
        response = client.post(SIGN_IN, {"email": "not-an-email", "password": "whatever-it-is"})
        html = response.content.decode()
        assert forms.EMAIL_INVALID in html
        assert 'value="not-an-email"' in html

    def test_sign_in_page_fields_are_labelled_and_autocomplete(self, client, db):
        html = client.get(SIGN_IN).content.decode()
        assert html.count("<h1") == 1
        assert '<label class="govuk-label govuk-label--s" for="id_email">' in html
        assert 'autocomplete="username"' in html
        assert 'autocomplete="current-password"' in html
        assert "style=" not in html


class TestWhereSignInLeadsTo:
    def test_a_local_next_page_is_honoured(self, client, supervisor, authenticator):
        device = authenticator(supervisor)
        team = reverse("accounts:team")
        client.post(
            f"{SIGN_IN}?next={team}",
            {"email": supervisor.email, "password": TEST_PASSWORD, "next": team},
        )
        response = client.post(CODE, {"code": code_for(device)})
        assert response["Location"] == team

    @pytest.mark.parametrize(
        "target",
        [
            "https://evil.example.org/",
            "//evil.example.org/",
            "/\\evil.example.org",
            "javascript:alert(1)",
        ],
        ids=["absolute", "scheme-relative", "backslash", "javascript"],
    )
    def test_an_open_redirect_is_refused(self, client, officer, authenticator, target):
        device = authenticator(officer)
        client.post(SIGN_IN, {"email": officer.email, "password": TEST_PASSWORD, "next": target})
        response = client.post(CODE, {"code": code_for(device)})
        assert response["Location"] == HOME

    def test_a_signed_in_person_visiting_sign_in_goes_home(self, officer, sign_in):
        client = sign_in(officer)
        assert client.get(SIGN_IN)["Location"] == HOME


class TestAudit:
    def test_a_failed_sign_in_is_recorded_without_the_email_or_password(self, client, officer):
        client.post(SIGN_IN, {"email": officer.email, "password": "wrong-password-123"})
        event = AuditEvent.objects.get(action=AuditAction.SIGN_IN_FAILED)
        assert event.actor_id == officer.pk
        assert event.client_ip == "127.0.0.1"
        assert officer.email not in str(event.detail) and "wrong-password" not in str(event.detail)

    def test_a_failed_sign_in_for_an_unknown_email_has_no_actor(self, client, db):
        client.post(SIGN_IN, {"email": "nobody@example.org", "password": "wrong-password-123"})
        event = AuditEvent.objects.get(action=AuditAction.SIGN_IN_FAILED)
        assert event.actor_id is None
        assert "nobody" not in str(event.detail)

    def test_a_deactivated_person_cannot_sign_in(self, client, officer, authenticator):
        authenticator(officer)
        officer.is_active = False
        officer.save()
        response = client.post(SIGN_IN, {"email": officer.email, "password": TEST_PASSWORD})
        assert response.status_code == 200
        assert forms.CREDENTIALS_WRONG in response.content.decode()
