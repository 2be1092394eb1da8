"""Hand-made rollup rows for the dashboard tests (no tests here).

Hackney (Central East) and Enfield (North) in the first quarter of 2026
(financial year 2025/26), as in the 2013 report's picture: Hackney's BAME
victims less satisfied than its White victims, Enfield far below target.

- Hackney, January, feedback: 60 Black victims (42 rated 4–5), 100 White (92);
  5 who said they are disabled (2 satisfied), 155 not disabled.
- Hackney, February, survey: 20 White (15).
- Enfield, January, feedback: 50 White (20).
- Borough not known, January, feedback: 10 White (10).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import F

from victimcare.accounts.models import Area, User
from victimcare.insights.constants import ALL_VALUE, Dimension, Measure, Source
from victimcare.insights.figures import Filters
from victimcare.insights.models import SatisfactionMonthly
from victimcare.insights.targets import target_set

JAN, FEB, MAR = dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)
Q1 = Filters(JAN, MAR)


def add(
    month: dt.date,
    area: Area | None,
    counts: tuple[int, int, int, int, int],
    *,
    source: str = Source.FEEDBACK,
    **values: str,
) -> None:
    """Count `counts` (ratings 1–5) once under "all" and once under each of
    `values` (dimension=value), as the rollup refresh would."""
    for dimension, value in [(Dimension.ALL, ALL_VALUE), *values.items()]:
        row, _ = SatisfactionMonthly.objects.get_or_create(
            month=month, source=source, area=area, dimension=dimension, value=value
        )
        SatisfactionMonthly.objects.filter(pk=row.pk).update(
            **{f"r{i + 1}": F(f"r{i + 1}") + c for i, c in enumerate(counts)}
        )


def seed(areas: dict[str, Area]) -> None:
    hackney, enfield = areas["central_east"], areas["north"]
    add(JAN, hackney, (5, 5, 8, 20, 22), ethnicity="black", disability="no")
    add(JAN, hackney, (1, 1, 1, 1, 1), ethnicity="white", disability="yes")
    add(JAN, hackney, (1, 1, 3, 40, 50), ethnicity="white", disability="no")
    add(FEB, hackney, (0, 0, 5, 5, 10), source=Source.SURVEY, ethnicity="white", disability="no")
    add(JAN, enfield, (10, 10, 10, 10, 10), ethnicity="white", disability="no")
    add(JAN, None, (0, 0, 0, 5, 5), ethnicity="white", disability="no")


def targets(analyst: User, areas: dict[str, Area]) -> None:
    """Satisfaction 80% force-wide and 75% in Hackney, for 2025/26."""
    for area, annual in ((None, "80"), (areas["central_east"], "75")):
        target_set(
            actor=analyst,
            measure=Measure.SATISFACTION,
            area=area,
            year=2025,
            annual=Decimal(annual),
            milestones={},
        )
