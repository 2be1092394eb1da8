"""`victimcare manage reencrypt_fields`: move every encrypted value to the primary key.

Key rotation: put the new key first in FIELD_ENCRYPTION_KEYS (keeping the old
ones), run this, then remove the old keys.
"""

from __future__ import annotations

import argparse
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import models, transaction
from django.db.models.functions import Cast

from victimcare.core.crypto import rotate_token
from victimcare.core.fields import EncryptedTextField


def encrypted_fields() -> list[tuple[type[models.Model], list[EncryptedTextField]]]:
    """Every concrete model with EncryptedTextFields, and those fields."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if fields:
            found.append((model, fields))
    return found


class Command(BaseCommand):
    help = "Re-encrypt every EncryptedTextField value under the first FIELD_ENCRYPTION_KEYS key."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500, help="Rows per transaction.")

    def handle(self, *args: Any, **options: Any) -> None:
        batch_size = max(1, options["batch_size"])
        total = 0
        for model, fields in encrypted_fields():
            rows = self._rotate_model(model, fields, batch_size)
            total += rows
            self.stdout.write(
                f"{model._meta.label}: {rows} rows re-encrypted ({len(fields)} fields)."
            )
        self.stdout.write(f"Done: {total} rows re-encrypted.")

    def _rotate_model(
        self, model: type[models.Model], fields: list[EncryptedTextField], batch_size: int
    ) -> int:
        """Rotate in pk order, one transaction per batch, one UPDATE per row.

        Tokens are read raw (cast to text, so the field does not decrypt them) and
        written back as expressions (so the field does not encrypt them again).
        No plaintext leaves `rotate_token`. save() is not used, so no model
        side effects or blind-index recomputation happen.
        """
        raw = {f"raw_{f.attname}": Cast(f.attname, output_field=models.TextField()) for f in fields}
        manager = model._base_manager
        last_pk: Any = None
        rotated = 0
        while True:
            qs = manager.order_by("pk")
            if last_pk is not None:
                qs = qs.filter(pk__gt=last_pk)
            batch = list(qs.annotate(**raw).values("pk", *raw)[:batch_size])
            if not batch:
                return rotated
            with transaction.atomic():
                for row in batch:
                    changes = {
                        f.attname: models.Value(
                            rotate_token(row[f"raw_{f.attname}"]), output_field=models.TextField()
                        )
                        for f in fields
                        if row[f"raw_{f.attname}"] is not None
                    }
                    if changes:
                        manager.filter(pk=row["pk"]).update(**changes)
                        rotated += 1
            last_pk = batch[-1]["pk"]
