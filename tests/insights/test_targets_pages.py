"""Targets pages: the list (everyone with insights), setting and changing a
target (the oversight body only), bad input and who gets 404."""

from __future__ import annotations

import html
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from victimcare.accounts.constants import Role
from victimcare.accounts.models import User
from victimcare.core.constants import AuditAction
from victimcare.core.models import AuditEvent
from victimcare.insights.constants import Measure
from victimcare.insights.forms_targets import FORCE_VALUE
from victimcare.insights.models import Target
from victimcare.insights.targets import (
    ANNUAL_INVALID,
    ANNUAL_PLACES,
    ANNUAL_RANGE,
    AREA_INVALID,
    MILESTONE_PLACES,
    MILESTONE_RANGE,
    YEAR_INVALID,
    target_set,
)
from victimcare.insights.views_targets import TARGET_SET, TARGET_UPDATED

from ..factories import UserFactory

LIST = "/insights/targets/"
NEW = "/insights/targets/new/"


def signed_in(user: User) -> Client:
    """A client signed in as `user` (second factor waived as for demo accounts)."""
    User.objects.filter(pk=user.pk).update(otp_exempt=True)
    user.refresh_from_db()
    client = Client()
    client.force_login(user)
    return client


def text(response: Any) -> str:
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(body))


def _form(**overrides: str) -> dict[str, str]:
    data = {
        "measure": Measure.SATISFACTION,
        "area": FORCE_VALUE,
        "year": "2027",
        "annual": "80",
        "q1": "",
        "q2": "",
        "q3": "",
        "q4": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def force_analyst(orgs) -> User:  # type: ignore[no-untyped-def]
    return UserFactory(organisation=orgs["force"], role=Role.ANALYST)


@pytest.fixture
def borough_commander(orgs) -> User:  # type: ignore[no-untyped-def]
    return UserFactory(organisation=orgs["bcu"], role=Role.SUPERVISOR)


def test_the_urls_are_named() -> None:
    assert reverse("insights:targets") == LIST
    assert reverse("insights:target-new") == NEW
    assert reverse("insights:target-edit", args=[7]) == "/insights/targets/7/edit/"


def test_the_list_groups_a_years_targets_by_measure(analyst, areas) -> None:  # type: ignore[no-untyped-def]
    for area, annual in ((areas["north"], "81"), (None, "78"), (areas["central_east"], "82.5")):
        target_set(
            actor=analyst,
            measure=Measure.SATISFACTION,
            area=area,
            year=2027,
            annual=Decimal(annual),
            milestones={1: Decimal("75")} if area is None else {},
        )
    target_set(
        actor=analyst,
        measure=Measure.COMPLIANCE,
        area=None,
        year=2027,
        annual=Decimal("90"),
        milestones={},
    )
    target_set(
        actor=analyst,
        measure=Measure.COMPLIANCE,
        area=None,
        year=2028,
        annual=Decimal("93.25"),
        milestones={},
    )
    response = signed_in(analyst).get(LIST, {"year": "2027"})
    assert response.status_code == 200
    page = text(response)
    assert "Targets for 2027/28" in page
    satisfaction = page[
        page.index(Measure.SATISFACTION.label) : page.index(Measure.COMPLIANCE.label)
    ]
    # Whole force first, then boroughs A to Z.
    assert (
        satisfaction.index("Whole force")
        < satisfaction.index("Enfield")
        < satisfaction.index("Hackney")
    )
    assert "78% 75% Not set" in satisfaction
    assert "82.5%" in satisfaction
    assert "Ann Analyst" in satisfaction
    assert "90%" in page
    assert "93.25%" not in page  # another year
    body = response.content.decode()
    assert 'href="/insights/targets/new/"' in body
    assert body.count("/edit/") == 4


def test_the_list_defaults_to_the_current_financial_year(analyst, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to("2028-03-31 12:00:00+01:00")
    response = signed_in(analyst).get(LIST)
    assert response.status_code == 200
    assert "Targets for 2027/28" in text(response)
    assert "No targets have been set for 2027/28." in text(response)


def test_a_bad_year_on_the_list_shows_an_error(analyst) -> None:  # type: ignore[no-untyped-def]
    response = signed_in(analyst).get(LIST, {"year": "1999"})
    assert response.status_code == 400
    assert "There is a problem" in text(response)
    assert YEAR_INVALID in text(response)


def test_viewers_who_may_not_set_targets_see_the_list_without_buttons(  # type: ignore[no-untyped-def]
    analyst, borough_commander, force_analyst
) -> None:
    target = target_set(
        actor=analyst,
        measure=Measure.SATISFACTION,
        area=None,
        year=2027,
        annual=Decimal("80"),
        milestones={},
    )
    for person in (borough_commander, force_analyst):
        response = signed_in(person).get(LIST, {"year": "2027"})
        assert response.status_code == 200
        body = response.content.decode()
        assert "80%" in text(response)
        assert NEW not in body
        assert f"/insights/targets/{target.pk}/edit/" not in body


def test_people_without_insights_get_404_on_the_list(officer) -> None:  # type: ignore[no-untyped-def]
    assert signed_in(officer).get(LIST).status_code == 404


def test_setting_pages_are_404_for_everyone_but_the_oversight_body(  # type: ignore[no-untyped-def]
    analyst, officer, force_analyst, borough_commander
) -> None:
    target = target_set(
        actor=analyst,
        measure=Measure.SATISFACTION,
        area=None,
        year=2027,
        annual=Decimal("80"),
        milestones={},
    )
    edit = f"/insights/targets/{target.pk}/edit/"
    for person in (officer, force_analyst, borough_commander):
        client = signed_in(person)
        assert client.get(NEW).status_code == 404
        assert client.post(NEW, _form(annual="10")).status_code == 404
        assert client.get(edit).status_code == 404
        assert client.post(edit, {"annual": "10"}).status_code == 404
    target.refresh_from_db()
    assert target.annual == Decimal("80.00")
    assert Target.objects.count() == 1
    assert signed_in(analyst).get("/insights/targets/999999/edit/").status_code == 404


def test_the_new_target_form(analyst, areas) -> None:  # type: ignore[no-untyped-def]
    response = signed_in(analyst).get(NEW)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'inputmode="decimal"' in body
    assert body.count('class="govuk-input__suffix"') == 5
    for label in Measure.labels:
        assert label in text(response)
    assert "Whole force" in body and "Hackney" in body and "Enfield" in body
    assert "2024/25" in body and "2030/31" in body and "2031/32" not in body


def test_the_oversight_analyst_sets_a_target(analyst, areas) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(analyst)
    hackney = areas["central_east"]
    response = client.post(
        NEW, _form(area=str(hackney.pk), annual=" 80 ", q1="72.5", q3="78%"), follow=True
    )
    assert response.redirect_chain == [(f"{LIST}?year=2027", 302)]
    target = Target.objects.get()
    assert (target.measure, target.area, target.year) == (Measure.SATISFACTION, hackney, 2027)
    assert (target.annual, target.q1, target.q2, target.q3, target.q4) == (
        Decimal("80.00"),
        Decimal("72.50"),
        None,
        Decimal("78.00"),
        None,
    )
    assert TARGET_SET in text(response)
    assert "Hackney" in text(response)
    entry = AuditEvent.objects.get(object_type="insights.target")
    assert entry.action == AuditAction.CREATE
    assert entry.actor_id == analyst.pk


def test_setting_an_existing_target_again_updates_it(analyst) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(analyst)
    client.post(NEW, _form(annual="80"))
    response = client.post(NEW, _form(annual="85"), follow=True)
    assert TARGET_UPDATED in text(response)
    assert Target.objects.get().annual == Decimal("85.00")
    assert AuditEvent.objects.filter(
        object_type="insights.target", action=AuditAction.CHANGE
    ).exists()


def test_changing_a_target(analyst, areas) -> None:  # type: ignore[no-untyped-def]
    target = target_set(
        actor=analyst,
        measure=Measure.COMPLIANCE,
        area=areas["north"],
        year=2028,
        annual=Decimal("82.5"),
        milestones={2: Decimal("80")},
    )
    client = signed_in(analyst)
    edit = f"/insights/targets/{target.pk}/edit/"
    page = client.get(edit)
    assert page.status_code == 200
    assert "Enfield" in text(page) and "2028/29" in text(page)
    body = page.content.decode()
    assert 'value="82.5"' in body and 'value="80"' in body
    response = client.post(edit, {"annual": "90", "q4": "88"}, follow=True)
    assert response.redirect_chain == [(f"{LIST}?year=2028", 302)]
    assert TARGET_UPDATED in text(response)
    target.refresh_from_db()
    assert (target.annual, target.q2, target.q4) == (Decimal("90.00"), None, Decimal("88.00"))
    assert (target.measure, target.area, target.year) == (Measure.COMPLIANCE, areas["north"], 2028)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"annual": ""}, "annual", ANNUAL_INVALID),
        ({"annual": "eighty"}, "annual", ANNUAL_INVALID),
        ({"annual": "101"}, "annual", ANNUAL_RANGE),
        ({"annual": "-5"}, "annual", ANNUAL_RANGE),
        ({"annual": "80.123"}, "annual", ANNUAL_PLACES),
        ({"q2": "120"}, "q2", MILESTONE_RANGE.format(n=2)),
        ({"year": "2031"}, "year", YEAR_INVALID),
        ({"year": "2023"}, "year", YEAR_INVALID),
        ({"area": "999999"}, "area", AREA_INVALID),
        ({"area": ""}, "area", AREA_INVALID),
    ],
)
def test_bad_input_shows_the_error_summary_and_saves_nothing(  # type: ignore[no-untyped-def]
    analyst, areas, overrides, field, message
) -> None:
    response = signed_in(analyst).post(NEW, _form(**overrides))
    assert response.status_code == 400
    page = text(response)
    assert "There is a problem" in page
    assert message in page
    assert f'href="#id_{field}' in response.content.decode()
    assert response.content.decode().count(message) >= 2  # the summary and the field
    assert not Target.objects.exists()
    assert not AuditEvent.objects.filter(object_type="insights.target").exists()


def test_bad_input_on_the_change_page_changes_nothing(analyst) -> None:  # type: ignore[no-untyped-def]
    target = target_set(
        actor=analyst,
        measure=Measure.SATISFACTION,
        area=None,
        year=2027,
        annual=Decimal("80"),
        milestones={},
    )
    response = signed_in(analyst).post(f"/insights/targets/{target.pk}/edit/", {"annual": "80.5.1"})
    assert response.status_code == 400
    assert ANNUAL_INVALID in text(response)
    assert 'value="80.5.1"' in response.content.decode()  # what they typed, shown back
    target.refresh_from_db()
    assert target.annual == Decimal("80.00")


def test_every_problem_is_listed_at_once(analyst) -> None:  # type: ignore[no-untyped-def]
    response = signed_in(analyst).post(NEW, _form(area="", annual="lots", q1="200", q4="1.005"))
    assert response.status_code == 400
    body = response.content.decode()
    for field, message in (
        ("area", AREA_INVALID),
        ("annual", ANNUAL_INVALID),
        ("q1", MILESTONE_RANGE.format(n=1)),
        ("q4", MILESTONE_PLACES.format(n=4)),
    ):
        assert f'<a href="#id_{field}">{message}</a>' in body
    assert not Target.objects.exists()
