"""A recorded visit to a victim, the contact a feedback invitation is for."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from victimcare.accounts.models import User
from victimcare.cases.constants import EventCode
from victimcare.cases.models import Crime, JourneyEvent
from victimcare.cases.services import VictimInput, event_record


@pytest.fixture
def crime(make_crime) -> Crime:  # type: ignore[no-untyped-def]
    return make_crime(victims=[VictimInput(full_name="Test Victim", phone="07700 900001")])


@pytest.fixture
def visit(crime: Crime, officer: User) -> JourneyEvent:
    """PC Olivia Officer visits the victim an hour ago."""
    victim = crime.victim_links.get().victim
    event, _ = event_record(
        actor=officer,
        crime=crime,
        code=EventCode.CONTACT_VISIT,
        occurred_at=timezone.now() - dt.timedelta(hours=1),
        victim=victim,
    )
    return event


def signed_in(user: User) -> Client:
    """A client signed in as `user` (second factor waived as for demo accounts)."""
    User.objects.filter(pk=user.pk).update(otp_exempt=True)
    user.refresh_from_db()
    client = Client()
    client.force_login(user)
    return client
