"""`victimcare survey import|list`: the same check and import as an upload, run
in the command, with progress on stderr and every problem listed on failure."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from victimcare.insights.constants import SurveyImportState
from victimcare.insights.imports import ALREADY_IMPORTED
from victimcare.insights.imports_check import COLUMNS, DATE_FUTURE, RATING_INVALID
from victimcare.insights.models import SurveyImport, SurveyResponse

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"


def survey(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("survey", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_imports_a_good_file_and_lists_it(areas, analyst) -> None:
    out, err = survey(
        "import", str(DATA / "survey_good.csv"), "--survey", "uss", "--by", analyst.email
    )
    survey_import = SurveyImport.objects.get()
    assert out.strip() == f"Imported 4 rows for survey uss (import {survey_import.pk})."
    assert err.strip() == "checked 4 of 4 rows"
    assert survey_import.state == SurveyImportState.IMPORTED
    assert survey_import.uploaded_by == analyst
    assert survey_import.filename == "survey_good.csv"
    assert SurveyResponse.objects.count() == 4
    listing, _ = survey("list")
    assert listing.startswith(f"{survey_import.pk}\tuss\timported\t4 rows\t")


def test_the_command_prints_progress_every_ten_thousand_rows(areas, tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    lines = [",".join(COLUMNS)] + [
        f"R-{n},2026-03-02,E09000012,theft,call,16_24,white,no,yes,4" for n in range(20_500)
    ]
    path.write_text("\n".join(lines) + "\n")
    _, err = survey("import", str(path), "--survey", "uss")
    assert err.splitlines() == [
        "checked 10000 of 20500 rows",
        "checked 20000 of 20500 rows",
        "checked 20500 of 20500 rows",
    ]
    assert SurveyResponse.objects.count() == 20_500


def test_the_command_lists_every_problem_and_fails(areas) -> None:
    err = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command(
            "survey", "import", str(DATA / "survey_mixed_problems.csv"), "--survey", "uss",
            stderr=err, stdout=io.StringIO(),
        )  # fmt: skip
    assert str(failed.value) == "The file was rejected: 8 problems. Nothing was imported."
    assert failed.value.returncode == 2
    lines = err.getvalue().splitlines()
    assert lines[0] == "checked 6 of 6 rows"
    assert lines[1] == f"row 3, rating: {RATING_INVALID}"
    assert lines[2] == f"row 4, interview_date: {DATE_FUTURE}"
    assert len(lines) == 1 + 8
    assert not SurveyResponse.objects.exists()
    assert SurveyImport.objects.get().state == SurveyImportState.REJECTED


def test_the_command_refuses_a_file_already_imported(areas) -> None:
    survey("import", str(DATA / "survey_good.csv"), "--survey", "uss")
    with pytest.raises(CommandError, match=ALREADY_IMPORTED):
        survey("import", str(DATA / "survey_good.csv"), "--survey", "uss")
    assert SurveyImport.objects.count() == 1


@pytest.mark.parametrize(
    "args",
    [
        ["import", "no-such-file.csv", "--survey", "uss"],
        ["import", str(DATA / "survey_good.csv"), "--survey", "USS Survey"],
        ["import", str(DATA / "survey_good.csv"), "--survey", "uss", "--by", "nobody@example.org"],
    ],
)
def test_the_command_refuses_bad_options(args: list[str]) -> None:
    with pytest.raises(CommandError):
        survey(*args)
    assert not SurveyImport.objects.exists()
