"""Reading and checking a survey file, row by row (docs/survey-import.md).

`survey_rows` streams a CSV text file and yields, for each data row, either the
values ready to store or the problems found in it; nothing is kept between rows
except the respondent ids seen so far (to find duplicates within the file).
The messages are constants so tests and documentation quote the same words.
Values from the file never appear in a message: a message names the row and
column and says what is wrong.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TextIO

from victimcare.accounts.models import Area
from victimcare.core.filejobs import Problem

from .constants import DIMENSION_VALUES, NOT_KNOWN, Dimension

COLUMNS = (
    "respondent_id",
    "interview_date",
    "borough",
    "offence_group",
    "contact_type",
    "age_band",
    "ethnicity",
    "disability",
    "needs_recognised",
    "rating",
)
DIMENSION_COLUMNS = (
    Dimension.OFFENCE_GROUP,
    Dimension.CONTACT_TYPE,
    Dimension.AGE_BAND,
    Dimension.ETHNICITY,
    Dimension.DISABILITY,
    Dimension.NEEDS_RECOGNISED,
)
EARLIEST_INTERVIEW = dt.date(2000, 1, 1)
RESPONDENT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
# A single field longer than this is not a survey answer (csv's own guard).
FIELD_LIMIT = 1024

# File-level problems (column "").
FILE_EMPTY = "The file is empty. Use the template: a header row, then one respondent on each row."
NO_DATA_ROWS = "The file has a header row but no respondents. Add one respondent on each row."
NOT_UTF8 = (
    "The file is not UTF-8 text. Save it from your spreadsheet as “CSV UTF-8” and upload it again."
)
NOT_CSV = (
    "This row cannot be read as CSV (check for a stray quote mark). Nothing after it was checked."
)
HEADER_WRONG = "The header row is wrong"
HEADER_MISSING = "missing columns: {names}"
HEADER_UNEXPECTED = "unexpected columns: {names}"
HEADER_REPEATED = "columns named more than once: {names}"
HEADER_ORDER = "the columns must be in this order: {names}"
ROW_LENGTH = "This row has {found} values; it must have {expected}, one for each column"

# Row problems, by column.
RESPONDENT_REQUIRED = "Enter the respondent id"
RESPONDENT_INVALID = (
    "The respondent id must be 1 to 64 letters, digits, hyphens (-) or underscores (_)"
)
RESPONDENT_REPEATED = "The same respondent id is on row {first}: each respondent must appear once"
RESPONDENT_IMPORTED = (
    "A respondent with this id has already been imported for this survey: each respondent "
    "must appear once"
)
DATE_REQUIRED = "Enter the interview date"
DATE_INVALID = (
    "The interview date must be a real date written as YYYY-MM-DD, for example 2026-03-31"
)
DATE_FUTURE = "The interview date must be today or in the past"
DATE_TOO_EARLY = "The interview date must be on or after 1 January 2000"
BOROUGH_UNKNOWN = (
    "There is no borough with this ONS code or name: use a code such as E09000012 or a "
    "borough name such as Hackney, or leave it blank if not known"
)
VALUE_UNKNOWN = "Use one of {codes}, or leave it blank if not known"
RATING_REQUIRED = "Enter the rating"
RATING_INVALID = "The rating must be a whole number from 1 to 5"


@dataclass
class CheckedRow:
    """One data row: `values` ready for a SurveyResponse when `problems` is empty."""

    row: int
    values: dict[str, object] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


class Boroughs:
    """Every borough by ONS code and by name (case-insensitive): one query."""

    def __init__(self) -> None:
        self._by_key: dict[str, int] = {}
        for pk, code, name in Area.objects.values_list("pk", "code", "name"):
            self._by_key[name.casefold()] = pk
            self._by_key[code.casefold()] = pk

    def area_id(self, text: str) -> int | None:
        return self._by_key.get(text.casefold())


def _codes_text(codes: list[str]) -> str:
    return ", ".join(codes[:-1]) + " or " + codes[-1] if len(codes) > 1 else codes[0]


def header_problems(header: list[str]) -> list[Problem]:
    """The one row-1 problem of a header that is not exactly COLUMNS, or none."""
    names = [name.strip().lower() for name in header]
    if names == list(COLUMNS):
        return []
    parts = []
    missing = [c for c in COLUMNS if c not in names]
    unexpected = sorted({n for n in names if n not in COLUMNS})
    repeated = sorted({n for n in names if n in COLUMNS and names.count(n) > 1})
    if missing:
        parts.append(HEADER_MISSING.format(names=", ".join(missing)))
    if unexpected:
        parts.append(HEADER_UNEXPECTED.format(names=", ".join(n or "(blank)" for n in unexpected)))
    if repeated:
        parts.append(HEADER_REPEATED.format(names=", ".join(repeated)))
    if not parts:
        parts.append(HEADER_ORDER.format(names=",".join(COLUMNS)))
    return [Problem(1, "", f"{HEADER_WRONG}: {'; '.join(parts)}.")]


def _date(text: str, today: dt.date) -> tuple[dt.date | None, str | None]:
    if not text:
        return None, DATE_REQUIRED
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return None, DATE_INVALID
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return None, DATE_INVALID
    if day > today:
        return None, DATE_FUTURE
    if day < EARLIEST_INTERVIEW:
        return None, DATE_TOO_EARLY
    return day, None


def check_row(
    number: int,
    cells: list[str],
    *,
    today: dt.date,
    boroughs: Boroughs,
    seen: dict[str, int],
) -> CheckedRow:
    """Check one data row (`number` as a spreadsheet counts it) in every column.
    `seen` maps respondent ids to the row they were first seen on; it is updated."""
    result = CheckedRow(row=number)
    if len(cells) != len(COLUMNS):
        message = ROW_LENGTH.format(found=len(cells), expected=len(COLUMNS))
        result.problems.append(Problem(number, "", message))
        return result
    raw: Mapping[str, str] = dict(zip(COLUMNS, (c.strip() for c in cells), strict=True))

    def problem(column: str, message: str) -> None:
        result.problems.append(Problem(number, column, message))

    respondent = raw["respondent_id"]
    if not respondent:
        problem("respondent_id", RESPONDENT_REQUIRED)
    elif not RESPONDENT_ID.fullmatch(respondent):
        problem("respondent_id", RESPONDENT_INVALID)
    elif respondent in seen:
        problem("respondent_id", RESPONDENT_REPEATED.format(first=seen[respondent]))
    else:
        seen[respondent] = number
    result.values["respondent_id"] = respondent

    day, error = _date(raw["interview_date"], today)
    if error:
        problem("interview_date", error)
    result.values["interviewed_on"] = day

    borough = raw["borough"]
    if not borough or borough.lower() == NOT_KNOWN:
        result.values["area_id"] = None
    else:
        area_id = boroughs.area_id(borough)
        if area_id is None:
            problem("borough", BOROUGH_UNKNOWN)
        result.values["area_id"] = area_id

    for dimension in DIMENSION_COLUMNS:
        text = raw[dimension].lower()
        allowed = DIMENSION_VALUES[dimension]
        if not text or text == NOT_KNOWN:
            result.values[dimension] = NOT_KNOWN
        elif text in allowed:
            result.values[dimension] = text
        else:
            problem(dimension, VALUE_UNKNOWN.format(codes=_codes_text([*allowed, NOT_KNOWN])))

    rating = raw["rating"]
    if not rating:
        problem("rating", RATING_REQUIRED)
    elif rating not in {"1", "2", "3", "4", "5"}:
        problem("rating", RATING_INVALID)
    else:
        result.values["rating"] = int(rating)
    return result


def survey_rows(
    stream: TextIO, *, today: dt.date, boroughs: Boroughs
) -> Iterator[CheckedRow | Problem]:
    """Yield one CheckedRow per data row of `stream` (a text file opened with
    newline=""), or a Problem for the file as a whole (wrong header, empty file,
    unreadable text): after a file-level problem nothing more is yielded.
    Blank lines are counted (a spreadsheet shows them) but not checked."""
    reader = csv.reader(_guarded(stream), strict=True)
    number = 1
    try:
        header = next(reader, None)
        if header is None:
            yield Problem(1, "", FILE_EMPTY)
            return
        problems = header_problems(header)
        if problems:
            yield from problems
            return
        seen: dict[str, int] = {}
        any_rows = False
        for cells in reader:
            number += 1
            if not cells or all(not c.strip() for c in cells):
                continue
            any_rows = True
            yield check_row(number, cells, today=today, boroughs=boroughs, seen=seen)
    except (UnicodeDecodeError, _NotUtf8):
        yield Problem(number + 1, "", NOT_UTF8)
        return
    except (csv.Error, _FieldTooLong):
        yield Problem(number + 1, "", NOT_CSV)
        return
    if not any_rows:
        yield Problem(2, "", NO_DATA_ROWS)


class _FieldTooLong(Exception):
    pass


class _NotUtf8(Exception):
    pass


# Bytes that are not UTF-8, as decoding with errors="surrogateescape" leaves them.
_UNDECODABLE = re.compile("[\udc80-\udcff]")


def _guarded(stream: TextIO) -> Iterator[str]:
    """The file's lines; a line far longer than any row could be (a binary
    file, a missing quote swallowing the rest) stops the reading, and so does
    a line that is not UTF-8 (the stream is opened with errors="surrogateescape"
    so the problem is found on its own line, not a buffer ahead)."""
    limit = FIELD_LIMIT * (len(COLUMNS) + 1)
    for line in stream:
        if len(line) > limit:
            raise _FieldTooLong
        if _UNDECODABLE.search(line):
            raise _NotUtf8
        yield line
