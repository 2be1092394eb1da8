"""`victimcare insights refresh [--full]` and `victimcare insights verify`:
bring the rollups up to date, or prove they match the raw data."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from victimcare.insights.rollups import rollups_refresh
from victimcare.insights.rollups_verify import rollups_verify

MISMATCHES_SHOWN = 20


class Command(BaseCommand):
    help = "Refresh the insights rollups, or check them against the raw data."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        refresh = sub.add_parser("refresh", help="Recompute recent months (or all with --full).")
        refresh.add_argument("--full", action="store_true", help="Rebuild every month.")
        sub.add_parser("verify", help="Compare every rollup cell with the raw data.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "refresh":
            result = rollups_refresh(full=options["full"])
            self.stdout.write(
                f"Rollups refreshed: {result.rows} rows written in {result.seconds:.1f} s"
                + ("" if options["full"] else f" ({len(result.satisfaction_months)} months)")
            )
            return
        problems = rollups_verify()
        if problems:
            for problem in problems[:MISMATCHES_SHOWN]:
                self.stderr.write(
                    f"{problem.rollup} {problem.key}: stored {problem.stored}, raw {problem.raw}"
                )
            raise CommandError(
                f"{len(problems)} rollup cells differ from the raw data: "
                "run `victimcare insights refresh --full`"
            )
        self.stdout.write("The rollups match the raw data.")
