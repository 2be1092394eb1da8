"""The dashboard pages through HTTP: who may see them, what they show, bad
filters (400 with the error summary, never a 500) and the CSV downloads."""

from __future__ import annotations

import csv
import io

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from victimcare.accounts.constants import Role
from victimcare.insights.forms_dashboards import (
    AREA_INVALID,
    BY_INVALID,
    MONTH_INVALID,
    PERIOD_ORDER,
    PERIOD_TOO_LONG,
    SOURCE_INVALID,
    TABLE_INVALID,
)

from ..conftest import stepped_up
from ..factories import UserFactory
from ..referrals.conftest import signed_in, text
from .test_figures_support import seed, targets

pytestmark = pytest.mark.django_db
Q1 = "start=2026-01&end=2026-03"
PAGES = [
    "/insights/",
    "/insights/satisfaction/",
    "/insights/below-target/",
    "/insights/compliance/",
]


@pytest.fixture(autouse=True)
def in_april_2026():  # type: ignore[no-untyped-def]
    with time_machine.travel("2026-04-15 10:00 +01:00", tick=False):
        yield


@pytest.fixture
def bcu_commander(orgs):  # type: ignore[no-untyped-def]
    return UserFactory(organisation=orgs["bcu"], role=Role.SUPERVISOR, email="cee@example.org")


@pytest.mark.parametrize("path", [*PAGES, "/insights/csv/?table=months"])
def test_people_without_insights_get_not_found(officer, support_caseworker, path) -> None:  # type: ignore[no-untyped-def]
    for person in (officer, support_caseworker):
        assert signed_in(person).get(path).status_code == 404


@pytest.mark.parametrize("path", PAGES)
def test_each_page_shows_with_the_default_period(analyst, areas, path) -> None:  # type: ignore[no-untyped-def]
    seed(areas)
    response = signed_in(analyst).get(path)
    assert response.status_code == 200
    # The last 12 complete months before April 2026.
    assert "April 2025 to March 2026" in text(response)


def test_home_shows_the_headline_with_its_sources_and_interval(analyst, areas) -> None:  # type: ignore[no-untyped-def]
    seed(areas)
    targets(analyst, areas)
    page = text(signed_in(analyst).get(f"/insights/?{Q1}"))
    assert "74.6%" in page  # 179 of 240
    assert "95% interval 68.7% to 79.7%" in page
    assert "240 responses, 220 from the feedback service" in page
    assert "20 from imported surveys" in page
    assert "Enfield 40.0 27.6 53.8 50 50 0 3.00 80.0 -40.0 Below target" in page
    assert "Below target" in page and "Target 80.0%" in page
    assert 'role="img"' in signed_in(analyst).get(f"/insights/?{Q1}").content.decode()


def test_home_sorts_boroughs_by_gap_to_target(analyst, areas) -> None:  # type: ignore[no-untyped-def]
    from victimcare.accounts.models import Area

    from .test_figures_support import JAN, add

    seed(areas)
    targets(analyst, areas)
    barking = Area.objects.create(code="E09000002", name="Barking and Dagenham")
    add(JAN, barking, (0, 0, 0, 10, 10))  # 100%: 20 points above the force's 80%
    client = signed_in(analyst)
    table = "Satisfaction by borough Borough"

    def order(query: str) -> list[str]:
        rows = text(client.get(f"/insights/?{Q1}{query}")).split(table)[1]
        names = ["Barking and Dagenham", "Enfield", "Hackney"]
        return sorted(names, key=rows.index)

    assert order("") == ["Barking and Dagenham", "Enfield", "Hackney"]
    assert order("&sort=gap") == ["Enfield", "Hackney", "Barking and Dagenham"]
    assert "Sorted furthest below target first" in text(client.get(f"/insights/?{Q1}&sort=gap"))
    assert signed_in(analyst).get(f"/insights/?{Q1}&sort=worst").status_code == 400


def test_the_two_clicks_answer(analyst, areas) -> None:  # type: ignore[no-untyped-def]
    seed(areas)
    targets(analyst, areas)
    client = signed_in(analyst)
    home = client.get("/staff/").content.decode()
    assert 'href="/insights/below-target/"' in home  # one click from the menu
    page = text(client.get(f"/insights/below-target/?{Q1}"))
    assert "Furthest below target: Enfield" in page
    assert "40.0 points below (below target, significant)" in page
    groups = page.split("Groups within boroughs below target, furthest below first")[1]
    assert groups.index("Enfield Disability: Not disabled") < groups.index(
        "Hackney Ethnicity: BAME 70.0 57.5 80.1 60 75.0 -5.0 Cannot tell yet"
    )
    assert "1 groups had fewer than 10 responses" in page


def test_the_satisfaction_breakdown_by_ethnicity(analyst, areas) -> None:  # type: ignore[no-untyped-def]
    seed(areas)
    page = text(signed_in(analyst).get(f"/insights/satisfaction/?{Q1}&by=ethnicity"))
    assert "Satisfaction by ethnicity" in page
    assert "Black, Black British, Caribbean or African 70.0" in page
    assert "BAME victims' share satisfied is 6.1 points lower than White victims'" in page
    assert "about one in twenty may look significant by chance" in page


def test_the_compliance_page_groups_by_right_borough_and_team(analyst, areas, orgs) -> None:  # type: ignore[no-untyped-def]
    from victimcare.insights.models import ComplianceMonthly, StatementMonthly

    ComplianceMonthly.objects.create(
        month="2026-02-01", right=4, area=areas["central_east"], organisation=orgs["team"],
        due=20, on_time=12, late=3, overdue=5, still_open=0, not_applicable=0,
    )  # fmt: skip
    StatementMonthly.objects.create(
        month="2026-02-01", area=areas["central_east"], team=orgs["team"],
        made=6, declined=2, not_offered=2, not_recorded=1,
    )  # fmt: skip
    client = signed_in(analyst)
    by_right = text(client.get(f"/insights/compliance/?{Q1}&group=right"))
    assert "Right 4: To be referred to support services 20 12 3 5 0 0 60.0" in by_right
    assert "Hackney 6 2 2 1 80.0" in by_right
    by_team = text(client.get(f"/insights/compliance/?{Q1}&group=team"))
    assert "Central East Response 20 12 3 5" in by_team


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("start=2026-13&end=2026-03", MONTH_INVALID),
        ("start=2026-03&end=2026-01", PERIOD_ORDER),
        ("start=2016-05&end=2026-03", PERIOD_TOO_LONG),
        (f"{Q1}&area=borough:E09999999", AREA_INVALID),
        (f"{Q1}&source=rumour", SOURCE_INVALID),
        (f"{Q1}&start=<script>", MONTH_INVALID),
    ],
)
def test_bad_filters_show_the_error_summary(analyst, areas, query, message) -> None:  # type: ignore[no-untyped-def]
    for path in PAGES:
        response = signed_in(analyst).get(f"{path}?{query}")
        assert response.status_code == 400
        assert "There is a problem" in text(response) and message in text(response)
        assert "<script>" not in response.content.decode().split("</header>")[-1]


def test_a_bad_breakdown_is_refused(analyst) -> None:  # type: ignore[no-untyped-def]
    response = signed_in(analyst).get("/insights/satisfaction/?by=officer")
    assert response.status_code == 400 and BY_INVALID in text(response)


def test_a_bcu_commander_sees_only_their_boroughs(bcu_commander, areas) -> None:  # type: ignore[no-untyped-def]
    seed(areas)
    client = stepped_up(signed_in(bcu_commander))
    page = text(client.get(f"/insights/?{Q1}"))
    assert "All of Central East" in page and "Hackney" in page
    assert "Enfield" not in page and "Borough not known" not in page
    assert "180 responses" in page
    other = client.get(f"/insights/?{Q1}&area=borough:{areas['north'].code}")
    assert other.status_code == 400 and AREA_INVALID in text(other)
    other_csv = client.get(f"/insights/csv/?{Q1}&table=boroughs&area=bcu:bcu-n")
    assert other_csv.status_code == 400
    rows = list(
        csv.reader(io.StringIO(client.get(f"/insights/csv/?{Q1}&table=boroughs").content.decode()))
    )
    assert [r[0] for r in rows[1:]] == ["Hackney"]


def test_every_table_downloads_as_csv(analyst, areas) -> None:  # type: ignore[no-untyped-def]
    seed(areas)
    targets(analyst, areas)
    client = stepped_up(signed_in(analyst))
    response = client.get(f"/insights/csv/?{Q1}&table=boroughs&area=bcu:bcu-ce")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="insights-boroughs-bcu-ce-2026-01-to-2026-03.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == [
        "Borough",
        "Satisfied (rated 4 or 5) %",
        "95% interval from %",
        "95% interval to %",
    ]
    assert rows[1][0] == "Hackney" and rows[1][1] == "82.8" and rows[1][-1] == "Met"
    pages = {
        "": ["headline", "distribution", "months", "quarters", "boroughs", "bcus"],
        "satisfaction/?by=ethnicity": ["breakdown", "bame"],
        "below-target/": ["below-boroughs", "below-groups", "not-enough"],
        "compliance/": ["compliance", "vps"],
    }
    for page, tables in pages.items():
        html = client.get(f"/insights/{page}").content.decode()
        for table in tables:
            assert f"table={table}" in html, (page, table)
            by = "&by=ethnicity" if "by=" in page else ""
            download = client.get(f"/insights/csv/?{Q1}{by}&table={table}")
            assert download.status_code == 200, table
            assert download.content.count(b"\n") >= 1


def test_a_negative_gap_stays_a_number_but_formulas_are_neutralised() -> None:
    from victimcare.insights.figures_tables import Table
    from victimcare.insights.views_dashboards import table_csv

    table = Table("t", "T", ["Borough", "Gap"], [["=HYPERLINK(1)", "-5.0"], ["-1+1", "+3"]])
    assert table_csv(table) == "Borough,Gap\n'=HYPERLINK(1),-5.0\n'-1+1,'+3\n"


def test_an_unknown_table_is_refused(analyst) -> None:  # type: ignore[no-untyped-def]
    response = stepped_up(signed_in(analyst)).get(f"/insights/csv/?{Q1}&table=officers")
    assert response.status_code == 400 and TABLE_INVALID in text(response)


@pytest.mark.parametrize("path", PAGES)
def test_each_page_is_a_handful_of_queries(analyst, areas, path) -> None:  # type: ignore[no-untyped-def]
    seed(areas)
    targets(analyst, areas)
    client = signed_in(analyst)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"{path}?{Q1}").status_code == 200
    # Not counting the session's own (saved on every request by the session middleware).
    ours = [q for q in queries if "django_session" not in q["sql"] and "SAVEPOINT" not in q["sql"]]
    # A fixed number whatever the data: the compliance page reads three rollups
    # and three measures' targets, so it has the most.
    assert len(ours) <= 12
    raw_tables = (
        "feedback_response",
        "insights_surveyresponse",
        "duties_duty",
        "referrals_referral",
    )
    assert not any(table in q["sql"] for q in queries for table in raw_tables)


@pytest.mark.parametrize(
    "query",
    [
        "table=bame&by=age_band",
        "table=breakdown&by=<b>",
        "table=compliance&group=officer",
        "area=bcu:nowhere",
        "start=&end=",
        "start=2026-03&end=2026-03&by=bcu&area=bcu:bcu-ce",
        "sort=gap&source=survey",
        "start=2099-01&end=2099-02",
    ],
)
def test_odd_queries_never_fail_with_a_server_error(analyst, areas, query) -> None:  # type: ignore[no-untyped-def]
    seed(areas)
    client = stepped_up(signed_in(analyst))
    for path in [*PAGES, "/insights/csv/"]:
        assert client.get(f"{path}?{query}").status_code in (200, 400), (path, query)
