"""Personas and helpers for the Victim Voice Forum tests."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory
from victimcare.accounts.constants import Role
from victimcare.accounts.models import User
from victimcare.messaging.models import OutboundMessage

JOIN_URL = reverse("forum:join")
LIST_URL = reverse("forum:volunteers")
WITHDRAW_LINK = re.compile(r"https?://[^\s]+/forum/withdraw/([A-Za-z0-9_-]+)/\?lang=[a-z]+")

HACKNEY = "E09000012"
ENFIELD = "E09000010"


@pytest.fixture
def mopac_admin(orgs) -> User:  # type: ignore[no-untyped-def]
    """Morgan Mopac, an administrator at the oversight body: runs the forum."""
    return UserFactory(
        organisation=orgs["oversight"],
        role=Role.ADMINISTRATOR,
        email="morgan.mopac@example.org",
        full_name="Morgan Mopac",
    )


def join_form(**overrides: Any) -> dict[str, Any]:
    """A complete sign-up: email and mobile given, everything shared, consent given."""
    data: dict[str, Any] = {
        "name": "Robin Example",
        "email": "robin@example.com",
        "phone": "07700 900501",
        "borough": HACKNEY,
        "experiences": ["burglary", "fraud"],
        "contact_preference": "email",
        "share": ["name", "email", "phone", "borough", "experience"],
        "consent": "yes",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def join(client: Client | None = None, query: str = "", **overrides: Any):
    client = client or Client()
    return client.post(f"{JOIN_URL}{query}", join_form(**overrides))


def withdraw_token(message: OutboundMessage) -> str:
    match = WITHDRAW_LINK.search(message.body)
    assert match, "the confirmation holds a withdrawal link"
    return match.group(1)
