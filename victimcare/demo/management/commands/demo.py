"""`victimcare demo --seed N [--if-empty | --reset] [--scale F] [--crimes N] [--quiet]`: synthetic data.

On a populated database the command refuses (exit 2) unless told what to do:
`--if-empty` leaves it alone (so `make run` can call it every time) and
`--reset` deletes the earlier demo data and generates it again (see
victimcare/demo/services.py for how demo data is recognised). Options of
single steps, such as `--crimes N` (victimcare/demo/steps/crimes.py), are
declared by the steps themselves.
"""

from __future__ import annotations

import sys
from argparse import ArgumentTypeError
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from victimcare.demo.constants import ALREADY_PRESENT, REFUSE_EXIT_CODE, REFUSE_POPULATED
from victimcare.demo.pipeline import demo_steps
from victimcare.demo.services import (
    DemoError,
    DemoResult,
    SignIn,
    demo_database_populated,
    demo_generate,
    demo_password,
    demo_sign_in_url,
    demo_sign_ins,
)


def _scale(text: str) -> float:
    """A scale factor: a number greater than 0 and at most 1000."""
    try:
        value = float(text)
    except ValueError:
        raise ArgumentTypeError(f"'{text}' is not a number") from None
    if not 0 < value <= 1000:
        raise ArgumentTypeError("must be greater than 0 and at most 1000")
    return value


def _epoch(text: str) -> datetime:
    """'today' or an ISO date, as midnight Europe/London of that day."""
    london = ZoneInfo("Europe/London")
    if text.strip().lower() == "today":
        day = datetime.now(london).date()
    else:
        try:
            day = date.fromisoformat(text.strip())
        except ValueError:
            raise ArgumentTypeError(f"'{text}' is not 'today' or a date like 2026-01-01") from None
    return datetime.combine(day, time.min, tzinfo=london)


class Command(BaseCommand):
    help = (
        "Build a deterministic synthetic force (organisations and people in every role) on top "
        "of the reference data, and print the demo sign-ins."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed", type=int, default=1, help="Random seed (default 1). Same seed, same data."
        )
        parser.add_argument(
            "--scale",
            type=_scale,
            default=1.0,
            help="Multiply the number of people by this (0 < F ≤ 1000; default 1: several hundred).",
        )
        when = parser.add_mutually_exclusive_group()
        when.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (but print the sign-ins) when the database already holds data.",
        )
        when.add_argument(
            "--reset",
            action="store_true",
            help="Delete the earlier demo data (demo organisations and demo accounts) and generate again.",
        )
        parser.add_argument(
            "--epoch",
            type=_epoch,
            default=None,
            help=(
                "The demo's 'now': 'today' or a date like 2026-01-01 (midnight, London). "
                "Default: the catalogue's fixed date, so data never depends on the clock."
            ),
        )
        parser.add_argument("--quiet", action="store_true", help="No progress bar.")
        for step in demo_steps():
            if step.add_arguments is not None:
                step.add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        self._migrate_embedded_database()
        try:
            populated = demo_database_populated()
            if populated and options["if_empty"]:
                self.stdout.write(ALREADY_PRESENT)
                self._print_sign_ins(demo_sign_ins())
                return
            if populated and not options["reset"]:
                raise CommandError(REFUSE_POPULATED, returncode=REFUSE_EXIT_CODE)
            result = demo_generate(
                seed=options["seed"],
                scale=options["scale"],
                reset=options["reset"],
                options=options,
                show_progress=not options["quiet"]
                and options["verbosity"] > 0
                and sys.stderr.isatty(),
            )
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
        self._print_summary(result)
        self._print_sign_ins(demo_sign_ins())

    def _migrate_embedded_database(self) -> None:
        """On the embedded SQLite default, apply pending migrations first (as `serve` does).

        `make run` calls `demo --if-empty` before `serve`, on a database that may
        not exist yet. Elsewhere migrations are an operator's decision.
        """
        if not settings.EMBEDDED_DATABASE:
            return
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            from django.core.management import call_command

            call_command("migrate", interactive=False, verbosity=0)

    def _print_summary(self, result: DemoResult) -> None:
        if result.deleted:
            deleted = ", ".join(f"{n} {step}" for step, n in result.deleted.items())
            self.stdout.write(f"Deleted the earlier demo data: {deleted}.")
        made = ", ".join(f"{step} {n} rows" for step, n in result.rows.items())
        self.stdout.write(
            f"Demo data generated with seed {result.seed} at scale {result.scale:g} ({made}) in "
            f"{result.elapsed:.1f} s."
        )

    def _print_sign_ins(self, sign_ins: list[SignIn]) -> None:
        if not sign_ins:
            self.stdout.write("No demo sign-ins exist in this database.")
            return
        headers = ("Role", "Email", "Organisation", "Note")
        rows = [(s.role_label, s.email, s.organisation, s.note) for s in sign_ins]
        widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]

        def line(cells: tuple[str, ...]) -> str:
            return "  " + "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

        self.stdout.write("")
        self.stdout.write(f"Demo sign-ins at {demo_sign_in_url()}")
        self.stdout.write(f"Password for every demo account: {demo_password()}")
        self.stdout.write("")
        self.stdout.write(line(headers))
        self.stdout.write(line(tuple("-" * w for w in widths)))
        for row in rows:
            self.stdout.write(line(row))
        self.stdout.write("")
