"""Advocate capacity against demand: March and April 2026 in Hackney and Enfield.

Hackney has its own IDVA service (2 advocates × 3 cases = 6) and shares a
two-borough ISVA service (1 × 4 = 4, so 2 each) with Enfield. In March six
high-risk domestic-abuse referrals reach the Hackney IDVAs (a shortfall),
one standard-risk one does not count, and an Enfield rape victim is referred
to the shared ISVAs."""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from victimcare.cases.services import VictimInput
from victimcare.referrals.capacity import (
    CSV_COLUMNS,
    capacity_csv,
    capacity_table,
    capacity_table_for,
)
from victimcare.referrals.constants import ServiceKind

from ..conftest import stepped_up
from .conftest import signed_in
from .test_measures import make_referral, make_service

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
IN_MARCH = dt.datetime(2026, 3, 10, 12, 0, tzinfo=LONDON)
SPRING = {"start": dt.date(2026, 3, 1), "end": dt.date(2026, 4, 30)}


@pytest.fixture
def services(orgs, areas):  # type: ignore[no-untyped-def]
    charity = orgs["charity"]
    return {
        "idva": make_service(
            charity,
            name="Hackney IDVAs",
            kind=ServiceKind.IDVA,
            areas=[areas["central_east"]],
            advocates_in_post=2,
            caseload_each=3,
            waiting_days=12,
        ),
        "isva": make_service(
            charity,
            name="East London ISVAs",
            kind=ServiceKind.ISVA,
            areas=[areas["central_east"], areas["north"]],
            advocates_in_post=1,
            caseload_each=4,
            waiting_days=20,
        ),
        "isva_closed": make_service(
            charity,
            name="Closed ISVAs",
            kind=ServiceKind.ISVA,
            areas=[areas["north"]],
            advocates_in_post=9,
            caseload_each=9,
            active=False,
        ),
        "general": make_service(charity, name="General", areas=[areas["central_east"]]),
    }


def _victim() -> list[VictimInput]:
    return [VictimInput(full_name="Test Victim", phone="07700 900004")]


@pytest.fixture
def march(make_crime, other_officer, services):  # type: ignore[no-untyped-def]
    reported = IN_MARCH - dt.timedelta(days=1)
    with time_machine.travel(reported, tick=False):
        _march(make_crime, other_officer, services, reported)


def _march(make_crime, other_officer, services, reported):  # type: ignore[no-untyped-def]
    for _ in range(6):
        crime = make_crime(domestic_abuse=True, occurred_at=reported, victims=_victim())
        make_referral(crime, services["idva"], risk_level="high")
    standard = make_crime(domestic_abuse=True, occurred_at=reported, victims=_victim())
    make_referral(standard, services["idva"], risk_level="standard")
    # High risk, referred to general support only: eligible for an IDVA, not referred.
    missed = make_crime(domestic_abuse=True, occurred_at=reported, victims=_victim())
    make_referral(missed, services["general"], risk_level="high")
    rape = make_crime(actor=other_officer, offence="rape", occurred_at=reported, victims=_victim())
    make_referral(rape, services["isva"], risk_level="standard")
    # A sexual offence in Enfield with no referral: eligible, not referred.
    make_crime(actor=other_officer, offence="rape", occurred_at=reported, victims=_victim())


def _row(table, month: int, kind: str, borough: str):  # type: ignore[no-untyped-def]
    (row,) = [
        r
        for r in table.rows
        if r.month == dt.date(2026, month, 1) and r.kind == kind and r.area_name == borough
    ]
    return row


def test_demand_against_capacity_by_borough_and_month(march):
    table = capacity_table_for(**SPRING)

    idva = _row(table, 3, ServiceKind.IDVA, "Hackney")
    assert (idva.demand, idva.capacity, idva.shortfall) == (6 - 0, 6.0, False)
    assert (idva.waiting_max, idva.waiting_mean) == (12, 12.0)
    april = _row(table, 4, ServiceKind.IDVA, "Hackney")
    assert (april.demand, april.shortfall) == (0, False)

    # The shared ISVA service counts 2 in each borough; the inactive one nothing.
    enfield = _row(table, 3, ServiceKind.ISVA, "Enfield")
    assert (enfield.demand, enfield.capacity, enfield.shortfall) == (1, 2.0, False)
    hackney_isva = _row(table, 3, ServiceKind.ISVA, "Hackney")
    assert (hackney_isva.demand, hackney_isva.capacity) == (0, 2.0)
    assert not any(r.kind == ServiceKind.IDVA and r.area_name == "Enfield" for r in table.rows)


def test_a_seventh_high_risk_referral_is_a_shortfall(march, make_crime, services):
    crime = make_crime(domestic_abuse=True, victims=_victim())
    make_referral(crime, services["idva"], risk_level="high", at=IN_MARCH)

    table = capacity_table_for(**SPRING)

    row = _row(table, 3, ServiceKind.IDVA, "Hackney")
    assert (row.demand, row.capacity, row.shortfall) == (7, 6.0, True)
    assert table.shortfall_boroughs() == {"Hackney"}
    (summary,) = table.summaries(ServiceKind.IDVA)
    assert (summary.area_name, summary.short_months, summary.demand_mean) == ("Hackney", 1, 3.5)


def test_share_of_eligible_victims_referred(march):
    table = capacity_table_for(**SPRING)

    idva = _row(table, 3, ServiceKind.IDVA, "Hackney")
    # Eligible: the six high-risk and the one referred to general support at high risk.
    assert (idva.referred.part, idva.referred.n) == (6, 7)
    assert idva.referred.text() == "85.7%"
    isva = _row(table, 3, ServiceKind.ISVA, "Enfield")
    assert (isva.referred.part, isva.referred.n) == (1, 2)
    assert isva.referred.text() == "Not enough data"


def test_the_borough_filter(march, areas):
    table = capacity_table_for(**SPRING, area=areas["north"])
    assert {r.area_name for r in table.rows} == {"Enfield"}
    # Still the shared service's even share, not all of it.
    assert _row(table, 3, ServiceKind.ISVA, "Enfield").capacity == 2.0


def test_csv_has_counts_only_and_neutralises_formulas(march, areas):
    areas["north"].name = '=HYPERLINK("http://example.org")'
    areas["north"].save()

    text = capacity_csv(capacity_table_for(**SPRING))

    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0]) == CSV_COLUMNS
    enfield = [r for r in rows if r["borough_code"] == areas["north"].code]
    assert enfield and all(r["borough"].startswith("'=") for r in enfield)
    hackney = [r for r in rows if r["borough"] == "Hackney" and r["service_kind"] == "idva"]
    assert [(r["month"], r["demand"], r["capacity"], r["shortfall"]) for r in hackney] == [
        ("2026-03", "6", "6.0", "no"),
        ("2026-04", "0", "6.0", "no"),
    ]
    assert "Test Victim" not in text and "07700" not in text


def test_only_those_with_the_permission(analyst, supervisor, officer, support_caseworker):
    assert capacity_table(user=analyst, **SPRING).rows == []
    assert capacity_table(user=supervisor, **SPRING).rows == []
    for person in (officer, support_caseworker):
        with pytest.raises(PermissionDenied):
            capacity_table(user=person, **SPRING)


def test_pages_are_404_for_a_caseworker_or_officer(
    officer, support_caseworker, desk_agent, password
):
    for person in (officer, support_caseworker, desk_agent):
        client = signed_in(person)
        for page in ("/referrals/capacity/", "/referrals/capacity.csv", "/referrals/measures/"):
            assert client.get(page).status_code == 404, (person.role, page)


SPRING_QUERY = {
    "start-day": "1",
    "start-month": "3",
    "start-year": "2026",
    "end-day": "30",
    "end-month": "4",
    "end-year": "2026",
}


def test_the_page_shows_the_shortfall_in_a_chart_and_a_table(analyst, march, make_crime, services):
    crime = make_crime(domestic_abuse=True, victims=_victim())
    make_referral(crime, services["idva"], risk_level="high", at=IN_MARCH)
    client = signed_in(analyst)

    page = client.get("/referrals/capacity/", SPRING_QUERY).content.decode()

    assert (
        "Demand outstripped IDVA capacity in at least one month in: <strong>Hackney</strong>"
        in page
    )
    assert '<svg aria-hidden="true"' in page
    assert "IDVA demand and capacity by borough" in page  # the table the chart points at
    assert "Shortfall</strong>" in page
    assert "/referrals/capacity.csv?start-day=1&amp;start-month=3" in page


def test_the_csv_download_keeps_the_filters(analyst, march, areas):
    client = stepped_up(signed_in(analyst))

    response = client.get("/referrals/capacity.csv", {**SPRING_QUERY, "borough": "E09000010"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows and {r["borough"] for r in rows} == {"Enfield"}


def test_bad_filters_are_explained_and_show_no_figures(analyst):
    client = stepped_up(signed_in(analyst))

    response = client.get(
        "/referrals/capacity/",
        {**SPRING_QUERY, "end-day": "28", "end-month": "2", "borough": "nowhere"},
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "The last day of the period must be the same as or after the first day" in page
    assert "Select a borough from the list" in page
    assert "<svg" not in page
    assert client.get("/referrals/capacity.csv", {"end-day": "x"}).status_code == 400


def test_the_page_opens_with_a_default_period_for_a_supervisor(supervisor):
    client = signed_in(supervisor)
    response = client.get("/referrals/capacity/")
    assert response.status_code == 200
    assert "Download the monthly table (CSV)" in response.content.decode()
