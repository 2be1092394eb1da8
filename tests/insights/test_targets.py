"""Targets (issue 9, item 3): setting them, who may, and which value a
dashboard figure is judged against."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from victimcare.accounts.constants import Role
from victimcare.core.constants import AuditAction
from victimcare.core.models import AuditEvent
from victimcare.insights.constants import Measure
from victimcare.insights.models import Target
from victimcare.insights.targets import (
    ANNUAL_INVALID,
    ANNUAL_PLACES,
    ANNUAL_RANGE,
    MEASURE_INVALID,
    MILESTONE_PLACES,
    MILESTONE_RANGE,
    YEAR_INVALID,
    applicable_target,
    financial_quarter_of,
    financial_year_label,
    financial_year_of,
    target_set,
    targets_for_year,
)

from ..factories import UserFactory

SATISFACTION = Measure.SATISFACTION
NO_MILESTONES: dict[int, Decimal | None] = {}


def _set(actor, area=None, year=2027, annual="80", milestones=None, measure=SATISFACTION):  # type: ignore[no-untyped-def]
    return target_set(
        actor=actor,
        measure=measure,
        area=area,
        year=year,
        annual=Decimal(annual) if isinstance(annual, str) else annual,
        milestones=milestones or NO_MILESTONES,
    )


def test_financial_years_run_april_to_march() -> None:
    assert financial_year_of(datetime.date(2027, 5, 1)) == 2027
    assert financial_year_of(datetime.date(2028, 2, 1)) == 2027
    assert financial_year_of(datetime.date(2028, 3, 31)) == 2027
    assert financial_year_of(datetime.date(2028, 4, 1)) == 2028
    assert financial_year_label(2027) == "2027/28"
    assert financial_year_label(2099) == "2099/00"
    quarters = [financial_quarter_of(datetime.date(2027, m, 1)) for m in range(1, 13)]
    assert quarters == [4, 4, 4, 1, 1, 1, 2, 2, 2, 3, 3, 3]


def test_the_oversight_analyst_sets_a_target_and_it_is_audited(analyst, areas) -> None:  # type: ignore[no-untyped-def]
    hackney = areas["central_east"]
    target = target_set(
        actor=analyst,
        measure=SATISFACTION,
        area=hackney,
        year=2027,
        annual=Decimal("80"),
        milestones={1: Decimal("74.5"), 2: None, 3: Decimal("78"), 4: None},
    )
    target.refresh_from_db()
    assert (target.measure, target.area, target.year) == (SATISFACTION, hackney, 2027)
    assert target.annual == Decimal("80.00")
    assert (target.q1, target.q2, target.q3, target.q4) == (
        Decimal("74.50"),
        None,
        Decimal("78.00"),
        None,
    )
    assert target.set_by == analyst
    entry = AuditEvent.objects.get(object_type="insights.target", object_id=str(target.pk))
    assert entry.action == AuditAction.CREATE
    assert entry.actor_id == analyst.pk
    assert entry.detail["before"] is None
    assert entry.detail["after"] == {
        "annual": "80.00",
        "q1": "74.50",
        "q2": None,
        "q3": "78.00",
        "q4": None,
    }
    assert entry.detail["area"] == hackney.pk


def test_setting_the_same_target_again_updates_it(analyst, areas) -> None:  # type: ignore[no-untyped-def]
    first = _set(analyst, area=areas["central_east"], annual="80", milestones={1: Decimal("75")})
    second = _set(analyst, area=areas["central_east"], annual="82.5")
    assert second.pk == first.pk
    assert Target.objects.count() == 1
    second.refresh_from_db()
    assert second.annual == Decimal("82.50")
    assert second.q1 is None  # milestones left out are cleared
    change = AuditEvent.objects.get(object_type="insights.target", action=AuditAction.CHANGE)
    assert change.detail["before"]["annual"] == "80.00"
    assert change.detail["before"]["q1"] == "75.00"
    assert change.detail["after"]["annual"] == "82.50"


def test_force_wide_and_borough_targets_are_separate(analyst, areas) -> None:  # type: ignore[no-untyped-def]
    force = _set(analyst, area=None, annual="78")
    again = _set(analyst, area=None, annual="79")
    hackney = _set(analyst, area=areas["central_east"], annual="80")
    other_year = _set(analyst, area=None, year=2028, annual="81")
    other_measure = _set(analyst, area=None, annual="90", measure=Measure.COMPLIANCE)
    assert again.pk == force.pk
    assert len({force.pk, hackney.pk, other_year.pk, other_measure.pk}) == 4
    found = targets_for_year(measure=SATISFACTION, year=2027)
    assert set(found) == {None, areas["central_east"].pk}
    assert found[None].annual == Decimal("79.00")


@pytest.mark.parametrize(
    ("annual", "message"),
    [
        ("", ANNUAL_INVALID),
        ("eighty", ANNUAL_INVALID),
        ("1e2", ANNUAL_INVALID),
        (None, ANNUAL_INVALID),
        ("100.01", ANNUAL_RANGE),
        ("-1", ANNUAL_RANGE),
        ("80.125", ANNUAL_PLACES),
    ],
)
def test_a_bad_annual_target_is_refused_and_nothing_saved(analyst, annual, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as error:
        target_set(
            actor=analyst, measure=SATISFACTION, area=None, year=2027, annual=annual, milestones={}
        )
    assert error.value.message_dict == {"annual": [message]}
    assert not Target.objects.exists()
    assert not AuditEvent.objects.filter(object_type="insights.target").exists()


def test_bad_milestones_year_and_measure_are_all_reported(analyst) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as error:
        target_set(
            actor=analyst,
            measure="happiness",
            area=None,
            year=2031,
            annual=Decimal("80"),
            milestones={2: Decimal("101"), 4: Decimal("70.001")},
        )
    assert error.value.message_dict == {
        "measure": [MEASURE_INVALID],
        "year": [YEAR_INVALID],
        "q2": [MILESTONE_RANGE.format(n=2)],
        "q4": [MILESTONE_PLACES.format(n=4)],
    }
    assert not Target.objects.exists()


def test_the_edges_of_the_ranges_are_allowed(analyst) -> None:  # type: ignore[no-untyped-def]
    low = _set(analyst, year=2024, annual="0", milestones={1: Decimal("0.01")})
    high = _set(analyst, year=2030, annual="100")
    assert (low.annual, low.q1, high.annual) == (
        Decimal("0.00"),
        Decimal("0.01"),
        Decimal("100.00"),
    )


def test_an_oversight_administrator_may_set_targets(orgs) -> None:  # type: ignore[no-untyped-def]
    admin = UserFactory(organisation=orgs["oversight"], role=Role.ADMINISTRATOR)
    assert _set(admin).set_by == admin


@pytest.mark.parametrize(
    ("org", "role"),
    [
        ("team", Role.OFFICER),
        ("force", Role.ANALYST),  # a force analyst, not the oversight body
        ("bcu", Role.SUPERVISOR),  # a borough commander
        ("force", Role.ADMINISTRATOR),
    ],
)
def test_only_the_oversight_body_may_set_targets(orgs, org, role) -> None:  # type: ignore[no-untyped-def]
    person = UserFactory(organisation=orgs[org], role=role)
    with pytest.raises(PermissionDenied):
        _set(person)
    assert not Target.objects.exists()


def test_a_deactivated_oversight_analyst_may_not_set_targets(analyst) -> None:  # type: ignore[no-untyped-def]
    analyst.is_active = False
    analyst.save()
    with pytest.raises(PermissionDenied):
        _set(analyst)


# --- Which target applies --------------------------------------------------------------


def test_no_target_applies_when_none_is_set(areas) -> None:  # type: ignore[no-untyped-def]
    assert applicable_target(
        measure=SATISFACTION, area_id=areas["central_east"].pk, end_month=datetime.date(2027, 6, 1)
    ) == (None, None)


def test_a_borough_target_beats_the_force_wide_one(analyst, areas) -> None:  # type: ignore[no-untyped-def]
    force = _set(analyst, area=None, annual="75")
    hackney = _set(analyst, area=areas["central_east"], annual="80")
    june = datetime.date(2027, 6, 1)
    assert applicable_target(
        measure=SATISFACTION, area_id=areas["central_east"].pk, end_month=june
    ) == (hackney, pytest.approx(0.80))
    # Enfield has none of its own: the force-wide target applies.
    assert applicable_target(measure=SATISFACTION, area_id=areas["north"].pk, end_month=june) == (
        force,
        pytest.approx(0.75),
    )
    assert applicable_target(measure=SATISFACTION, area_id=None, end_month=june) == (
        force,
        pytest.approx(0.75),
    )
    # Another measure has no target at all.
    assert applicable_target(measure=Measure.COMPLIANCE, area_id=None, end_month=june) == (
        None,
        None,
    )


def test_a_force_figure_ignores_borough_targets(analyst, areas) -> None:  # type: ignore[no-untyped-def]
    _set(analyst, area=areas["central_east"], annual="80")
    assert applicable_target(
        measure=SATISFACTION, area_id=None, end_month=datetime.date(2027, 6, 1)
    ) == (None, None)


def test_the_quarters_milestone_applies_else_the_annual_target(analyst) -> None:  # type: ignore[no-untyped-def]
    target = _set(
        analyst, annual="80", milestones={1: Decimal("72"), 3: Decimal("77.5"), 4: Decimal("79")}
    )

    def share(year: int, month: int) -> float | None:
        found, value = applicable_target(
            measure=SATISFACTION, area_id=None, end_month=datetime.date(year, month, 1)
        )
        assert found == target
        return value

    assert share(2027, 4) == pytest.approx(0.72)  # Q1: April–June
    assert share(2027, 6) == pytest.approx(0.72)
    assert share(2027, 7) == pytest.approx(0.80)  # Q2 has no milestone: the annual target
    assert share(2027, 9) == pytest.approx(0.80)
    assert share(2027, 12) == pytest.approx(0.775)  # Q3
    assert share(2028, 1) == pytest.approx(0.79)  # Q4: January–March of the next year
    assert share(2028, 3) == pytest.approx(0.79)


def test_the_financial_year_boundary_is_31_march_to_1_april(analyst) -> None:  # type: ignore[no-untyped-def]
    this_year = _set(analyst, year=2027, annual="80")
    next_year = _set(analyst, year=2028, annual="85", milestones={1: Decimal("81")})
    assert applicable_target(
        measure=SATISFACTION, area_id=None, end_month=datetime.date(2028, 3, 31)
    ) == (this_year, pytest.approx(0.80))
    assert applicable_target(
        measure=SATISFACTION, area_id=None, end_month=datetime.date(2028, 4, 1)
    ) == (next_year, pytest.approx(0.81))
    # The year before has no target.
    assert applicable_target(
        measure=SATISFACTION, area_id=None, end_month=datetime.date(2027, 3, 31)
    ) == (None, None)
