"""Code compliance and Victim Personal Statement figures from the rollups:
on-time and offered rates with their intervals, targets, and scope."""

from __future__ import annotations

from decimal import Decimal

import pytest

from victimcare.accounts.constants import Role
from victimcare.insights.constants import Measure, Rag
from victimcare.insights.figures_compliance import compliance_figures
from victimcare.insights.models import ComplianceMonthly, StatementMonthly
from victimcare.insights.targets import target_set

from ..factories import UserFactory
from .test_figures import wilson
from .test_figures_support import FEB, JAN, Q1

pytestmark = pytest.mark.django_db


@pytest.fixture
def duties(orgs, areas):  # type: ignore[no-untyped-def]
    """Hackney: Right 4 (12 on time, 3 late, 5 overdue, 2 open, 1 n/a) and
    Right 6 (40 on time of 40); Enfield: Right 4 (2 on time, 18 late)."""
    hackney, enfield = areas["central_east"], areas["north"]
    rows = [
        (JAN, 4, hackney, orgs["team"], (23, 12, 3, 5, 2, 1)),
        (FEB, 6, hackney, orgs["specialist_team"], (40, 40, 0, 0, 0, 0)),
        (JAN, 4, enfield, orgs["other_team"], (20, 2, 18, 0, 0, 0)),
    ]
    for month, right, area, org, c in rows:
        ComplianceMonthly.objects.create(
            month=month, right=right, area=area, organisation=org,
            due=c[0], on_time=c[1], late=c[2], overdue=c[3], still_open=c[4], not_applicable=c[5],
        )  # fmt: skip
    StatementMonthly.objects.create(
        month=JAN,
        area=hackney,
        team=orgs["team"],
        made=6,
        declined=2,
        not_offered=2,
        not_recorded=1,
    )
    StatementMonthly.objects.create(
        month=JAN, area=enfield, team=orgs["other_team"], made=1, declined=0, not_offered=9
    )


def test_on_time_rate_by_right_with_interval(analyst, duties) -> None:  # type: ignore[no-untyped-def]
    c = compliance_figures(user=analyst, filters=Q1, group="right")
    assert [(r.key, r.due, r.on_time, r.late, r.overdue) for r in c.rows] == [
        ("4", 43, 14, 21, 5),
        ("6", 40, 40, 0, 0),
    ]
    right_4 = c.rows[0].on_time_rate
    assert (right_4.successes, right_4.base) == (14, 40)  # open and n/a left out
    assert right_4.interval == pytest.approx(wilson(14, 40))
    assert c.rows[0].label == "Right 4: To be referred to support services"
    assert (c.total.due, c.total.on_time) == (83, 54)


def test_compliance_and_vps_against_their_targets_by_borough(analyst, duties, areas) -> None:  # type: ignore[no-untyped-def]
    for measure, annual in ((Measure.COMPLIANCE, "90"), (Measure.VPS_OFFERED, "85")):
        target_set(
            actor=analyst, measure=measure, area=None, year=2025,
            annual=Decimal(annual), milestones={},
        )  # fmt: skip
    c = compliance_figures(user=analyst, filters=Q1, group="borough")
    assert [(r.label, r.on_time_rate.successes, r.on_time_rate.base, r.rag) for r in c.rows] == [
        ("Enfield", 2, 20, Rag.RED),  # 10%: wholly below 90%
        ("Hackney", 52, 60, Rag.AMBER),  # 86.7%, interval about 76–93%
    ]
    assert [(v.label, v.offered_rate.successes, v.offered_rate.base, v.rag) for v in c.vps] == [
        ("Enfield", 1, 10, Rag.RED),
        ("Hackney", 8, 10, Rag.AMBER),
    ]
    assert c.vps[1].made_rate.share == pytest.approx(0.6)


def test_a_bcu_commander_sees_only_their_boroughs_duties(orgs, duties) -> None:  # type: ignore[no-untyped-def]
    commander = UserFactory(organisation=orgs["bcu"], role=Role.SUPERVISOR, email="c@example.org")
    c = compliance_figures(user=commander, filters=Q1, group="team")
    assert sorted(r.label for r in c.rows) == ["Central East Response", "Central East Safeguarding"]
    assert [v.label for v in c.vps] == ["Hackney"]


def test_referrals_within_two_working_days_against_their_target(analyst, areas) -> None:  # type: ignore[no-untyped-def]
    from victimcare.insights.models import ReferralMonthly

    hackney, enfield = areas["central_east"], areas["north"]
    ReferralMonthly.objects.create(
        month=JAN, area=hackney, sent=40, within_deadline=39, complete_first_time=30
    )
    ReferralMonthly.objects.create(
        month=FEB, area=hackney, sent=20, within_deadline=20, complete_first_time=20
    )
    ReferralMonthly.objects.create(
        month=JAN, area=enfield, sent=30, within_deadline=12, complete_first_time=29
    )
    target_set(
        actor=analyst, measure=Measure.REFERRAL_TIMELY, area=None, year=2025,
        annual=Decimal("90"), milestones={},
    )  # fmt: skip
    c = compliance_figures(user=analyst, filters=Q1, group="right")
    assert [
        (r.label, r.sent, r.timely.successes, r.complete.successes, r.rag) for r in c.referrals
    ] == [
        ("Enfield", 30, 12, 29, Rag.RED),  # 40%: wholly below 90%
        ("Hackney", 60, 59, 50, Rag.GREEN),  # 98.3%, interval about 91–100%
    ]
    assert c.referrals[1].timely.interval == pytest.approx(wilson(59, 60))
    assert (c.referrals_total.sent, c.referrals_total.within_deadline) == (90, 71)
