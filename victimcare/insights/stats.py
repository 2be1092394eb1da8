"""The statistics behind every insights figure.

- *Share satisfied*: ratings 4–5 over all ratings, with the Wilson score 95%
  interval (`feedback.scores.wilson_interval`, good at 0%, 100% and small n).
- *Gap between groups*: the two-proportion z-test with a pooled proportion
  (two-sided). "Significant" means p < 0.05 for that one comparison; a page
  that shows many comparisons says so, because about one in twenty will pass
  by chance.
- *Against a target*: green when the whole interval is at or above the target,
  red only when the whole interval is below it, amber when it straddles it,
  and "not enough data" below `MIN_BASE` responses, never a false verdict.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from victimcare.feedback.scores import wilson_interval

from .constants import MIN_BASE, Rag

SIGNIFICANCE_LEVEL = 0.05


@dataclass(frozen=True)
class Proportion:
    """`successes` of `base`, with its share and Wilson 95% interval (all 0–1)."""

    successes: int
    base: int

    @property
    def enough(self) -> bool:
        return self.base >= MIN_BASE

    @property
    def share(self) -> float | None:
        return self.successes / self.base if self.base else None

    @property
    def interval(self) -> tuple[float, float]:
        return wilson_interval(self.successes, self.base)


@dataclass(frozen=True)
class GapTest:
    """A group against a comparison group: the difference in shares (group −
    other), the z statistic and the two-sided p-value."""

    difference: float
    z: float
    p_value: float

    @property
    def significant(self) -> bool:
        return self.p_value < SIGNIFICANCE_LEVEL


def two_proportion_test(group: Proportion, other: Proportion) -> GapTest | None:
    """None when either side has fewer than `MIN_BASE` or the pooled share is 0
    or 1 (no variation, nothing to test)."""
    if not (group.enough and other.enough):
        return None
    n1, n2 = group.base, other.base
    p1, p2 = group.successes / n1, other.successes / n2
    pooled = (group.successes + other.successes) / (n1 + n2)
    variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    if variance <= 0:
        return None
    z = (p1 - p2) / math.sqrt(variance)
    p_value = math.erfc(abs(z) / math.sqrt(2))
    return GapTest(difference=p1 - p2, z=z, p_value=p_value)


def rag(proportion: Proportion, target: float | None) -> Rag | None:
    """The status of `proportion` against `target` (a share 0–1); None when
    there is no target."""
    if target is None:
        return None
    if not proportion.enough:
        return Rag.NOT_ENOUGH
    lower, upper = proportion.interval
    if upper < target:
        return Rag.RED
    if lower >= target:
        return Rag.GREEN
    return Rag.AMBER
