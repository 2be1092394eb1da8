"""`flush` that can also empty the append-only audit table on SQLite.

Django flushes SQLite with DELETE, which the audit triggers refuse (PostgreSQL
uses TRUNCATE, which they do not block). On SQLite this drops the triggers,
flushes and recreates them in one transaction; elsewhere it is Django's flush.
Flushing is for tests and throwaway databases only.
"""

from __future__ import annotations

import importlib
from typing import Any

from django.core.management.commands.flush import Command as DjangoFlushCommand
from django.db import connections, transaction

_triggers = importlib.import_module("victimcare.core.migrations.0002_audit_append_only")


class Command(DjangoFlushCommand):
    def handle(self, **options: Any) -> None:
        connection = connections[options["database"]]
        if connection.vendor != "sqlite":
            super().handle(**options)
            return
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            for sql in _triggers.SQLITE_REVERSE:
                cursor.execute(sql)
            super().handle(**options)
            for sql in _triggers.SQLITE_FORWARD:
                cursor.execute(sql)
