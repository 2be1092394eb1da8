"""The statistics behind every insights figure: the Wilson interval, the
two-proportion test and the status against a target, checked against values
computed here independently from the textbook formulas."""

from __future__ import annotations

import math

import pytest

from victimcare.insights.constants import MIN_BASE, Rag
from victimcare.insights.stats import Proportion, rag, two_proportion_test

Z = 1.959963984540054


def wilson(successes: int, n: int) -> tuple[float, float]:
    p = successes / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return centre - half, centre + half


def test_the_share_and_its_wilson_interval() -> None:
    p = Proportion(42, 60)
    assert p.share == pytest.approx(0.7)
    lower, upper = p.interval
    expected = wilson(42, 60)
    assert round(lower, 4) == round(expected[0], 4) == 0.5749
    assert round(upper, 4) == round(expected[1], 4) == 0.8010


def test_72_percent_of_1000_against_77_percent_of_1000_is_significant() -> None:
    # The 2013 report's ethnicity gap at a sample of 1,000 each: pooled z-test.
    test = two_proportion_test(Proportion(720, 1000), Proportion(770, 1000))
    assert test is not None
    pooled = 1490 / 2000
    z = (0.72 - 0.77) / math.sqrt(pooled * (1 - pooled) * (2 / 1000))
    assert test.difference == pytest.approx(-0.05)
    assert test.z == pytest.approx(z) == pytest.approx(-2.5651, abs=1e-4)
    assert test.p_value == pytest.approx(0.0103, abs=1e-4)
    assert test.significant


def test_a_small_gap_on_small_samples_is_not_significant() -> None:
    test = two_proportion_test(Proportion(14, 20), Proportion(15, 20))
    assert test is not None and not test.significant


def test_no_test_below_the_minimum_base() -> None:
    assert two_proportion_test(Proportion(3, MIN_BASE - 1), Proportion(50, 100)) is None


@pytest.mark.parametrize(
    ("successes", "base", "target", "status"),
    [
        (60, 100, 0.80, Rag.RED),  # interval about 50–69%: wholly below 80%
        (76, 100, 0.80, Rag.AMBER),  # interval about 67–84%: straddles 80%
        (95, 100, 0.80, Rag.GREEN),  # interval about 89–98%: wholly above
        (5, 9, 0.80, Rag.NOT_ENOUGH),  # fewer than MIN_BASE: no verdict
    ],
)
def test_red_only_when_the_whole_interval_is_below_the_target(
    successes: int, base: int, target: float, status: Rag
) -> None:
    assert rag(Proportion(successes, base), target) == status


def test_no_status_without_a_target() -> None:
    assert rag(Proportion(60, 100), None) is None
