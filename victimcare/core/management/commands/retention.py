"""`victimcare retention list` and `victimcare retention run [--dry-run]` for operators."""

from __future__ import annotations

import argparse
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from victimcare.core.retention import RULES, retention_rules_check, retention_run, rule_days

LIST_COLUMNS = ("rule", "action", "days", "model", "from")


class Command(BaseCommand):
    help = "List the data retention rules (list) or apply them now (run)."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("list", help="The rules, with the period in force (after overrides).")
        run = sub.add_parser("run", help="Apply the rules now, as the nightly job does.")
        run.add_argument(
            "--dry-run",
            action="store_true",
            help="Count the rows each rule would act on; change nothing, write no audit entry.",
        )
        run.add_argument("--rule", metavar="NAME", help="Apply only this rule.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            retention_rules_check()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        if options["subcommand"] == "list":
            self._list()
            return
        try:
            outcomes = retention_run(dry_run=options["dry_run"], only=options["rule"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for o in outcomes:
            if o.dry_run:
                self.stdout.write(f"{o.rule}: {o.due} rows would be {o.action}d (dry run)")
                continue
            left = "" if o.complete else "; more left for the next run"
            refused = f", {o.refused} refused (still needed elsewhere)" if o.refused else ""
            self.stdout.write(f"{o.rule}: {o.done} rows {o.action}d{refused}{left}")

    def _list(self) -> None:
        rows = [(r.name, r.action, str(rule_days(r)), r.model, r.from_when) for r in RULES]
        widths = [max(len(c), *(len(row[i]) for row in rows)) for i, c in enumerate(LIST_COLUMNS)]
        for row in (LIST_COLUMNS, *rows):
            self.stdout.write(
                "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip()
            )
