"""`victimcare survey import PATH --survey uss [--by EMAIL]` and `victimcare survey list`.

`import` checks and imports a survey file (docs/survey-import.md) in this
process, the same way as an upload: progress to stderr, and on any problem
every problem ("row 12, rating: …") and a non-zero exit, nothing imported.
`list` prints the recent imports, one a line: id, survey, state, rows, when.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from victimcare.accounts.models import User
from victimcare.insights.constants import SurveyImportState as State
from victimcare.insights.imports import (
    SurveyImportRefused,
    path_opener,
    survey_import_register,
    survey_import_run,
)
from victimcare.insights.models import SurveyImport

BAD_INPUT = 2
PROGRESS_EVERY = 10_000
NO_FILE = "There is no file at {path}."
SURVEY_INVALID = "--survey must be 1 to 40 lower-case letters, digits, hyphens or underscores."
NO_PERSON = "No active person has the email address given with --by."
REJECTED = "The file was rejected: {count} problem{s}. Nothing was imported."
MORE_PROBLEMS = "… and {count} more problems not listed."


class Command(BaseCommand):
    help = "Import a survey results file, or list past imports."
    _printed = -1

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        run = sub.add_parser("import", help="Check and import a survey CSV file.")
        run.add_argument("path", help="The CSV file.")
        run.add_argument("--survey", required=True, help="The survey's short name, e.g. uss.")
        run.add_argument("--by", metavar="EMAIL", help="The person doing the import.")
        sub.add_parser("list", help="List the recent imports.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "list":
            self._list()
            return
        path = Path(options["path"])
        survey = options["survey"].strip()
        if not path.is_file():
            raise CommandError(NO_FILE.format(path=path), returncode=BAD_INPUT)
        if not re.fullmatch(r"[a-z0-9_-]{1,40}", survey):
            raise CommandError(SURVEY_INVALID, returncode=BAD_INPUT)
        actor = None
        if options["by"]:
            actor = User.objects.filter(email__iexact=options["by"].strip(), is_active=True).first()
            if actor is None:
                raise CommandError(NO_PERSON, returncode=BAD_INPUT)
        try:
            survey_import = survey_import_register(survey=survey, path=path, actor=actor)
        except SurveyImportRefused as refused:
            raise CommandError(str(refused), returncode=BAD_INPUT) from refused
        done = survey_import_run(
            import_id=survey_import.pk, opener=path_opener(path), progress=self._progress
        )
        if done.state == State.IMPORTED:
            self.stdout.write(
                f"Imported {done.rows_imported} rows for survey {done.survey} (import {done.pk})."
            )
            return
        for problem in done.errors:
            where = f"row {problem['row']}"
            if problem["column"]:
                where += f", {problem['column']}"
            self.stderr.write(f"{where}: {problem['message']}")
        if done.error_count > len(done.errors):
            self.stderr.write(MORE_PROBLEMS.format(count=done.error_count - len(done.errors)))
        raise CommandError(
            REJECTED.format(count=done.error_count, s="" if done.error_count == 1 else "s"),
            returncode=BAD_INPUT,
        )

    def _progress(self, checked: int, total: int | None, finished: bool) -> None:
        if (checked % PROGRESS_EVERY and not finished) or checked == self._printed:
            return
        self._printed = checked
        about = f" of {total}" if total else ""
        self.stderr.write(f"checked {checked}{about} rows")

    def _list(self) -> None:
        imports = SurveyImport.objects.defer("content").order_by("-uploaded_at", "-pk")[:100]
        for item in imports:
            when = timezone.localtime(item.uploaded_at).strftime("%Y-%m-%d %H:%M")
            self.stdout.write(
                f"{item.pk}\t{item.survey}\t{item.state}\t{item.rows_imported} rows\t{when}"
            )
