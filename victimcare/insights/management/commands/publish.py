"""`victimcare publish --quarter 2026-Q3 --out DIR [--force]`: the quarterly
publication (open-data CSV files, report.html, report.pdf, manifest.json)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from victimcare.insights.publication import (
    PublicationError,
    out_dir_check,
    publication_run,
    publication_write,
)


class Command(BaseCommand):
    help = (
        "Make the quarterly publication of victim satisfaction and Victims' Code compliance "
        "for one ended calendar quarter, with statistical disclosure control, into a "
        "directory. The first run of a quarter fixes its data; later runs reproduce it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--quarter",
            required=True,
            help="The calendar quarter, e.g. 2026-Q3 (July to September).",
        )
        parser.add_argument("--out", required=True, help="The directory to write the files into.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Write into a directory that is not empty (files of the same name are replaced).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        try:
            out_dir_check(out, force=options["force"])
            publication = publication_run(quarter=options["quarter"], actor=None)
            names = publication_write(publication=publication, out=out, force=True)
        except PublicationError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Published {publication.quarter} into {out}: {len(names)} files "
            f"(snapshot {publication.snapshot_sha256[:12]})."
        )
