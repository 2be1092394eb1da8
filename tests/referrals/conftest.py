"""Referrals made directly with the models (the sending service is another part's),
and the support organisation's people, so inbox tests read as stories."""

from __future__ import annotations

import html as html_lib
import re
from typing import Any

import pytest
from django.test import Client

from victimcare.accounts.constants import OrganisationKind, Role
from victimcare.accounts.models import User
from victimcare.cases.models import Crime, Victim
from victimcare.cases.services import VictimInput
from victimcare.referrals.constants import (
    ConsentBasis,
    ReferralState,
    RiskLevel,
    ServiceKind,
)
from victimcare.referrals.models import (
    Referral,
    ReferralSnapshot,
    ReferralStatusEvent,
    SupportService,
)
from victimcare.referrals.snapshot import snapshot_build, snapshot_dumps

from ..factories import OrganisationFactory, UserFactory

# Fake personal data only (Ofcom drama numbers, example.org).
REFERRED_NAME = "Amina Example"
REFERRED_PHONE = "07700 900401"
CORRECTED_PHONE = "07700 900402"


def signed_in(user: User) -> Client:
    """A client signed in as `user` (second factor waived as for demo accounts)."""
    User.objects.filter(pk=user.pk).update(otp_exempt=True)
    user.refresh_from_db()
    client = Client()
    client.force_login(user)
    return client


def text(response: Any) -> str:
    """The page's visible text, tags removed and spaces collapsed."""
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html_lib.unescape(body).split())


@pytest.fixture
def other_charity(db):  # type: ignore[no-untyped-def]
    return OrganisationFactory(
        kind=OrganisationKind.SUPPORT_ORGANISATION, name="Another Support Charity", code="support-2"
    )


@pytest.fixture
def other_caseworker(other_charity) -> User:  # type: ignore[no-untyped-def]
    """Otto, a caseworker of a different support organisation."""
    return UserFactory(
        organisation=other_charity,
        role=Role.SUPPORT_CASEWORKER,
        email="otto.other@example.org",
        full_name="Otto Other",
    )


@pytest.fixture
def support_supervisor(orgs) -> User:  # type: ignore[no-untyped-def]
    return UserFactory(
        organisation=orgs["charity"],
        role=Role.SUPERVISOR,
        email="suki.supervisor@example.org",
        full_name="Suki Supervisor",
    )


@pytest.fixture
def make_service(orgs, areas):  # type: ignore[no-untyped-def]
    """A general victim support service of the charity (or `organisation`) covering Hackney."""

    def make(*, organisation: Any = None, name: str = "Example Victim Support Hackney") -> Any:
        service = SupportService.objects.create(
            organisation=organisation or orgs["charity"], name=name, kind=ServiceKind.GENERAL
        )
        service.boroughs.add(areas["central_east"])
        return service

    return make


@pytest.fixture
def make_referral(make_crime, make_service):  # type: ignore[no-untyped-def]
    """A referral as the sending part leaves it: state sent, snapshot version 1."""

    def make(
        *,
        crime: Crime | None = None,
        service: SupportService | None = None,
        phone: str = REFERRED_PHONE,
        state: str = ReferralState.SENT,
    ) -> Referral:
        if crime is None:
            crime = make_crime(victims=[VictimInput(full_name=REFERRED_NAME, phone=phone)])
        victim = Victim.objects.filter(crime_links__crime=crime).order_by("pk").first()
        assert victim is not None
        service = service or make_service()
        text = snapshot_dumps(
            snapshot_build(crime=crime, victim=victim, risk_level=RiskLevel.STANDARD)
        )
        referral = Referral.objects.create(
            crime=crime,
            victim=victim,
            service=service,
            organisation=service.organisation,
            state=state,
            consent_basis=ConsentBasis.AUTOMATIC,
            risk_level=RiskLevel.STANDARD,
            automatic=True,
            snapshot=text,
            within_deadline=True,
        )
        ReferralSnapshot.objects.create(referral=referral, version=1, data=text)
        ReferralStatusEvent.objects.create(referral=referral, to_state=ReferralState.SENT)
        return referral

    return make
