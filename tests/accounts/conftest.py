"""Helpers for sign-in stories: a confirmed authenticator app and a full sign-in."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from victimcare.accounts.models import User
from victimcare.core.models import AuditEvent

from ..factories import TEST_PASSWORD


def code_for(device: TOTPDevice) -> str:
    """The code the person's authenticator app shows right now."""
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


@pytest.fixture
def authenticator() -> Callable[[User], TOTPDevice]:
    """Give a person a confirmed authenticator app."""

    def make(user: User) -> TOTPDevice:
        return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)

    return make


@pytest.fixture
def sign_in(authenticator: Callable[[User], TOTPDevice]) -> Callable[..., Client]:
    """Sign a person in through the real journey (password, then TOTP code) and return the client."""

    def do(user: User, client: Client | None = None) -> Client:
        client = client or Client()
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or authenticator(user)
        response = client.post(
            reverse("accounts:sign-in"), {"email": user.email, "password": TEST_PASSWORD}
        )
        assert response.status_code == 302, response
        assert response["Location"] == reverse("accounts:sign-in-code")
        response = client.post(reverse("accounts:sign-in-code"), {"code": code_for(device)})
        assert response.status_code == 302, response.content.decode()[:2000]
        return client

    return do


def audit_actions(user: User | None = None) -> list[str]:
    """The audit actions recorded so far (for one actor, if given), oldest first."""
    events = AuditEvent.objects.order_by("seq")
    if user is not None:
        events = events.filter(actor_id=user.pk)
    return list(events.values_list("action", flat=True))
