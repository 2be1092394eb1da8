"""The test suite (and only an operator who confirms it) can empty every table,
the audit log included, and the append-only triggers survive."""

from __future__ import annotations

import importlib.util
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from victimcare.core.audit import audit_record, audit_verify
from victimcare.core.constants import AuditAction
from victimcare.core.models import AuditChainHead, AuditEvent

FLUSH_OVERRIDE = "victimcare.core.management.commands.flush"


@pytest.mark.skipif(
    connection.vendor == "sqlite" and importlib.util.find_spec(FLUSH_OVERRIDE) is None,
    reason=f"on SQLite, flush needs {FLUSH_OVERRIDE} (DELETE is refused by the audit triggers)",
)
@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_audit_log_and_the_triggers_still_refuse_deletes():
    audit_record(action=AuditAction.VIEW, subject_type="cases.victim", subject_id=1)
    audit_record(action=AuditAction.VIEW, subject_type="cases.victim", subject_id=2)

    call_command("flush", interactive=False, verbosity=0)

    assert not AuditEvent.objects.exists()
    assert not AuditChainHead.objects.exists()
    assert audit_verify().ok
    assert audit_record(action=AuditAction.VIEW).seq == 1
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM core_auditevent")


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_get_a_gapless_chain():
    def write(n: int) -> None:
        try:
            for _ in range(n):
                audit_record(action=AuditAction.VIEW, subject_type="cases.victim", subject_id=1)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(write, [10] * 6))

    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == list(
        range(1, 61)
    )
    assert audit_verify().ok
