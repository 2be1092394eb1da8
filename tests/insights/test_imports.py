"""Survey imports (issue 9, "Evidence base" and "Bad input"): a file is checked
whole, every problem listed by row and column, and imported in one go or not
at all. Through the services, as the worker task and the command call them."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from victimcare.core.models import AuditEvent
from victimcare.insights import imports_check as check
from victimcare.insights.constants import NOT_KNOWN, Source, SurveyImportState
from victimcare.insights.imports import (
    ERRORS_KEPT,
    IMPORT_FAILED,
    RESPONDENTS_CLASH,
    survey_import_create,
    survey_import_run,
)
from victimcare.insights.models import SatisfactionMonthly, SurveyImport, SurveyResponse

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=LONDON)
DATA = Path(__file__).parent / "data"
HEADER = ",".join(check.COLUMNS)


def csv_file(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def row(
    respondent: str = "R-1",
    date: str = "2026-03-02",
    borough: str = "E09000012",
    rating: str = "4",
    **dims: str,
) -> str:
    values = {
        "offence_group": "burglary",
        "contact_type": "visit",
        "age_band": "25_34",
        "ethnicity": "black",
        "disability": "no",
        "needs_recognised": "yes",
        **dims,
    }
    return ",".join([respondent, date, borough, *values.values(), rating])


def run(content: bytes, actor=None, survey: str = "uss", **kwargs) -> SurveyImport:  # type: ignore[no-untyped-def]
    created = survey_import_create(
        survey=survey, filename="results.csv", content=content, actor=actor, enqueue=False
    )
    return survey_import_run(import_id=created.pk, now=NOW, **kwargs)


def problems(done: SurveyImport) -> list[tuple[int, str, str]]:
    return [(e["row"], e["column"], e["message"]) for e in done.errors]


def assert_nothing_imported(done: SurveyImport) -> None:
    assert done.state == SurveyImportState.REJECTED
    assert done.rows_imported == 0
    assert not SurveyResponse.objects.filter(survey_import=done).exists()
    assert bytes(done.content) == b""
    assert done.finished_at is not None


# --- The bad input the issue lists ---------------------------------------------------


def test_a_wrong_header_is_one_problem_on_row_1_naming_the_columns(areas, analyst) -> None:
    header = HEADER.replace("rating", "score").replace("borough,", "")
    done = run(csv_file(row(rating="9"), header=header), actor=analyst)
    assert problems(done) == [
        (
            1,
            "",
            "The header row is wrong: missing columns: borough, rating; unexpected columns: score.",
        )
    ]
    assert done.error_count == 1  # nothing else was checked
    assert_nothing_imported(done)


def test_a_rating_of_7_is_rejected_with_its_row_and_column(areas, analyst) -> None:
    done = run(csv_file(row("R-1"), row("R-2", rating="7")), actor=analyst)
    assert problems(done) == [(3, "rating", check.RATING_INVALID)]
    assert_nothing_imported(done)


def test_a_date_in_the_future_is_rejected(areas, analyst) -> None:
    tomorrow = (NOW.date() + dt.timedelta(days=1)).isoformat()
    done = run(csv_file(row("R-1", date=NOW.date().isoformat()), row("R-2", date=tomorrow)))
    assert problems(done) == [(3, "interview_date", check.DATE_FUTURE)]
    assert_nothing_imported(done)


def test_an_unknown_borough_is_rejected(areas, analyst) -> None:
    done = run(csv_file(row("R-1", borough="E09999999"), row("R-2", borough="Hackney")))
    assert problems(done) == [(2, "borough", check.BOROUGH_UNKNOWN)]
    assert_nothing_imported(done)


def test_a_respondent_twice_in_one_file_is_rejected_naming_the_first_row(areas) -> None:
    done = run(csv_file(row("R-1"), row("R-2"), row("R-1")))
    assert problems(done) == [
        (4, "respondent_id", check.RESPONDENT_REPEATED.format(first=2)),
    ]
    assert_nothing_imported(done)


def test_a_respondent_imported_before_for_the_same_survey_is_rejected(areas) -> None:
    first = run(csv_file(row("R-1"), row("R-2")))
    assert first.state == SurveyImportState.IMPORTED
    again = run(csv_file(row("R-3"), row("R-2", rating="5")))
    assert problems(again) == [(3, "respondent_id", check.RESPONDENT_IMPORTED)]
    assert_nothing_imported(again)
    assert SurveyResponse.objects.count() == 2
    # Another survey may use the same ids: they are the survey's own.
    other = run(csv_file(row("R-2")), survey="force-survey")
    assert other.state == SurveyImportState.IMPORTED


def test_a_file_with_several_problems_lists_every_one_by_row(areas) -> None:
    done = run((DATA / "survey_mixed_problems.csv").read_bytes())
    ethnicity_codes = "asian, black, mixed, white, other, not_said or not_known"
    offence_codes = (
        "homicide, violence_with_injury, violence_without_injury, stalking_harassment, "
        "sexual_offences, robbery, burglary, vehicle_offences, theft, criminal_damage, "
        "fraud, public_order, other or not_known"
    )
    assert problems(done) == [
        (3, "rating", check.RATING_INVALID),
        (4, "interview_date", check.DATE_FUTURE),
        (5, "borough", check.BOROUGH_UNKNOWN),
        (6, "respondent_id", check.RESPONDENT_REPEATED.format(first=2)),
        (7, "interview_date", check.DATE_INVALID),
        (7, "offence_group", check.VALUE_UNKNOWN.format(codes=offence_codes)),
        (7, "ethnicity", check.VALUE_UNKNOWN.format(codes=ethnicity_codes)),
        (7, "rating", check.RATING_REQUIRED),
    ]
    assert done.error_count == 8
    assert done.rows_checked == 6
    assert_nothing_imported(done)


def test_an_empty_file_and_a_header_alone_are_clear_problems(areas) -> None:
    assert problems(run(b"")) == [(1, "", check.FILE_EMPTY)]
    assert problems(run(csv_file())) == [(2, "", check.NO_DATA_ROWS)]


def test_a_file_that_is_not_utf8_or_not_csv_is_rejected_at_the_row_it_breaks(areas) -> None:
    latin1 = csv_file(row("R-1")) + "R-2,2026-03-02,Sutton – Café".encode("cp1252")
    assert problems(run(latin1)) == [(3, "", check.NOT_UTF8)]
    broken = csv_file(row("R-1"), 'R-2,"2026-03-02"x,E09000012')
    assert problems(run(broken, survey="other")) == [(3, "", check.NOT_CSV)]


def test_a_short_row_and_bad_respondent_ids_are_listed(areas) -> None:
    done = run(csv_file("R-1,2026-03-02,E09000012", row(""), row("no spaces allowed")))
    assert problems(done) == [
        (2, "", check.ROW_LENGTH.format(found=3, expected=10)),
        (3, "respondent_id", check.RESPONDENT_REQUIRED),
        (4, "respondent_id", check.RESPONDENT_INVALID),
    ]


def test_only_the_first_thousand_problems_are_kept_but_all_are_counted(areas) -> None:
    done = run(csv_file(*(row(f"R-{n}", rating="0") for n in range(1, 1201))))
    assert done.error_count == 1200
    assert len(done.errors) == ERRORS_KEPT
    assert done.errors[-1] == {"row": 1001, "column": "rating", "message": check.RATING_INVALID}
    assert_nothing_imported(done)


# --- A good file -----------------------------------------------------------------------


def test_a_good_file_imports_every_row_with_its_dimensions(areas, analyst) -> None:
    done = run((DATA / "survey_good.csv").read_bytes(), actor=analyst)
    assert done.state == SurveyImportState.IMPORTED
    assert (done.rows_imported, done.rows_checked, done.rows_total) == (4, 4, 4)
    assert done.errors == [] and bytes(done.content) == b""
    got = {
        r.respondent_id: (
            r.interviewed_on,
            r.area_id,
            r.offence_group,
            r.contact_type,
            r.age_band,
            r.ethnicity,
            r.disability,
            r.needs_recognised,
            r.rating,
        )
        for r in SurveyResponse.objects.filter(survey_import=done, survey="uss")
    }
    hackney, enfield = areas["central_east"].pk, areas["north"].pk
    k = NOT_KNOWN
    assert got == {
        "USS-0001": (dt.date(2026, 3, 2), hackney, "burglary", "visit", "25_34", "black", "no", "yes", 5),
        "USS-0002": (dt.date(2026, 3, 15), hackney, "theft", "call", "under_16", "asian", "yes", "no", 4),
        "USS-0003": (dt.date(2026, 4, 1), enfield, "robbery", "report", "65_plus", "white", "not_said", "not_sure", 2),
        "USS-0004": (dt.date(2026, 4, 20), None, k, k, k, k, k, k, 1),
    }  # fmt: skip
    # Audited on upload and on completion, with counts only.
    entries = AuditEvent.objects.filter(object_type="insights.surveyimport", object_id=str(done.pk))
    assert [e.action for e in entries.order_by("seq")] == ["create", "change"]
    assert entries.order_by("seq").last().detail == {
        "state": "imported",
        "rows_imported": 4,
        "problems": 0,
    }


def test_a_byte_order_mark_and_windows_line_ends_are_accepted(areas) -> None:
    done = run((DATA / "survey_bom_crlf.csv").read_bytes())
    assert done.state == SurveyImportState.IMPORTED
    response = SurveyResponse.objects.get(survey_import=done)
    assert (response.respondent_id, response.area_id, response.rating) == (
        "USS-0101",
        areas["north"].pk,
        3,
    )


def test_the_import_feeds_the_monthly_rollups_as_the_survey_source(areas) -> None:
    run((DATA / "survey_good.csv").read_bytes())
    survey_rows = SatisfactionMonthly.objects.filter(source=Source.SURVEY, dimension="all")
    by_month = {r.month: (r.r1, r.r2, r.r3, r.r4, r.r5) for r in survey_rows if r.area_id is None}
    assert by_month.get(dt.date(2026, 4, 1)) == (1, 0, 0, 0, 0)
    hackney_march = survey_rows.get(month=dt.date(2026, 3, 1), area=areas["central_east"])
    assert (hackney_march.r4, hackney_march.r5) == (1, 1)


# --- Running it: idempotent, atomic, failures visible --------------------------------


def test_running_an_import_twice_does_nothing_the_second_time(areas) -> None:
    done = run(csv_file(row("R-1")))
    again = survey_import_run(import_id=done.pk, now=NOW)
    assert again.state == SurveyImportState.IMPORTED
    assert SurveyResponse.objects.count() == 1


def test_progress_is_recorded_every_thousand_rows(areas) -> None:
    seen: list[tuple[int, int | None, bool]] = []
    states: list[int] = []

    def progress(checked: int, total: int | None, finished: bool) -> None:
        seen.append((checked, total, finished))
        states.append(SurveyImport.objects.get(state=SurveyImportState.CHECKING).rows_checked)

    done = run(csv_file(*(row(f"R-{n}") for n in range(2500))), progress=progress)
    assert seen == [(1000, 2500, False), (2000, 2500, False), (2500, 2500, True)]
    assert states[:2] == [1000, 2000]
    assert done.rows_imported == 2500


def test_a_clash_with_another_import_during_checking_imports_nothing(areas) -> None:
    run(csv_file(row("R-0")))
    first = SurveyResponse.objects.get()

    def meanwhile(checked: int, total: int | None, finished: bool) -> None:
        # Another import adds R-2 after this file was checked, before it is inserted.
        if finished:
            SurveyResponse.objects.create(
                survey_import=first.survey_import,
                survey="uss",
                respondent_id="R-2",
                interviewed_on=dt.date(2026, 3, 1),
                offence_group=NOT_KNOWN,
                contact_type=NOT_KNOWN,
                age_band=NOT_KNOWN,
                ethnicity=NOT_KNOWN,
                disability=NOT_KNOWN,
                needs_recognised=NOT_KNOWN,
                rating=3,
            )

    done = run(csv_file(row("R-1"), row("R-2"), row("R-3")), progress=meanwhile)
    assert problems(done) == [(1, "", RESPONDENTS_CLASH)]
    assert_nothing_imported(done)


def test_an_unexpected_failure_leaves_a_rejected_import_a_person_can_see(areas) -> None:
    class Broken(io.StringIO):
        def __iter__(self) -> Iterator[str]:
            yield HEADER + "\n"
            raise OSError("disk gone")

    @contextlib.contextmanager
    def opener() -> Iterator[io.StringIO]:
        yield Broken()

    done = run(csv_file(row("R-1")), opener=opener)
    assert problems(done) == [(1, "", IMPORT_FAILED)]
    assert_nothing_imported(done)
