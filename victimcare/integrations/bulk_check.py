"""Reading a bulk upload of journey events (docs/bulk-upload.md): the file's
shape, row by row, before any case is looked at.

`upload_rows` yields one `ParsedRow` per event (with the problems of its own
cells: a missing value, a date without a time zone offset, details that are
not a JSON object, an idempotency key used twice in the file) or a `Problem`
for the file as a whole (wrong header, not UTF-8, not JSON, too many rows),
after which nothing more is yielded. Whether the crime exists, may be seen and
may have the event recorded on it is checked by `bulk.py` through
`cases.services.event_record`, exactly as for one event.

Row numbers are as a spreadsheet shows them (the header is row 1); in JSON
the event's position in "events", counting from 1.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from victimcare.api.constants import IDEMPOTENCY_KEY_MAX_LENGTH
from victimcare.core.filejobs import Problem

from .constants import UploadFormat

COLUMNS = ("crime_reference", "event", "occurred_at", "victim_id", "details", "idempotency_key")
MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 10_000
# A single CSV cell longer than this is not part of an event (csv's own guard).
FIELD_LIMIT = 64 * 1024

# File-level problems (column "").
FILE_EMPTY = "The file is empty. Use the template: a header row, then one event on each row."
FILE_TOO_BIG = "The file must be smaller than 10 MB. Split it into smaller files."
NO_EVENTS = "The file has no events. Add one event on each row."
TOO_MANY_ROWS = "The file has more than 10,000 events. Split it into files of 10,000 or fewer."
NOT_UTF8 = (
    "The file is not UTF-8 text. Save it from your spreadsheet as “CSV UTF-8” and upload it again."
)
NOT_CSV = (
    "This row cannot be read as CSV (check for a stray quote mark). Nothing after it was checked."
)
HEADER_WRONG = "The header row must be exactly: {names}"
ROW_LENGTH = "This row has {found} values; it must have {expected}, one for each column"
NOT_JSON = 'The file is not valid JSON. It must be an object like {"events": [...]}.'
JSON_SHAPE = 'The file must be a JSON object with one field, "events": a list of events.'
JSON_EVENT_NOT_OBJECT = "Each event must be a JSON object with named fields"
JSON_FIELD_UNKNOWN = "{field} is not a field of an event; use {names}"

# Row problems, by column.
CRIME_REQUIRED = "Enter the crime reference number"
EVENT_REQUIRED = "Enter the event code, for example hearing_scheduled"
EVENT_UNKNOWN = (
    "There is no event with this code: use one of the codes in the bulk upload guide, "
    "for example hearing_scheduled"
)
OCCURRED_REQUIRED = "Enter when it happened"
OCCURRED_INVALID = (
    "Enter when it happened as an ISO 8601 date and time with a time zone offset, "
    "for example 2026-03-31T14:30:00+01:00"
)
OCCURRED_NO_OFFSET = (
    "Add a time zone offset to when it happened, for example 2026-03-31T14:30:00+01:00 "
    "(British Summer Time) or 2026-01-31T14:30:00Z"
)
VICTIM_INVALID = "The victim id must be a whole number, or left blank"
DETAILS_NOT_JSON = (
    'The details must be a JSON object, for example {"court": "Example Crown Court"}, or left blank'
)
DETAILS_NOT_OBJECT = 'The details must be a JSON object of named fields, for example {"court": "…"}'
TEXT_NOT_TEXT = "{field} must be text"
KEY_INVALID = (
    f"The idempotency key must be 1 to {IDEMPOTENCY_KEY_MAX_LENGTH} letters, digits or "
    "punctuation marks, without spaces"
)
KEY_REPEATED = "The same idempotency key is on row {first}: each event must have its own key"

_KEY = re.compile(rf"[\x21-\x7e]{{1,{IDEMPOTENCY_KEY_MAX_LENGTH}}}")
_UNDECODABLE = re.compile("[\udc80-\udcff]")


@dataclass
class ParsedRow:
    """One event as read from the file: ready for `event_record` when `problems` is empty."""

    row: int
    crime_reference: str = ""
    code: str = ""
    occurred_at: dt.datetime | None = None
    victim_id: int | None = None
    details: dict[str, Any] | None = None
    idempotency_key: str | None = None
    problems: list[Problem] = field(default_factory=list)

    def problem(self, column: str, message: str) -> None:
        self.problems.append(Problem(self.row, column, message))


def _text(row: ParsedRow, column: str, value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        row.problem(column, TEXT_NOT_TEXT.format(field=column))
        return ""
    return value.strip()


def _occurred(row: ParsedRow, text: str) -> None:
    if not text:
        row.problem("occurred_at", OCCURRED_REQUIRED)
        return
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        row.problem("occurred_at", OCCURRED_INVALID)
        return
    if moment.tzinfo is None or moment.utcoffset() is None:
        # A naive time would be read in London time by event_record: in a file
        # from another system that is a guess, so it is refused.
        row.problem("occurred_at", OCCURRED_NO_OFFSET)
        return
    row.occurred_at = moment


def _victim(row: ParsedRow, value: Any) -> None:
    if value is None or value == "":
        return
    if isinstance(value, bool):
        row.problem("victim_id", VICTIM_INVALID)
    elif isinstance(value, int) and value > 0:
        row.victim_id = value
    elif isinstance(value, str) and value.strip().isdigit() and int(value.strip()) > 0:
        row.victim_id = int(value.strip())
    else:
        row.problem("victim_id", VICTIM_INVALID)


def _key(row: ParsedRow, value: Any, seen: dict[str, int]) -> None:
    key = _text(row, "idempotency_key", value)
    if not key:
        return
    if not _KEY.fullmatch(key):
        row.problem("idempotency_key", KEY_INVALID)
    elif key in seen:
        row.problem("idempotency_key", KEY_REPEATED.format(first=seen[key]))
    else:
        seen[key] = row.row
        row.idempotency_key = key


def check_values(number: int, values: dict[str, Any], seen: dict[str, int]) -> ParsedRow:
    """One event's values (CSV cells as text, or JSON values) checked in every
    column. `seen` maps idempotency keys to the row they were first seen on."""
    row = ParsedRow(row=number)
    row.crime_reference = _text(row, "crime_reference", values.get("crime_reference"))
    if not row.crime_reference and not row.problems:
        row.problem("crime_reference", CRIME_REQUIRED)
    code = _text(row, "event", values.get("event"))
    if not code:
        if not any(p.column == "event" for p in row.problems):
            row.problem("event", EVENT_REQUIRED)
    else:
        row.code = code
    occurred = values.get("occurred_at")
    if occurred is not None and not isinstance(occurred, str):
        row.problem("occurred_at", OCCURRED_INVALID)
    else:
        _occurred(row, (occurred or "").strip())
    _victim(row, values.get("victim_id"))
    details = values.get("details")
    if isinstance(details, str):
        if details.strip():
            try:
                details = json.loads(details)
            except ValueError:
                row.problem("details", DETAILS_NOT_JSON)
                details = None
            else:
                if not isinstance(details, dict):
                    row.problem("details", DETAILS_NOT_OBJECT)
                    details = None
        else:
            details = None
    elif details is not None and not isinstance(details, dict):
        row.problem("details", DETAILS_NOT_OBJECT)
        details = None
    row.details = details
    _key(row, values.get("idempotency_key"), seen)
    return row


# --- CSV ------------------------------------------------------------------------------


class _Unreadable(Exception):
    def __init__(self, message: str) -> None:
        self.message = message


def _guarded(stream: io.TextIOBase) -> Iterator[str]:
    for line in stream:
        if len(line) > FIELD_LIMIT:
            raise _Unreadable(NOT_CSV)
        if _UNDECODABLE.search(line):
            raise _Unreadable(NOT_UTF8)
        yield line


def _csv_reader(content: bytes) -> Iterator[list[str]]:
    stream = io.TextIOWrapper(
        io.BytesIO(content), encoding="utf-8-sig", errors="surrogateescape", newline=""
    )
    return csv.reader(_guarded(stream), strict=True)


def _too_many_csv_rows(content: bytes) -> int | None:
    """The row number of the first event over MAX_ROWS, found before any row
    is checked (so a file too long is refused at once); None if within it or
    unreadable (the checking pass then names the problem)."""
    number = events = 0
    try:
        for cells in _csv_reader(content):
            number += 1
            if number > 1 and cells and any(c.strip() for c in cells):
                events += 1
                if events > MAX_ROWS:
                    return number
    except (UnicodeDecodeError, _Unreadable, csv.Error):
        return None
    return None


def _csv_rows(content: bytes) -> Iterator[ParsedRow | Problem]:
    too_many = _too_many_csv_rows(content)
    if too_many is not None:
        yield Problem(too_many, "", TOO_MANY_ROWS)
        return
    reader = _csv_reader(content)
    number = 1
    try:
        header = next(reader, None)
        if header is None:
            yield Problem(1, "", FILE_EMPTY)
            return
        if [name.strip().lower() for name in header] != list(COLUMNS):
            yield Problem(1, "", HEADER_WRONG.format(names=",".join(COLUMNS)))
            return
        seen: dict[str, int] = {}
        events = 0
        for cells in reader:
            number += 1
            if not cells or all(not c.strip() for c in cells):
                continue  # blank lines are counted (a spreadsheet shows them), not checked
            events += 1
            if len(cells) != len(COLUMNS):
                message = ROW_LENGTH.format(found=len(cells), expected=len(COLUMNS))
                yield ParsedRow(row=number, problems=[Problem(number, "", message)])
                continue
            yield check_values(number, dict(zip(COLUMNS, cells, strict=True)), seen)
    except UnicodeDecodeError:
        yield Problem(number + 1, "", NOT_UTF8)
        return
    except _Unreadable as unreadable:
        yield Problem(number + 1, "", unreadable.message)
        return
    except csv.Error:
        yield Problem(number + 1, "", NOT_CSV)
        return
    if events == 0:
        yield Problem(2, "", NO_EVENTS)


# --- JSON -----------------------------------------------------------------------------


def _json_rows(content: bytes) -> Iterator[ParsedRow | Problem]:
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except UnicodeDecodeError:
        yield Problem(1, "", NOT_UTF8)
        return
    except (ValueError, RecursionError):
        yield Problem(1, "", NOT_JSON)
        return
    if (
        not isinstance(data, dict)
        or set(data) != {"events"}
        or not isinstance(data["events"], list)
    ):
        yield Problem(1, "", JSON_SHAPE)
        return
    events: list[Any] = data["events"]
    if not events:
        yield Problem(1, "", NO_EVENTS)
        return
    if len(events) > MAX_ROWS:
        yield Problem(MAX_ROWS + 1, "", TOO_MANY_ROWS)
        return
    seen: dict[str, int] = {}
    for index, item in enumerate(events, start=1):
        if not isinstance(item, dict):
            yield ParsedRow(row=index, problems=[Problem(index, "", JSON_EVENT_NOT_OBJECT)])
            continue
        row = check_values(index, item, seen)
        for name in sorted(str(k) for k in item if k not in COLUMNS):
            row.problem(name, JSON_FIELD_UNKNOWN.format(field=name, names=", ".join(COLUMNS)))
        yield row


def upload_rows(content: bytes, upload_format: str) -> Iterator[ParsedRow | Problem]:
    """Every event of the file in order, or a file-level Problem that ends it."""
    if len(content) > MAX_BYTES:
        yield Problem(1, "", FILE_TOO_BIG)
        return
    if not content.strip():
        yield Problem(1, "", FILE_EMPTY)
        return
    if upload_format == UploadFormat.JSON:
        yield from _json_rows(content)
    else:
        yield from _csv_rows(content)


def count_rows(content: bytes, upload_format: str) -> int | None:
    """About how many events (for progress): CSV lines after the header, or
    the length of "events"; None when the file cannot be read that far."""
    if upload_format == UploadFormat.JSON:
        try:
            data = json.loads(content.decode("utf-8-sig"))
        except (ValueError, RecursionError):
            return None
        events = data.get("events") if isinstance(data, dict) else None
        return len(events) if isinstance(events, list) else None
    lines = content.count(b"\n") + (0 if content.endswith(b"\n") else 1)
    return max(lines - 1, 0)
