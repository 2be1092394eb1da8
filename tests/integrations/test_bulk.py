"""Bulk upload of journey events: the East London Witness Care Unit uploads a
day's court results for crimes shared with it. Every file is checked whole;
a file with any problem records nothing and lists each problem by row and
column; a good file records every event in one go, with its duties; the same
file again records nothing new."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest
from django.utils import timezone

from victimcare.accounts.models import User
from victimcare.cases import messages as case_messages
from victimcare.cases.models import Crime, JourneyEvent
from victimcare.cases.services import NeedsInput, VictimInput, case_share
from victimcare.core.models import AuditEvent
from victimcare.duties.models import Duty
from victimcare.integrations import bulk, bulk_check
from victimcare.integrations.bulk import CRIME_UNKNOWN, bulk_upload_create, bulk_upload_run
from victimcare.integrations.constants import UploadFormat, UploadState
from victimcare.integrations.jobs_uploads import integrations_bulk_uploads_sweep
from victimcare.integrations.models import BulkUpload

pytestmark = pytest.mark.django_db
COLUMNS = bulk_check.COLUMNS


def hearing_row(crime: Crime, **changes: Any) -> dict[str, Any]:
    """A hearing date for `crime`, as the court list gives it."""
    row: dict[str, Any] = {
        "crime_reference": crime.crn,
        "event": "hearing_scheduled",
        "occurred_at": (timezone.now() - dt.timedelta(hours=3)).isoformat(),
        "victim_id": "",
        "details": json.dumps(
            {
                "hearing_at": (timezone.now() + dt.timedelta(days=21)).isoformat(),
                "court": "Example Magistrates' Court",
            }
        ),
        "idempotency_key": "",
    }
    row.update(changes)
    return row


def csv_bytes(rows: list[dict[str, Any]], header: tuple[str, ...] = COLUMNS) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(name, "") for name in header])
    return out.getvalue().encode("utf-8")


def json_bytes(rows: list[dict[str, Any]]) -> bytes:
    events = []
    for row in rows:
        event = {k: v for k, v in row.items() if v != ""}
        if isinstance(event.get("details"), str):
            event["details"] = json.loads(event["details"])
        events.append(event)
    return json.dumps({"events": events}).encode("utf-8")


def run(actor: User, content: bytes, upload_format: str = UploadFormat.CSV) -> BulkUpload:
    upload = bulk_upload_create(
        actor=actor,
        filename="court-list.csv",
        content=content,
        upload_format=upload_format,
        enqueue=False,
    )
    return bulk_upload_run(upload_id=upload.pk)


def shared_crime(make_crime: Any, officer: User, orgs: dict[str, Any]) -> Crime:
    """An assault with one victim, recorded by PC Olivia Officer, shared with the WCU."""
    crime = make_crime(
        victims=[
            VictimInput(
                full_name="Alex Example",
                phone="07700 900123",
                safe_to_text=False,
                needs=NeedsInput(),
            )
        ]
    )
    case_share(actor=officer, crime=crime, organisation=orgs["wcu"])
    return crime


@pytest.fixture
def crimes(make_crime, officer, orgs) -> list[Crime]:  # type: ignore[no-untyped-def]
    return [shared_crime(make_crime, officer, orgs) for _ in range(3)]


def problems(upload: BulkUpload) -> list[tuple[int, str, str]]:
    return [(p["row"], p["column"], p["message"]) for p in upload.errors]


def assert_rejected_and_nothing_recorded(upload: BulkUpload, before: int) -> None:
    assert upload.state == UploadState.REJECTED
    assert upload.rows_applied == 0
    assert JourneyEvent.objects.count() == before
    assert upload.content == b""  # the file is not kept once checked


# --- Bad input -------------------------------------------------------------------------


def test_a_wrong_header_is_one_problem_on_row_1(crimes, witness_care_officer) -> None:
    before = JourneyEvent.objects.count()
    header = ("crime", "event", "occurred_at", "victim_id", "details", "idempotency_key")
    upload = run(witness_care_officer, csv_bytes([hearing_row(crimes[0])], header=header))
    assert problems(upload) == [(1, "", bulk_check.HEADER_WRONG.format(names=",".join(COLUMNS)))]
    assert_rejected_and_nothing_recorded(upload, before)


def test_an_unknown_crime_and_a_crime_not_shared_get_the_same_problem(
    crimes, make_crime, witness_care_officer
) -> None:
    not_shared = make_crime()  # PC Olivia Officer's, never shared with the WCU
    before = JourneyEvent.objects.count()
    rows = [
        hearing_row(crimes[0]),
        hearing_row(crimes[0], crime_reference="9999999/26"),
        hearing_row(not_shared),
    ]
    upload = run(witness_care_officer, csv_bytes(rows))
    assert problems(upload) == [
        (3, "crime_reference", CRIME_UNKNOWN),
        (4, "crime_reference", CRIME_UNKNOWN),
    ]
    assert_rejected_and_nothing_recorded(upload, before)
    assert upload.rows_checked == 3


def test_a_crime_of_another_bcu_is_unknown_to_an_officer(
    make_crime, other_officer, officer
) -> None:
    theirs = make_crime(actor=officer)
    before = JourneyEvent.objects.count()
    row = {
        "crime_reference": theirs.crn,
        "event": "suspect_arrested",
        "occurred_at": (timezone.now() - dt.timedelta(hours=1)).isoformat(),
    }
    upload = run(other_officer, csv_bytes([row]))
    assert problems(upload) == [(2, "crime_reference", CRIME_UNKNOWN)]
    assert_rejected_and_nothing_recorded(upload, before)


def test_an_unknown_event_code_and_one_the_organisation_does_not_record(
    crimes, witness_care_officer
) -> None:
    before = JourneyEvent.objects.count()
    rows = [
        hearing_row(crimes[0], event="hearing_happened", details=""),
        hearing_row(crimes[1], event="suspect_arrested", details=""),
    ]
    upload = run(witness_care_officer, csv_bytes(rows))
    assert problems(upload) == [
        (2, "event", bulk_check.EVENT_UNKNOWN),
        (3, "event", case_messages.EVENT_CODE_NOT_ALLOWED),
    ]
    assert_rejected_and_nothing_recorded(upload, before)


def test_dates_without_an_offset_or_in_the_future_are_refused(crimes, witness_care_officer) -> None:
    before = JourneyEvent.objects.count()
    rows = [
        hearing_row(crimes[0], occurred_at="2026-01-05T10:00:00"),
        hearing_row(crimes[1], occurred_at=(timezone.now() + dt.timedelta(days=2)).isoformat()),
        hearing_row(crimes[2], occurred_at="yesterday"),
    ]
    upload = run(witness_care_officer, csv_bytes(rows))
    assert problems(upload) == [
        (2, "occurred_at", bulk_check.OCCURRED_NO_OFFSET),
        (3, "occurred_at", case_messages.EVENT_IN_FUTURE),
        (4, "occurred_at", bulk_check.OCCURRED_INVALID),
    ]
    assert_rejected_and_nothing_recorded(upload, before)


def test_bad_details_are_listed_by_row(crimes, witness_care_officer) -> None:
    before = JourneyEvent.objects.count()
    rows = [
        hearing_row(crimes[0], details="{court: Example}"),
        hearing_row(crimes[1], details='["a list"]'),
        hearing_row(crimes[2], details='{"court": "Example Crown Court"}'),
    ]
    upload = run(witness_care_officer, csv_bytes(rows))
    assert problems(upload) == [
        (2, "details", bulk_check.DETAILS_NOT_JSON),
        (3, "details", bulk_check.DETAILS_NOT_OBJECT),
        (4, "details", case_messages.HEARING_DATE_REQUIRED),
    ]
    assert_rejected_and_nothing_recorded(upload, before)


def test_an_idempotency_key_twice_in_the_file_names_the_first_row(
    crimes, witness_care_officer
) -> None:
    before = JourneyEvent.objects.count()
    rows = [
        hearing_row(crimes[0], idempotency_key="court-list-0001"),
        hearing_row(crimes[1], idempotency_key="court-list-0002"),
        hearing_row(crimes[2], idempotency_key="court-list-0001"),
    ]
    upload = run(witness_care_officer, csv_bytes(rows))
    assert problems(upload) == [
        (4, "idempotency_key", bulk_check.KEY_REPEATED.format(first=2)),
    ]
    assert_rejected_and_nothing_recorded(upload, before)


def test_a_victim_not_on_the_crime_is_refused(crimes, witness_care_officer) -> None:
    before = JourneyEvent.objects.count()
    other_victim = crimes[1].victim_links.get().victim_id
    upload = run(witness_care_officer, csv_bytes([hearing_row(crimes[0], victim_id=other_victim)]))
    assert problems(upload) == [(2, "victim_id", case_messages.VICTIM_NOT_ON_CRIME)]
    assert_rejected_and_nothing_recorded(upload, before)


def test_a_file_over_the_limits_is_refused_whole(crimes, witness_care_officer) -> None:
    before = JourneyEvent.objects.count()
    big = csv_bytes([hearing_row(crimes[0])]) + b" " * bulk_check.MAX_BYTES
    upload = run(witness_care_officer, big)
    assert problems(upload) == [(1, "", bulk_check.FILE_TOO_BIG)]
    assert_rejected_and_nothing_recorded(upload, before)

    many = csv_bytes([hearing_row(crimes[0])] * (bulk_check.MAX_ROWS + 1))
    upload = run(witness_care_officer, many)
    assert problems(upload) == [(bulk_check.MAX_ROWS + 2, "", bulk_check.TOO_MANY_ROWS)]
    assert_rejected_and_nothing_recorded(upload, before)


def test_one_bad_row_among_good_ones_records_nothing(crimes, witness_care_officer) -> None:
    before_events = JourneyEvent.objects.count()
    before_duties = Duty.objects.count()
    rows = [hearing_row(crimes[0]), hearing_row(crimes[1]), hearing_row(crimes[2], details="")]
    upload = run(witness_care_officer, csv_bytes(rows))
    assert [p[:2] for p in problems(upload)] == [(4, "details"), (4, "details")]
    assert_rejected_and_nothing_recorded(upload, before_events)
    assert Duty.objects.count() == before_duties  # the dry run left no duty behind


def test_a_json_file_with_problems_counts_rows_from_1(crimes, witness_care_officer) -> None:
    before = JourneyEvent.objects.count()
    content = json.dumps(
        {"events": [{"crime_reference": crimes[0].crn}, "not an event", {"colour": "blue"}]}
    ).encode()
    upload = run(witness_care_officer, content, UploadFormat.JSON)
    found = problems(upload)
    assert (1, "event", bulk_check.EVENT_REQUIRED) in found
    assert (1, "occurred_at", bulk_check.OCCURRED_REQUIRED) in found
    assert (2, "", bulk_check.JSON_EVENT_NOT_OBJECT) in found
    assert (3, "crime_reference", bulk_check.CRIME_REQUIRED) in found
    assert (
        3,
        "colour",
        bulk_check.JSON_FIELD_UNKNOWN.format(field="colour", names=", ".join(COLUMNS)),
    ) in found
    assert_rejected_and_nothing_recorded(upload, before)

    upload = run(witness_care_officer, b'{"events": [', UploadFormat.JSON)
    assert problems(upload) == [(1, "", bulk_check.NOT_JSON)]


# --- A good file ---------------------------------------------------------------------------


def test_a_good_file_records_every_event_with_its_duties_in_one_go(
    crimes, witness_care_officer
) -> None:
    before_events = JourneyEvent.objects.count()
    rows = [
        hearing_row(
            crime, idempotency_key=f"court-list-{n}", victim_id=crime.victim_links.get().victim_id
        )
        for n, crime in enumerate(crimes)
    ]
    upload = run(witness_care_officer, csv_bytes(rows))

    assert upload.state == UploadState.APPLIED, upload.errors
    assert upload.rows_applied == 3
    assert upload.errors == []
    recorded = JourneyEvent.objects.filter(
        code="hearing_scheduled", recorded_by=witness_care_officer
    )
    assert recorded.count() == 3
    assert JourneyEvent.objects.count() == before_events + 3
    assert {e.crime_id for e in recorded} == {c.pk for c in crimes}
    event = recorded.get(crime=crimes[0])
    assert event.details["court"] == "Example Magistrates' Court"
    assert event.idempotency_key == "court-list-0"
    assert event.recording_organisation == witness_care_officer.organisation
    # VCOP Right 8: each hearing date starts the WCU's duty to tell the victim.
    for e in recorded:
        assert Duty.objects.filter(event=e).exists()
    # The upload is audited with counts only, each event by event_record.
    outcome = AuditEvent.objects.filter(object_type=bulk.OBJECT_TYPE, object_id=str(upload.pk))
    assert [a.detail for a in outcome.order_by("seq")][-1] == {
        "state": "applied",
        "rows_applied": 3,
        "problems": 0,
    }
    assert "court-list" not in json.dumps([a.detail for a in outcome])
    assert AuditEvent.objects.filter(object_type="cases.crime", detail__event_id=event.pk).exists()


def test_the_same_file_again_records_nothing_new(crimes, witness_care_officer) -> None:
    rows = [hearing_row(c, idempotency_key=f"court-list-{n}") for n, c in enumerate(crimes)]
    content = csv_bytes(rows)
    first = run(witness_care_officer, content)
    after_first = JourneyEvent.objects.count()
    duties_after_first = Duty.objects.count()

    again = run(witness_care_officer, content)

    assert first.state == again.state == UploadState.APPLIED
    assert first.rows_applied == 3
    assert again.rows_applied == 0
    assert JourneyEvent.objects.count() == after_first
    assert Duty.objects.count() == duties_after_first


def test_a_key_used_before_for_a_different_event_is_a_problem(crimes, witness_care_officer) -> None:
    run(witness_care_officer, csv_bytes([hearing_row(crimes[0], idempotency_key="k-1")]))
    before = JourneyEvent.objects.count()
    changed = hearing_row(crimes[0], idempotency_key="k-1", event="warrant_issued", details="")
    upload = run(witness_care_officer, csv_bytes([changed]))
    assert problems(upload) == [(2, "idempotency_key", bulk.KEY_CHANGED)]
    assert_rejected_and_nothing_recorded(upload, before)


def test_a_json_file_is_recorded_like_a_csv_file(crimes, witness_care_officer) -> None:
    upload = run(
        witness_care_officer, json_bytes([hearing_row(c) for c in crimes]), UploadFormat.JSON
    )
    assert upload.state == UploadState.APPLIED, upload.errors
    assert upload.rows_applied == 3


# --- The worker ----------------------------------------------------------------------------


def test_progress_is_committed_every_200_rows_while_checking(
    crimes, witness_care_officer, monkeypatch
) -> None:
    seen: list[tuple[int, int | None]] = []
    rows = [hearing_row(crimes[n % 3], details="") for n in range(450)]
    upload = bulk_upload_create(
        actor=witness_care_officer,
        filename="big.csv",
        content=csv_bytes(rows),
        upload_format=UploadFormat.CSV,
        enqueue=False,
    )
    done = bulk_upload_run(upload_id=upload.pk, progress=lambda n, total: seen.append((n, total)))
    assert seen == [(200, 450), (400, 450), (450, 450)]
    assert done.state == UploadState.REJECTED
    assert done.error_count == 900  # hearing date and court, on every row
    assert done.rows_checked == 450


def test_running_an_upload_twice_does_nothing_the_second_time(crimes, witness_care_officer) -> None:
    done = run(witness_care_officer, csv_bytes([hearing_row(crimes[0])]))
    count = JourneyEvent.objects.count()
    again = bulk_upload_run(upload_id=done.pk)
    assert again.state == UploadState.APPLIED
    assert JourneyEvent.objects.count() == count


def test_a_crash_leaves_it_rejected_with_a_clear_message(
    crimes, witness_care_officer, monkeypatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(bulk, "upload_rows", broken)
    before = JourneyEvent.objects.count()
    upload = run(witness_care_officer, csv_bytes([hearing_row(crimes[0])]))
    assert problems(upload) == [(1, "", bulk.UPLOAD_FAILED)]
    assert_rejected_and_nothing_recorded(upload, before)


def test_the_sweep_rejects_an_upload_its_worker_left_checking(crimes, witness_care_officer) -> None:
    upload = bulk_upload_create(
        actor=witness_care_officer,
        filename="x.csv",
        content=csv_bytes([hearing_row(crimes[0])]),
        upload_format=UploadFormat.CSV,
        enqueue=False,
    )
    started = timezone.now() - dt.timedelta(hours=2)
    BulkUpload.objects.filter(pk=upload.pk).update(state=UploadState.CHECKING, started_at=started)
    fresh = bulk_upload_create(
        actor=witness_care_officer,
        filename="y.csv",
        content=b"x",
        upload_format=UploadFormat.CSV,
        enqueue=False,
    )
    BulkUpload.objects.filter(pk=fresh.pk).update(
        state=UploadState.CHECKING, started_at=timezone.now()
    )

    assert integrations_bulk_uploads_sweep() == 1

    upload.refresh_from_db()
    fresh.refresh_from_db()
    assert upload.state == UploadState.REJECTED
    assert problems(upload) == [(1, "", bulk.UPLOAD_FAILED)]
    assert fresh.state == UploadState.CHECKING
