"""`victimcare load_reference_data [--name london]`: upsert the force, its BCUs and areas."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from victimcare.accounts.reference import ReferenceDataError, reference_load


class Command(BaseCommand):
    help = (
        "Create or update the police force, its basic command units and the local authority "
        "areas from a reference data file (victimcare/accounts/data/<name>.json). Safe to run "
        "again: a second run changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--name",
            default=settings.REFERENCE_DATA,
            help="Reference data file name without .json (default: the REFERENCE_DATA setting, %(default)s).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = reference_load(name=options["name"])
        except ReferenceDataError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Reference data '{options['name']}': {len(result.created)} created, "
            f"{len(result.updated)} updated, {result.unchanged} unchanged."
        )
        from victimcare.cases.reference import OffenceListError, offences_load

        try:
            changed = offences_load(name=settings.OFFENCE_LIST)
        except OffenceListError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Offence list '{settings.OFFENCE_LIST}': {changed} changed.")
