"""The retention sweep reads its batches through an index, and the indexes are
built without blocking writes on PostgreSQL (decision 65).

At London scale the message tables grow by millions of rows a year; a batch
query without an index on the rule's clock reads the whole table, every batch,
every night.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import NotSupportedError, connection, models
from django.db.migrations.loader import MigrationLoader

from victimcare.core import retention as ret
from victimcare.core.migration_operations import AddIndexOnline
from victimcare.core.retention.sweep import rule_batch_query

# The rules over tables that grow with every message and API call, and the
# index each batch query must use.
INDEXED_RULES = {
    "message_content": "messaging_msg_created_idx",
    "message_receipts": "messaging_event_raw_idx",
    "delivery_callbacks": "messaging_receipt_received_idx",
    "idempotency_records": "idempotency_created_idx",
}
NOW = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)


def rule(name: str) -> ret.RetentionRule:
    return next(r for r in ret.RULES if r.name == name)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "index"), sorted(INDEXED_RULES.items()))
def test_a_batch_of_a_large_table_is_read_through_its_index(name: str, index: str) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("a plan follows the planner's statistics; production runs PostgreSQL")
    query = rule_batch_query(rule(name), now=NOW)
    with connection.cursor() as cursor:
        # The tables are empty here, and for an empty table any plan will do.
        # Make scanning the table and sorting its rows look as dear as they are
        # on millions of rows, so the plan shows whether an index gives the
        # batch in its order. Without one, the plan still scans and sorts.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
    plan = query.explain()
    assert index in plan, plan


def _op() -> tuple[AddIndexOnline, object, object]:
    loader = MigrationLoader(connection)
    before = loader.project_state(("messaging", "0006_feed_check_task"))
    op = AddIndexOnline(
        model_name="outboundmessage",
        index=models.Index(fields=["created_at", "id"], name="messaging_msg_test_idx"),
    )
    after = before.clone()
    op.state_forwards("messaging", after)
    return op, before, after


@pytest.mark.django_db(transaction=True)
def test_the_index_is_built_concurrently_on_postgresql_and_plainly_on_sqlite() -> None:
    op, before, after = _op()
    with connection.schema_editor(collect_sql=True, atomic=False) as editor:
        op.database_forwards("messaging", editor, before, after)
    (sql,) = [s for s in editor.collected_sql if "messaging_msg_test_idx" in s]
    if connection.vendor == "postgresql":
        assert sql.startswith("CREATE INDEX CONCURRENTLY")
    else:
        assert sql.startswith("CREATE INDEX") and "CONCURRENTLY" not in sql


@pytest.mark.django_db
def test_a_concurrent_build_inside_a_transaction_is_refused_with_the_fix() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("only PostgreSQL builds indexes concurrently")
    op, before, after = _op()
    with (
        pytest.raises(NotSupportedError, match="atomic = False"),
        connection.schema_editor(collect_sql=True, atomic=False) as editor,
    ):
        op.database_forwards("messaging", editor, before, after)


def test_the_retention_migrations_are_not_atomic() -> None:
    from importlib import import_module

    for module in (
        "victimcare.messaging.migrations.0007_retention_indexes",
        "victimcare.api.migrations.0004_retention_index",
    ):
        migration = import_module(module).Migration
        assert migration.atomic is False, module
        assert all(isinstance(op, AddIndexOnline) for op in migration.operations), module
