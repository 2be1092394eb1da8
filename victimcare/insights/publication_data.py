"""What a quarterly publication reads: the quarter, its data snapshot and the
counts, straight from the raw tables (never from the rollups).

- Satisfaction: feedback responses received in the quarter
  (`Response.created_at`, London dates) and survey responses interviewed in it
  (`SurveyResponse.interviewed_on`), each with its borough and its value in
  every dimension as `sources` gives them (blank → not known). Only rows up to
  the snapshot's watermarks (the highest row ids when the quarter was first
  published) are read, so a later run reads exactly the same rows.
- Code compliance: the duties due in the quarter per right, in the categories
  of `duties.compliance`, as they stood when the quarter was first published
  (kept with that run, because duties change state afterwards).

`snapshot_sha256` hashes the canonical content of every row read (source, id,
rating, borough code, dimension values, in id order) and the compliance
counts: the same hash proves the same data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Max, Min

from victimcare.duties.calendar import LONDON
from victimcare.duties.compliance import compliance_figures_for_scope

from .constants import Dimension
from .sources import (
    FEEDBACK_AREA,
    SURVEY_AREA,
    feedback_responses,
    feedback_value,
    survey_responses,
    survey_value,
)

QUARTER_FORMAT = "Enter the quarter as YYYY-QN, for example 2026-Q3"
QUARTER_NOT_ENDED = "{quarter} has not ended: it ends on {end}"
QUARTER_NO_DATA = (
    "There is no data for {quarter}: no feedback or survey responses were received in it"
)

QUARTER_PATTERN = re.compile(r"^(\d{4})-Q([1-4])$")
# The breakdowns published, in the order of the report.
DIMENSIONS: tuple[str, ...] = (
    Dimension.ETHNICITY,
    Dimension.DISABILITY,
    Dimension.NEEDS_RECOGNISED,
    Dimension.AGE_BAND,
    Dimension.OFFENCE_GROUP,
    Dimension.CONTACT_TYPE,
)
COMPLIANCE_COUNTS = ("done_on_time", "done_late", "overdue", "still_open", "not_applicable")
CHUNK = 5000


class PublicationError(ValueError):
    """A publication cannot be made (a bad or unfinished quarter, no data)."""


@dataclass(frozen=True)
class Quarter:
    """A calendar quarter: 2026-Q3 is 1 July to 30 September 2026 (London dates)."""

    year: int
    number: int

    @property
    def label(self) -> str:
        return f"{self.year}-Q{self.number}"

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> dt.date:
        if self.number == 4:
            return dt.date(self.year, 12, 31)
        return dt.date(self.year, 3 * self.number + 1, 1) - dt.timedelta(days=1)

    def first_moment(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time.min, tzinfo=LONDON)

    def after_moment(self) -> dt.datetime:
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=LONDON)

    def previous(self) -> Quarter:
        return (
            Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)
        )

    def describe(self) -> str:
        return f"{long_date(self.start)} to {long_date(self.end)}"


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def quarter_parse(text: str) -> Quarter:
    """The quarter written as YYYY-QN. Raises PublicationError."""
    found = QUARTER_PATTERN.match(str(text).strip())
    if found is None:
        raise PublicationError(QUARTER_FORMAT)
    return Quarter(int(found.group(1)), int(found.group(2)))


def quarter_check_ended(quarter: Quarter, *, today: dt.date) -> None:
    """Raises PublicationError unless the quarter ended before `today`."""
    if quarter.end >= today:
        raise PublicationError(
            QUARTER_NOT_ENDED.format(quarter=quarter.label, end=long_date(quarter.end))
        )


def london_today(now: dt.datetime) -> dt.date:
    return now.astimezone(LONDON).date()


@dataclass(frozen=True)
class Watermarks:
    response: int
    survey: int


def current_watermarks() -> Watermarks:
    """The highest feedback and survey row ids now (0 when there are none)."""
    return Watermarks(
        response=feedback_responses().aggregate(top=Max("pk"))["top"] or 0,
        survey=survey_responses().aggregate(top=Max("pk"))["top"] or 0,
    )


# The values of one row: the borough code ("" when not known) and one value
# per dimension in DIMENSIONS.
RowKey = tuple[str, ...]


@dataclass
class Snapshot:
    """Everything counted for a quarter (unrounded: never published as it is)."""

    quarter: Quarter
    watermarks: Watermarks
    # (rating, borough code, *dimension values) → number of responses.
    ratings: Counter[tuple[Any, ...]] = field(default_factory=Counter)
    feedback_count: int = 0
    survey_count: int = 0
    # right (1-12) → {category: count}
    compliance: dict[int, dict[str, int]] = field(default_factory=dict)
    sha256: str = ""

    @property
    def responses(self) -> int:
        return self.feedback_count + self.survey_count


def _rows(source: str, watermark: int, quarter: Quarter) -> Any:
    names = [str(d) for d in DIMENSIONS]
    if source == "feedback":
        queryset = feedback_responses().filter(
            pk__lte=watermark,
            created_at__gte=quarter.first_moment(),
            created_at__lt=quarter.after_moment(),
        )
        area, value = FEEDBACK_AREA, feedback_value
    else:
        queryset = survey_responses().filter(
            pk__lte=watermark,
            interviewed_on__gte=quarter.start,
            interviewed_on__lte=quarter.end,
        )
        area, value = SURVEY_AREA, survey_value
    annotated = queryset.annotate(
        borough=F(f"{area}__code"), **{f"dim_{name}": value(name) for name in names}
    )
    fields = ["pk", "rating", "borough", *(f"dim_{name}" for name in names)]
    return annotated.order_by("pk").values_list(*fields).iterator(chunk_size=CHUNK)


def snapshot_read(
    *,
    quarter: Quarter,
    watermarks: Watermarks,
    compliance: dict[int, dict[str, int]],
) -> Snapshot:
    """Count the quarter's responses up to `watermarks` and hash them with
    the compliance counts (as kept by the first run)."""
    snapshot = Snapshot(quarter=quarter, watermarks=watermarks, compliance=compliance)
    digest = hashlib.sha256()
    digest.update(f"victimcare publication snapshot\n{quarter.label}\n".encode())
    for source in ("feedback", "survey"):
        watermark = watermarks.response if source == "feedback" else watermarks.survey
        count = 0
        for pk, rating, borough, *values in _rows(source, watermark, quarter):
            row = (int(rating), borough or "", *(str(v) for v in values))
            snapshot.ratings[row] += 1
            digest.update(json.dumps([source, pk, *row]).encode() + b"\n")
            count += 1
        if source == "feedback":
            snapshot.feedback_count = count
        else:
            snapshot.survey_count = count
    canonical = {str(right): counts for right, counts in sorted(compliance.items())}
    digest.update(json.dumps(canonical, sort_keys=True).encode())
    snapshot.sha256 = digest.hexdigest()
    return snapshot


def compliance_counts(*, quarter: Quarter, now: dt.datetime) -> dict[int, dict[str, int]]:
    """The duties due in the quarter per right, in the `duties.compliance`
    categories as they stand at `now`. Counts only; rights with no duty due
    are left out."""
    figures = compliance_figures_for_scope(
        organisation_ids=None, start=quarter.start, end=quarter.end, group_by="right", now=now
    )
    counts: dict[int, dict[str, int]] = {}
    for row in figures.rows:
        if row.due:
            counts[int(row.key)] = {name: int(getattr(row, name)) for name in COMPLIANCE_COUNTS}
    return counts


def compliance_from_json(data: dict[str, Any]) -> dict[int, dict[str, int]]:
    return {int(right): {k: int(v) for k, v in counts.items()} for right, counts in data.items()}


def compliance_to_json(counts: dict[int, dict[str, int]]) -> dict[str, dict[str, int]]:
    return {str(right): dict(values) for right, values in sorted(counts.items())}


MAX_CHOICES = 40  # ten years of quarters


def quarter_of(day: dt.date) -> Quarter:
    return Quarter(day.year, (day.month - 1) // 3 + 1)


def quarters_with_data(*, today: dt.date) -> list[Quarter]:
    """The ended quarters with at least one feedback or survey response, most
    recent first (at most MAX_CHOICES)."""
    earliest = [
        london_today(moment)
        for moment in [feedback_responses().aggregate(first=Min("created_at"))["first"]]
        if moment is not None
    ]
    first_survey = survey_responses().aggregate(first=Min("interviewed_on"))["first"]
    if first_survey is not None:
        earliest.append(first_survey)
    if not earliest:
        return []
    quarters: list[Quarter] = []
    current = quarter_of(today).previous()
    for _ in range(MAX_CHOICES):
        if current.end < min(earliest):
            break
        feedback = feedback_responses().filter(
            created_at__gte=current.first_moment(), created_at__lt=current.after_moment()
        )
        survey = survey_responses().filter(
            interviewed_on__gte=current.start, interviewed_on__lte=current.end
        )
        if feedback.exists() or survey.exists():
            quarters.append(current)
        current = current.previous()
    return quarters
