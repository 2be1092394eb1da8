"""Migration operations that keep the service up while they run.

`AddIndexOnline` builds an index without blocking writes to its table on
PostgreSQL (CREATE INDEX CONCURRENTLY), and as a plain index elsewhere (SQLite,
the embedded database, has no concurrent build and no concurrent writers to
block). A migration using it must be `atomic = False`: PostgreSQL cannot build
an index concurrently inside a transaction. If the build fails part-way, it
leaves an INVALID index behind; drop it (`DROP INDEX CONCURRENTLY name`) and
run the migration again (docs/operations.md, "Install and release").
"""

from __future__ import annotations

from typing import Any

from django.db import NotSupportedError
from django.db.migrations.operations import AddIndex


class AddIndexOnline(AddIndex):
    """AddIndex, built CONCURRENTLY on PostgreSQL."""

    atomic = False

    def describe(self) -> str:
        return f"{super().describe()} (concurrently on PostgreSQL)"

    @staticmethod
    def _concurrently(schema_editor: Any) -> bool:
        if schema_editor.connection.vendor != "postgresql":
            return False
        if schema_editor.connection.in_atomic_block:
            raise NotSupportedError(
                "An index cannot be built concurrently inside a transaction: "
                "give the migration `atomic = False`."
            )
        return True

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if not self._concurrently(schema_editor):
            super().database_forwards(app_label, schema_editor, from_state, to_state)
            return
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.add_index(model, self.index, concurrently=True)

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if not self._concurrently(schema_editor):
            super().database_backwards(app_label, schema_editor, from_state, to_state)
            return
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.remove_index(model, self.index, concurrently=True)
