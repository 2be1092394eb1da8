"""victimcare leaflet --force <id or code> --out FILE.pdf [--lang xx]

Print a police force's one-page rights leaflet with its QR code (the public
rights page of this deployment, VICTIMCARE_BASE_URL) as a tagged PDF.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from victimcare.feedback.leaflets import (
    LeafletError,
    force_for_reference,
    force_leaflet_pdf,
    pdf_language,
)

OUT_NOT_PDF = "--out must name a .pdf file, e.g. --out leaflet.pdf."
OUT_NO_FOLDER = "The folder for --out does not exist: {folder}."


class Command(BaseCommand):
    help = "Write a police force's one-page rights leaflet (with QR code) as a PDF."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", required=True, help="The force's id or code.")
        parser.add_argument("--out", required=True, help="Where to write the PDF.")
        parser.add_argument("--lang", default="en", help="Language code (default: en).")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        if out.suffix.lower() != ".pdf":
            raise CommandError(OUT_NOT_PDF)
        if not out.parent.resolve().is_dir():
            raise CommandError(OUT_NO_FOLDER.format(folder=out.parent))
        try:
            force = force_for_reference(options["force"])
            language = pdf_language(options["lang"])
            data = force_leaflet_pdf(force=force, language=language)
        except LeafletError as exc:
            raise CommandError(str(exc)) from exc
        out.write_bytes(data)
        self.stdout.write(f"Wrote the {language} leaflet for {force.name} to {out}.")
