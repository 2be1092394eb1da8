"""The demo refers the victims of its recent crimes to the directory's services
(general support mostly, IDVAs for high-risk domestic abuse, ISVAs for sexual
offences), spreads their states and data problems realistically, and leaves
Hackney, Newham and Croydon with more advocate demand than capacity, which is
what the capacity view shows. A reset removes the referrals."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from victimcare.accounts.models import User
from victimcare.demo.catalogue import demo_catalogue
from victimcare.demo.steps.referral_services import SHORTFALL_BOROUGHS
from victimcare.duties.calendar import LONDON
from victimcare.referrals.capacity import capacity_table_for
from victimcare.referrals.constants import (
    ConsentBasis,
    ProblemState,
    ReferralState,
    RiskLevel,
    ServiceKind,
)
from victimcare.referrals.measures import Filters, referral_measures_for
from victimcare.referrals.models import (
    DataProblem,
    Referral,
    ReferralSnapshot,
    ReferralStatusEvent,
)
from victimcare.referrals.snapshot import snapshot_loads

pytestmark = pytest.mark.django_db
EPOCH = demo_catalogue(name="london").epoch


def demo(*args: str) -> None:
    call_command("demo", *args, stdout=StringIO(), stderr=StringIO())


def test_the_demo_refers_victims_and_shows_the_shortfall_boroughs() -> None:
    demo("--seed", "5", "--crimes", "1500")

    referrals = Referral.objects.select_related("service", "crime__offence")
    assert referrals.count() > 100
    kinds = Counter(referrals.values_list("service__kind", flat=True))
    assert kinds[ServiceKind.GENERAL] and kinds[ServiceKind.IDVA] and kinds[ServiceKind.ISVA]
    assert (
        not referrals.filter(service__kind=ServiceKind.IDVA)
        .exclude(risk_level=RiskLevel.HIGH)
        .exists()
    )
    assert not referrals.filter(consent_basis=ConsentBasis.EXPLICIT, consent__isnull=True).exists()
    states = Counter(referrals.values_list("state", flat=True))
    assert {ReferralState.ACCEPTED, ReferralState.DECLINED, ReferralState.CLOSED} <= set(states)
    assert ReferralStatusEvent.objects.filter(to_state=ReferralState.SENT).count() == len(referrals)
    assert ReferralSnapshot.objects.count() == len(referrals)
    # What was shared reads back through the encrypted field.
    first = referrals.order_by("pk").first()
    assert snapshot_loads(first.snapshot)["crime_reference"] == first.crime.crn

    last = EPOCH.astimezone(LONDON).date()
    start = (last.replace(day=1) - dt.timedelta(days=140)).replace(day=1)
    m = referral_measures_for(filters=Filters(start, last), now=EPOCH)
    assert 0.78 <= m.within_deadline.part / m.within_deadline.n <= 0.92
    assert 0.72 <= m.complete_first_time.part / m.complete_first_time.n <= 0.88
    problems = Counter(DataProblem.objects.values_list("state", flat=True))
    assert problems[ProblemState.FIXED] and problems[ProblemState.OPEN]
    assert m.rectify.enough and m.rectify.value is not None

    table = capacity_table_for(start=start, end=last)
    short = table.shortfall_boroughs()
    assert set(SHORTFALL_BOROUGHS) <= short
    assert short == set(SHORTFALL_BOROUGHS)  # elsewhere demand stays within capacity
    for kind in (ServiceKind.IDVA, ServiceKind.ISVA):
        assert set(SHORTFALL_BOROUGHS) <= table.shortfall_boroughs(kind)

    # The page says so, above the chart and in its table.
    client = Client()
    client.force_login(User.objects.get(email="analyst@example.org"))
    page = client.get(
        "/referrals/capacity/",
        {
            "start-day": start.day,
            "start-month": start.month,
            "start-year": start.year,
            "end-day": last.day,
            "end-month": last.month,
            "end-year": last.year,
        },
    ).content.decode()
    said = page.split("Demand outstripped IDVA capacity in at least one month in: <strong>")[1]
    assert said.split("</strong>")[0] == ", ".join(sorted(SHORTFALL_BOROUGHS))

    demo("--seed", "5", "--crimes", "1500", "--reset")
    # The reset ran (deleting every demo referral) before the same data was made again.
    assert Referral.objects.count() == len(referrals)
