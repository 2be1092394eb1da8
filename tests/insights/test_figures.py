"""Satisfaction figures from the rollups: exact numbers from hand-made rollup
rows (see test_figures_support), and the issue's story from raw feedback."""

from __future__ import annotations

import datetime as dt
import math
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from victimcare.accounts.constants import Role
from victimcare.insights.constants import Dimension, Rag, Source
from victimcare.insights.figures import Filters, satisfaction_overview
from victimcare.insights.figures_breakdowns import below_target, satisfaction_breakdown
from victimcare.insights.rollups import rollups_refresh
from victimcare.insights.stats import Proportion

from ..factories import UserFactory
from .test_figures_support import FEB, JAN, Q1, seed, targets

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
Z = 1.959963984540054


def wilson(successes: int, n: int) -> tuple[float, float]:
    """The Wilson score interval, written out here independently of the code."""
    p = successes / n
    denominator = 1 + Z * Z / n
    centre = (p + Z * Z / (2 * n)) / denominator
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / denominator
    return centre - half, centre + half


def pooled_p(s1: int, n1: int, s2: int, n2: int) -> float:
    pooled = (s1 + s2) / (n1 + n2)
    z = (s1 / n1 - s2 / n2) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return math.erfc(abs(z) / math.sqrt(2))


@pytest.fixture
def bcu_commander(orgs):  # type: ignore[no-untyped-def]
    """The Central East BCU's commander (a supervisor at the BCU): Hackney only."""
    return UserFactory(organisation=orgs["bcu"], role=Role.SUPERVISOR, email="cee@example.org")


def test_the_headline_trend_and_boroughs_add_up(analyst, areas) -> None:  # type: ignore[no-untyped-def]
    seed(areas)
    o = satisfaction_overview(user=analyst, filters=Q1)
    h = o.headline
    assert (h.ratings.n, h.ratings.satisfied, h.n_feedback, h.n_survey) == (240, 179, 220, 20)
    assert h.ratings.counts == (17, 17, 27, 81, 98)
    assert h.ratings.mean == pytest.approx((17 + 34 + 81 + 324 + 490) / 240)
    assert h.proportion.interval == pytest.approx(wilson(179, 240))
    assert [(f.label, f.ratings.n) for f in o.months] == [
        ("January 2026", 220),
        ("February 2026", 20),
        ("March 2026", 0),
    ]
    assert [(f.key, f.label, f.ratings.n) for f in o.quarters] == [
        ("2026-Q1", "January to March 2026", 240)
    ]
    assert [(f.label, f.ratings.n, f.ratings.satisfied) for f in o.boroughs] == [
        ("Enfield", 50, 20),
        ("Hackney", 180, 149),
        ("Borough not known", 10, 10),
    ]
    assert [(f.label, f.ratings.n) for f in o.bcus] == [
        ("Central East", 180),
        ("North", 50),
        ("No BCU", 10),
    ]


def test_a_partial_quarter_says_so(analyst, areas) -> None:  # type: ignore[no-untyped-def]
    seed(areas)
    o = satisfaction_overview(user=analyst, filters=Filters(FEB, dt.date(2026, 4, 1)))
    assert [f.label for f in o.quarters] == [
        "January to March 2026 (2 of 3 months in the period)",
        "April to June 2026 (1 of 3 months in the period)",
    ]


def test_the_source_filter_keeps_one_source(analyst, areas) -> None:  # type: ignore[no-untyped-def]
    seed(areas)
    o = satisfaction_overview(user=analyst, filters=Filters(JAN, FEB, source=Source.SURVEY))
    assert (o.headline.ratings.n, o.headline.n_feedback, o.headline.n_survey) == (20, 0, 20)


def test_ethnicity_breakdown_with_gaps_and_bame_against_white(analyst, areas) -> None:  # type: ignore[no-untyped-def]
    seed(areas)
    b = satisfaction_breakdown(user=analyst, filters=Q1, by=Dimension.ETHNICITY)
    assert [(g.key, g.ratings.n, g.ratings.satisfied) for g in b.groups] == [
        ("black", 60, 42),
        ("white", 180, 137),
    ]
    black = b.groups[0]
    assert black.gap_test is not None
    assert black.gap_test.difference == pytest.approx(42 / 60 - 137 / 180)
    assert black.gap_test.p_value == pytest.approx(pooled_p(42, 60, 137, 180))
    assert b.bame is not None and (b.bame.ratings.n, b.bame.ratings.satisfied) == (60, 42)
    assert b.bame_test is not None
    assert b.bame_test.p_value == pytest.approx(pooled_p(42, 60, 137, 180))
    assert b.whole.ratings.n == 240


def test_breakdown_by_borough_and_by_bcu(analyst, areas) -> None:  # type: ignore[no-untyped-def]
    seed(areas)
    by_borough = satisfaction_breakdown(user=analyst, filters=Q1, by="borough")
    enfield = by_borough.groups[0]
    assert (enfield.label, enfield.ratings.n) == ("Enfield", 50)
    assert enfield.gap_test is not None
    assert enfield.gap_test.p_value == pytest.approx(pooled_p(20, 50, 159, 190))
    by_bcu = satisfaction_breakdown(user=analyst, filters=Q1, by="bcu")
    assert [g.label for g in by_bcu.groups] == ["Central East", "North", "No BCU"]


def test_a_bcu_commander_sees_only_their_boroughs(bcu_commander, areas) -> None:  # type: ignore[no-untyped-def]
    seed(areas)
    o = satisfaction_overview(user=bcu_commander, filters=Q1)
    assert [f.label for f in o.boroughs] == ["Hackney"]
    assert o.headline.ratings.n == 180
    # Even a filter naming Enfield yields nothing of Enfield's.
    enfield_only = Filters(JAN, FEB, area_ids=frozenset({areas["north"].pk}))
    assert satisfaction_overview(user=bcu_commander, filters=enfield_only).headline.ratings.n == 0
    b = satisfaction_breakdown(user=bcu_commander, filters=Q1, by=Dimension.ETHNICITY)
    assert b.whole.ratings.n == 180


def test_furthest_below_target_ranks_boroughs_and_groups(analyst, areas) -> None:  # type: ignore[no-untyped-def]
    seed(areas)
    targets(analyst, areas)
    result = below_target(user=analyst, filters=Q1)
    assert [(f.label, f.target, f.rag) for f in result.boroughs] == [
        ("Enfield", 0.80, Rag.RED),  # 40%, interval about 28–54%: wholly below
        ("Hackney", 0.75, Rag.GREEN),  # 82.8%, interval about 76–88%: wholly above
    ]
    assert result.boroughs[0].gap_to_target == pytest.approx(-40.0)
    cells = [(c.borough, c.figure.label, round(c.figure.gap_to_target, 1)) for c in result.cells]
    assert cells == [
        ("Enfield", "Not disabled", -40.0),
        ("Enfield", "White", -40.0),
        ("Hackney", "BAME", -5.0),
    ]
    bame = result.cells[2]
    # 70% of 60 against a 75% target: the interval reaches 75%, so not red.
    assert bame.figure.rag == Rag.AMBER
    assert bame.rest_test is not None
    assert bame.rest_test.p_value == pytest.approx(pooled_p(42, 60, 107, 120))
    # Enfield's White victims are all its victims: no rest to compare with.
    assert result.cells[1].rest_test is None
    # Hackney's 5 disabled victims: not enough data, not ranked.
    assert [(c.borough, c.figure.label, c.figure.ratings.n) for c in result.not_enough] == [
        ("Hackney", "Disabled", 5)
    ]
    assert result.not_enough[0].figure.rag == Rag.NOT_ENOUGH


def test_no_targets_means_nothing_is_below_target(analyst, areas) -> None:  # type: ignore[no-untyped-def]
    seed(areas)
    result = below_target(user=analyst, filters=Q1)
    assert not result.any_target and result.cells == []
    assert all(f.rag is None for f in result.boroughs)


def test_each_figure_is_a_few_queries(analyst, areas) -> None:  # type: ignore[no-untyped-def]
    seed(areas)
    targets(analyst, areas)
    for compute in (
        lambda: satisfaction_overview(user=analyst, filters=Q1),
        lambda: satisfaction_breakdown(user=analyst, filters=Q1, by=Dimension.AGE_BAND),
        lambda: below_target(user=analyst, filters=Q1),
    ):
        with CaptureQueriesContext(connection) as queries:
            compute()
        assert len(queries) <= 4
        assert not any("feedback_response" in q["sql"] for q in queries)


def test_hackney_bame_figure_from_raw_feedback_has_the_right_interval(
    make_crime, officer, analyst, areas
) -> None:  # type: ignore[no-untyped-def]
    """The issue's story: 60 BAME victims in Hackney, 42 of them satisfied, and
    40 White victims (36 satisfied), rated through the feedback service."""
    from .test_rollups import rate

    when = dt.datetime(2026, 9, 15, 12, 0, tzinfo=LONDON)
    crime = make_crime(area="central_east")
    groups = ["black"] * 25 + ["asian"] * 20 + ["mixed"] * 10 + ["other"] * 5
    for i, ethnicity in enumerate(groups):
        rate(officer, rating=5 if i % 10 < 7 else 2, when=when, crime=crime, ethnicity=ethnicity)
    for i in range(40):
        rate(officer, rating=4 if i < 36 else 1, when=when, crime=crime, ethnicity="white")
    rollups_refresh(full=True, now=dt.datetime(2026, 11, 20, 12, 0, tzinfo=LONDON))

    september = dt.date(2026, 9, 1)
    hackney = Filters(september, september, area_ids=frozenset({areas["central_east"].pk}))
    b = satisfaction_breakdown(user=analyst, filters=hackney, by=Dimension.ETHNICITY)
    assert b.bame is not None
    share = b.bame.proportion
    assert (share.successes, share.base) == (42, 60)
    lower, upper = share.interval
    expected = wilson(42, 60)
    assert (round(lower, 4), round(upper, 4)) == (round(expected[0], 4), round(expected[1], 4))
    assert (round(lower, 4), round(upper, 4)) == (0.5749, 0.8010)
    assert b.bame_test is not None
    assert b.bame_test.p_value == pytest.approx(pooled_p(42, 60, 36, 40))
    assert Proportion(36, 40) == b.white.proportion  # type: ignore[union-attr]
