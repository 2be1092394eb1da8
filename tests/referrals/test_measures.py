"""Referral measures from known rows: March 2026, referrals from Hackney (Central
East Response) and Enfield (North Response) to two services of Example Victim
Support. Each figure comes with its base, and a small base says "not enough
data" instead of a percentage."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from victimcare.cases.models import Victim
from victimcare.cases.services import VictimInput
from victimcare.duties.constants import DutyState
from victimcare.duties.models import Duty
from victimcare.referrals.constants import (
    ConsentBasis,
    ProblemKind,
    ProblemState,
    ReferralState,
    ServiceKind,
)
from victimcare.referrals.measures import (
    PERIOD_END_BEFORE_START,
    REFERRAL_RULE,
    Filters,
    referral_measures,
    referral_measures_for,
)
from victimcare.referrals.models import DataProblem, Referral, ReferralStatusEvent, SupportService
from victimcare.referrals.snapshot import snapshot_build, snapshot_dumps

from .conftest import signed_in

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
MARCH = Filters(start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31))
IN_MARCH = dt.datetime(2026, 3, 10, 12, 0, tzinfo=LONDON)


# --- factories ----------------------------------------------------------------------


def make_service(
    organisation, *, name: str = "Example General Support", kind: str = "general", areas=(), **kw
):  # type: ignore[no-untyped-def]
    service = SupportService.objects.create(organisation=organisation, name=name, kind=kind, **kw)
    service.boroughs.set(areas)
    return service


def make_referral(
    crime,
    service,
    *,
    state: str = ReferralState.SENT,
    at: dt.datetime = IN_MARCH,
    history: tuple[str, ...] = (),
    **kw,
):  # type: ignore[no-untyped-def]
    victim = Victim.objects.filter(crime_links__crime=crime).first()
    risk = kw.pop("risk_level", "standard")
    referral = Referral.objects.create(
        crime=crime,
        victim=victim,
        service=service,
        organisation=service.organisation,
        state=state,
        consent_basis=ConsentBasis.AUTOMATIC,
        risk_level=risk,
        snapshot=snapshot_dumps(snapshot_build(crime=crime, victim=victim, risk_level=risk)),
        sent_at=at,
        within_deadline=kw.pop("within_deadline", True),
        **kw,
    )
    previous = ReferralState.SENT
    for step in history:
        ReferralStatusEvent.objects.create(
            referral=referral, from_state=previous, to_state=step, at=at
        )
        previous = step
    return referral


def make_problem(
    referral,
    reporter,
    *,
    kind: str = ProblemKind.WRONG_PHONE,
    reported_at: dt.datetime = IN_MARCH,
    fixed_after: dt.timedelta | None = None,
):  # type: ignore[no-untyped-def]
    fixed = fixed_after is not None
    return DataProblem.objects.create(
        referral=referral,
        kind=kind,
        description="The number does not connect.",
        reported_by=reporter,
        reported_at=reported_at,
        due_at=reported_at + dt.timedelta(days=1),
        state=ProblemState.FIXED if fixed else ProblemState.OPEN,
        fixed_at=reported_at + fixed_after if fixed else None,
    )


@pytest.fixture
def crimes(make_crime, other_officer):  # type: ignore[no-untyped-def]
    """Six Hackney crimes and two Enfield ones, each with one victim."""
    victim = VictimInput(full_name="Test Victim", phone="07700 900003")
    return {
        "hackney": [make_crime(victims=[victim]) for _ in range(6)],
        "enfield": [make_crime(actor=other_officer, victims=[victim]) for _ in range(2)],
    }


# --- the stories --------------------------------------------------------------------


def test_shares_sent_on_time_and_complete_first_time_carry_their_base(crimes, orgs):
    service = make_service(orgs["charity"])
    for i, crime in enumerate(crimes["hackney"]):
        make_referral(crime, service, within_deadline=i < 5, complete_first_time=i < 3)
    # Outside the period: not counted.
    make_referral(crimes["enfield"][0], service, at=IN_MARCH + dt.timedelta(days=30))

    m = referral_measures_for(filters=MARCH)

    assert m.referrals == 6
    assert (m.within_deadline.part, m.within_deadline.n) == (5, 6)
    assert m.within_deadline.text() == "83.3%"
    assert (m.complete_first_time.part, m.complete_first_time.n) == (3, 6)
    assert m.complete_first_time.text() == "50.0%"


def test_a_base_under_five_is_not_enough_data(crimes, orgs, areas):
    service = make_service(orgs["charity"])
    for crime in crimes["enfield"]:
        make_referral(crime, service)
    make_referral(crimes["hackney"][0], service)

    m = referral_measures_for(filters=Filters(**{**MARCH.__dict__, "area": areas["north"]}))

    assert m.referrals == 2 and m.within_deadline.n == 2
    assert m.within_deadline.percent is None
    assert m.within_deadline.text() == "Not enough data"


def test_filters_by_borough_and_team(crimes, orgs, areas):
    service = make_service(orgs["charity"])
    for crime in crimes["hackney"] + crimes["enfield"]:
        make_referral(crime, service)

    by_area = referral_measures_for(filters=Filters(MARCH.start, MARCH.end, area=areas["north"]))
    by_team = referral_measures_for(filters=Filters(MARCH.start, MARCH.end, team=orgs["team"]))

    assert by_area.referrals == 2
    assert by_team.referrals == 6


def test_right_4_duties_done_on_time_out_of_those_decided(crimes):
    hackney = crimes["hackney"]
    duties = Duty.objects.filter(rule__code=REFERRAL_RULE, crime__in=hackney).exclude(
        state=DutyState.REPLACED
    )
    assert duties.count() == 6  # one per crime, made when it was recorded
    ids = sorted(duties.values_list("pk", flat=True))
    due = dt.datetime(2026, 3, 12, 17, 0, tzinfo=LONDON)
    Duty.objects.filter(pk__in=ids).update(due_at=due)
    done = {"state": DutyState.DONE, "completed_at": due}
    Duty.objects.filter(pk__in=ids[:3]).update(on_time=True, **done)
    Duty.objects.filter(pk__in=ids[3:4]).update(on_time=False, **done)
    Duty.objects.filter(pk__in=ids[4:5]).update(
        state=DutyState.NOT_APPLICABLE, closed_reason="The victim declined support."
    )
    # ids[5] is still owed and past its deadline by April: overdue.

    m = referral_measures_for(filters=MARCH, now=dt.datetime(2026, 4, 1, tzinfo=LONDON))

    assert (m.duties_on_time.part, m.duties_on_time.n) == (3, 5)
    assert m.duties_on_time.text() == "60.0%"


def test_data_problems_by_kind_borough_and_team(crimes, orgs, support_caseworker):
    service = make_service(orgs["charity"])
    hackney = [make_referral(c, service) for c in crimes["hackney"][:2]]
    enfield = make_referral(crimes["enfield"][0], service)
    make_problem(hackney[0], support_caseworker, fixed_after=dt.timedelta(hours=3))
    make_problem(hackney[1], support_caseworker)
    make_problem(enfield, support_caseworker, kind=ProblemKind.MISSING_NEEDS)

    m = referral_measures_for(filters=MARCH)

    assert m.problems_total == 3
    assert [(r.label, r.reported, r.still_open) for r in m.problems_by_kind] == [
        ("Wrong or missing phone number", 2, 1),
        ("Needs missing or wrong", 1, 1),
    ]
    assert [(r.label, r.reported) for r in m.problems_by_borough] == [
        ("Hackney", 2),
        ("Enfield", 1),
    ]
    assert [(r.label, r.reported) for r in m.problems_by_team] == [
        ("Central East Response", 2),
        ("North Response", 1),
    ]


@pytest.mark.parametrize(
    ("hours", "median"),
    [
        ((1, 2, 3, 10, 30), 3.0),  # odd: the middle one
        ((1, 2, 4, 6, 10, 30), 5.0),  # even: the mean of the middle two
    ],
)
def test_median_time_to_rectify_is_computed_in_the_database(
    crimes, orgs, support_caseworker, hours, median
):
    service = make_service(orgs["charity"])
    referral = make_referral(crimes["hackney"][0], service)
    # Reported in an order unlike their durations, so only a real median passes.
    for i, h in enumerate(reversed(hours)):
        make_problem(
            referral,
            support_caseworker,
            reported_at=IN_MARCH + dt.timedelta(hours=i),
            fixed_after=dt.timedelta(hours=h),
        )
    make_problem(referral, support_caseworker)  # still open: not in the median

    m = referral_measures_for(filters=MARCH)

    assert m.rectify.n == len(hours)
    assert m.rectify.value == dt.timedelta(hours=median)
    assert m.rectify.text() == f"{median:.1f} hours"


def test_median_with_four_fixed_is_not_enough_data(crimes, orgs, support_caseworker):
    service = make_service(orgs["charity"])
    referral = make_referral(crimes["hackney"][0], service)
    for h in (1, 2, 3, 4):
        make_problem(referral, support_caseworker, fixed_after=dt.timedelta(hours=h))

    m = referral_measures_for(filters=MARCH)

    assert m.rectify.n == 4 and m.rectify.text() == "Not enough data"


def test_acceptance_and_contact_rates_by_service(crimes, orgs):
    general = make_service(orgs["charity"], name="A General Support")
    idva = make_service(orgs["charity"], name="B IDVA Service", kind=ServiceKind.IDVA)
    S = ReferralState
    hackney = crimes["hackney"]
    # General: 6 decided (5 accepted or beyond, 1 declined); 1 still waiting.
    make_referral(hackney[0], general, state=S.ACCEPTED, history=(S.ACCEPTED,))
    make_referral(hackney[1], general, state=S.CONTACT_MADE, history=(S.ACCEPTED, S.CONTACT_MADE))
    make_referral(
        hackney[2],
        general,
        state=S.SUPPORT_STARTED,
        history=(S.ACCEPTED, S.CONTACT_MADE, S.SUPPORT_STARTED),
    )
    make_referral(
        hackney[3],
        general,
        state=S.CLOSED,
        history=(S.ACCEPTED, S.CONTACT_MADE, S.CLOSED),
    )
    make_referral(
        hackney[4], general, state=S.WITHDRAWN, history=(S.ACCEPTED, S.NOT_REACHED, S.WITHDRAWN)
    )
    make_referral(hackney[5], general, state=S.DECLINED, history=(S.DECLINED,))
    make_referral(crimes["enfield"][0], general)  # sent, not decided
    # Withdrawn before any decision: not decided.
    make_referral(crimes["enfield"][1], idva, state=S.WITHDRAWN, history=(S.WITHDRAWN,))

    rows = {r.name: r for r in referral_measures_for(filters=MARCH).services}

    g = rows["A General Support"]
    assert g.sent == 7
    assert (g.acceptance.part, g.acceptance.n) == (5, 6)
    assert (g.contact.part, g.contact.n) == (
        3,
        5,
    )  # contact made, support started, closed after contact
    assert g.acceptance.text() == "83.3%" and g.contact.text() == "60.0%"
    i = rows["B IDVA Service"]
    assert (i.sent, i.acceptance.n, i.contact.n) == (1, 0, 0)
    assert i.acceptance.text() == "Not enough data"
    assert i.kind_label == "Independent domestic violence adviser (IDVA)"


def test_a_period_ending_before_it_starts_is_refused():
    with pytest.raises(ValidationError) as info:
        referral_measures_for(filters=Filters(dt.date(2026, 3, 31), dt.date(2026, 3, 1)))
    assert PERIOD_END_BEFORE_START in info.value.message_dict["end"]


def test_only_those_with_the_permission_get_measures(analyst, officer, support_caseworker):
    assert referral_measures(user=analyst, filters=MARCH).referrals == 0
    for person in (officer, support_caseworker):
        with pytest.raises(PermissionDenied):
            referral_measures(user=person, filters=MARCH)


def test_the_page_shows_each_share_with_its_base(analyst, crimes, orgs, areas):
    service = make_service(orgs["charity"], name="Example Borough Support")
    for i, crime in enumerate(crimes["hackney"]):
        make_referral(crime, service, within_deadline=i < 5)
    client = signed_in(analyst)

    response = client.get(
        "/referrals/measures/",
        {
            "start-day": "1",
            "start-month": "3",
            "start-year": "2026",
            "end-day": "31",
            "end-month": "3",
            "end-year": "2026",
            "borough": areas["central_east"].code,
        },
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "83.3%" in page and "Example Borough Support" in page
    assert "Not enough data" in page  # no Right 4 duties fell due in March


def test_the_page_opens_with_a_default_period_and_refuses_a_bad_team(supervisor):
    client = signed_in(supervisor)
    assert client.get("/referrals/measures/").status_code == 200
    response = client.get("/referrals/measures/", {"team": "no-such-team", "start-day": "1"})
    assert response.status_code == 400
    assert "Select a team from the list" in response.content.decode()
