"""A case the desk is rung about: an assault victim with strict safe-contact rules."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re

import pytest
from django.test import Client

from victimcare.accounts.models import User
from victimcare.cases.services import VictimInput

# Fake personal data only (Ofcom drama numbers, example.org).
VICTIM_NAME = "Test Victim"
VICTIM_PHONE = "07700 900123"
VICTIM_EMAIL = "test.victim@example.org"
VICTIM_DOB = dt.date(1980, 3, 31)
CODE_WORD = "bluebell"


def signed_in(user: User) -> Client:
    """A client signed in as `user` (second factor waived as for demo accounts)."""
    User.objects.filter(pk=user.pk).update(otp_exempt=True)
    user.refresh_from_db()
    client = Client()
    client.force_login(user)
    return client


def text(response) -> str:  # type: ignore[no-untyped-def]
    """The page's visible text, tags removed and spaces collapsed."""
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html_lib.unescape(body).split())


@pytest.fixture
def crime(make_crime):  # type: ignore[no-untyped-def]
    """A common assault reported yesterday (its report creates duties), one victim who
    must not get voicemail and may only be called between 10:00 and 14:00."""
    return make_crime(
        victims=[
            VictimInput(
                full_name=VICTIM_NAME,
                date_of_birth=VICTIM_DOB,
                phone=VICTIM_PHONE,
                email=VICTIM_EMAIL,
                voicemail_allowed=False,
                safe_for_letters=False,
                safe_from=dt.time(10, 0),
                safe_until=dt.time(14, 0),
                code_word=CODE_WORD,
                interpreter_needed=True,
                language="pl",
            )
        ]
    )


@pytest.fixture
def victim(crime):  # type: ignore[no-untyped-def]
    return crime.victim_links.get().victim


@pytest.fixture
def desk(desk_agent) -> Client:  # type: ignore[no-untyped-def]
    return signed_in(desk_agent)
