"""The audit log: who did what to whose data, append-only and hash-chained."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from victimcare.core.audit import (
    GENESIS_HASH,
    REASON_BROKEN_LINK,
    REASON_HASH_MISMATCH,
    REASON_HEAD_MISMATCH,
    REASON_MISSING,
    AuditDetailError,
    audit_record,
    audit_record_views,
    audit_search,
    audit_verify,
    compute_entry_hash,
)
from victimcare.core.constants import AuditAction
from victimcare.core.http import client_ip
from victimcare.core.models import AppendOnlyError, AuditChainHead, AuditEvent

from .test_audit_search import sign_in_with_second_factor

VICTIM = {"subject_type": "cases.victim", "subject_id": 42}


def _drop_append_only_triggers() -> None:
    """What a DBA attacking the raw table would do first. The test's transaction
    is rolled back afterwards, so the triggers come back."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER core_auditevent_no_update")
            cursor.execute("DROP TRIGGER core_auditevent_no_delete")
        else:
            cursor.execute("DROP TRIGGER core_auditevent_append_only ON core_auditevent")


def _raw(sql: str, params: list[object]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def five_entries(officer, supervisor) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    """Olivia views a victim's record twice, changes it, exports it; Sam views it."""
    return [
        audit_record(action=AuditAction.VIEW, actor=officer, purpose="Update the victim", **VICTIM),
        audit_record(
            action=AuditAction.CHANGE, actor=officer, object_type="cases.victim", object_id=42
        ),
        audit_record(action=AuditAction.VIEW, actor=supervisor, **VICTIM),
        audit_record(action=AuditAction.EXPORT, actor=officer, detail={"format": "csv", "rows": 1}),
        audit_record(action=AuditAction.VIEW, actor=officer, **VICTIM),
    ]


def test_each_entry_snapshots_the_actor_and_links_to_the_previous_one(officer, supervisor):
    first = audit_record(
        action=AuditAction.VIEW, actor=officer, purpose="Check contact details", **VICTIM
    )
    second = audit_record(action=AuditAction.VIEW, actor=supervisor, **VICTIM)

    first.refresh_from_db()
    assert (first.seq, second.seq) == (1, 2)
    assert (first.actor_id, first.actor_organisation_id, first.actor_role) == (
        officer.pk,
        officer.organisation_id,
        "officer",
    )
    assert (first.subject_type, first.subject_id) == ("cases.victim", "42")
    assert first.purpose == "Check contact details"
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.entry_hash
    assert first.entry_hash == compute_entry_hash(GENESIS_HASH, first.__dict__)
    head = AuditChainHead.objects.get()
    assert (head.last_seq, head.last_hash) == (2, second.entry_hash)


def test_an_entry_from_a_request_takes_the_signed_in_user_address_and_request_id(officer, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get(
        "/cases/1", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="198.51.100.1, 2001:db8::7"
    )
    request.user = officer
    request.request_id = "abc12345"

    event = audit_record(action=AuditAction.VIEW, request=request, **VICTIM)

    event.refresh_from_db()
    assert event.actor_id == officer.pk
    assert event.client_ip == "2001:db8::7"
    assert event.request_id == "abc12345"
    # The IPv6 address and every other field survive the database round trip.
    assert audit_verify().ok


def test_the_client_address_is_only_taken_from_headers_our_own_proxies_wrote(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9, 10.0.0.4"
    )
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.5"
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request) == "203.0.113.9"
    settings.TRUSTED_PROXY_COUNT = 4
    assert client_ip(request) is None
    settings.TRUSTED_PROXY_COUNT = 1
    garbage = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="<script>")
    assert client_ip(garbage) is None


def test_detail_must_hash_the_same_on_every_database(officer):
    with pytest.raises(AuditDetailError):
        audit_record(action=AuditAction.EXPORT, actor=officer, detail={"score": 4.5})
    with pytest.raises(ValueError):
        audit_record(action="peek", actor=officer)
    # Nested keys in any order and tuples are fine: they are normalised.
    audit_record(
        action=AuditAction.EXPORT, actor=officer, detail={"z": {"b": 1, "a": (1, 2)}, "a": None}
    )
    assert audit_verify().ok


def test_verify_passes_on_an_intact_chain(five_entries):
    result = audit_verify()
    assert result.ok
    assert result.checked == 5
    assert result.bad_seq is None


def test_verify_passes_on_an_empty_log(db):
    assert audit_verify().ok
    assert audit_verify().checked == 0


def test_verify_names_a_row_altered_directly_in_the_database(five_entries):
    _drop_append_only_triggers()
    _raw("UPDATE core_auditevent SET purpose = %s WHERE seq = %s", ["Nothing to see", 2])

    result = audit_verify()

    assert not result.ok
    assert (result.bad_seq, result.reason) == (2, REASON_HASH_MISMATCH)
    assert result.checked == 1


def test_verify_names_the_next_entry_when_an_altered_row_had_its_hash_recomputed(five_entries):
    _drop_append_only_triggers()
    _raw("UPDATE core_auditevent SET entry_hash = %s WHERE seq = %s", ["f" * 64, 3])

    result = audit_verify()

    # Entry 3's own hash no longer matches its content, which is found first.
    assert (result.bad_seq, result.reason) == (3, REASON_HASH_MISMATCH)


def test_verify_finds_a_broken_link(five_entries):
    _drop_append_only_triggers()
    _raw("UPDATE core_auditevent SET prev_hash = %s WHERE seq = %s", ["e" * 64, 4])

    result = audit_verify()

    assert (result.bad_seq, result.reason) == (4, REASON_BROKEN_LINK)


def test_verify_names_a_middle_row_deleted_from_the_database(five_entries):
    _drop_append_only_triggers()
    _raw("DELETE FROM core_auditevent WHERE seq = %s", [3])

    result = audit_verify()

    assert not result.ok
    assert (result.bad_seq, result.reason) == (3, REASON_MISSING)


def test_verify_notices_the_last_row_deleted_from_the_database(five_entries):
    _drop_append_only_triggers()
    _raw("DELETE FROM core_auditevent WHERE seq = %s", [5])

    result = audit_verify()

    assert not result.ok
    assert (result.bad_seq, result.reason) == (5, REASON_HEAD_MISMATCH)
    assert result.checked == 4


def test_nobody_can_change_or_remove_an_entry_through_the_orm(five_entries):
    entry = AuditEvent.objects.get(seq=1)

    entry.purpose = "Rewritten"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(seq=1).update(purpose="Rewritten")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(seq=1).delete()
    assert audit_verify().ok


def test_the_database_refuses_a_raw_update_and_delete(five_entries):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _raw("UPDATE core_auditevent SET purpose = %s WHERE seq = %s", ["Rewritten", 1])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _raw("DELETE FROM core_auditevent WHERE seq = %s", [5])

    assert AuditEvent.objects.count() == 5
    assert audit_verify().ok


def test_audit_verify_command_exits_0_on_an_intact_log(five_entries, capsys):
    call_command("audit", "verify")
    assert "Audit log intact: 5 entries checked." in capsys.readouterr().out


def test_audit_verify_command_exits_1_naming_the_first_bad_entry(five_entries, capsys):
    _drop_append_only_triggers()
    _raw("DELETE FROM core_auditevent WHERE seq = %s", [2])

    with pytest.raises(SystemExit) as exit_info:
        call_command("audit", "verify")

    assert exit_info.value.code == 1
    assert f"Audit log BROKEN at entry seq=2: {REASON_MISSING}" in capsys.readouterr().err


def test_an_operator_searches_by_actor_and_by_subject_and_the_search_is_recorded(
    five_entries, officer, capsys
):
    call_command("audit", "search", "--actor", "OLIVIA.officer@example.org")
    out = capsys.readouterr().out
    assert "4 entries shown" in out
    assert "olivia.officer@example.org" in out

    call_command("audit", "search", "--subject", "cases.victim:42")
    assert "3 entries shown" in capsys.readouterr().out

    searches = AuditEvent.objects.filter(action=AuditAction.SEARCH).order_by("seq")
    assert [s.actor_id for s in searches] == [None, None]
    assert searches[0].detail == {
        "via": "command",
        "criteria": {"actor_id": officer.pk},
        "results": 4,
    }
    assert "@" not in str(searches[0].detail)
    assert (searches[1].subject_type, searches[1].subject_id) == ("cases.victim", "42")
    assert audit_verify().ok


def test_only_administrators_may_search_the_log(five_entries, officer, analyst, administrator):
    for person in (officer, analyst):
        with pytest.raises(PermissionDenied):
            audit_search(user=person, subject_type="cases.victim", subject_id=42)

    found = audit_search(user=administrator, subject_type="cases.victim", subject_id=42)

    assert [e.seq for e in found] == [5, 3, 1]


def test_the_admin_shows_entries_but_nobody_can_add_change_or_delete_them(
    five_entries, client, administrator
):
    administrator.is_staff = True
    administrator.is_superuser = True
    administrator.save()
    sign_in_with_second_factor(client, administrator)
    entry = AuditEvent.objects.get(seq=1)

    assert client.get("/admin/core/auditevent/").status_code == 200
    assert client.get("/admin/core/auditevent/?q=42").status_code == 200
    assert client.get(f"/admin/core/auditevent/{entry.pk}/change/").status_code == 200
    # PermissionDenied (the project renders it as its 404 page, see handler403).
    refused = {403, 404}
    assert client.get("/admin/core/auditevent/add/").status_code in refused
    assert client.get(f"/admin/core/auditevent/{entry.pk}/delete/").status_code in refused
    response = client.post(f"/admin/core/auditevent/{entry.pk}/change/", {"purpose": "Rewritten"})
    assert response.status_code in refused

    entry.refresh_from_db()
    assert entry.purpose == "Update the victim"
    looks = AuditEvent.objects.filter(actor_id=administrator.pk).values_list("action", flat=True)
    assert list(looks) == [AuditAction.SEARCH, AuditAction.SEARCH, AuditAction.VIEW]
    assert audit_verify().ok


def test_a_page_listing_many_people_writes_one_linked_view_entry_each(officer):
    audit_record(action=AuditAction.VIEW, actor=officer, **VICTIM)
    request = RequestFactory().get("/duties/", REMOTE_ADDR="10.0.0.5")
    request.user = officer
    request.request_id = "page1"

    written = audit_record_views(
        request=request,
        subject_type="cases.victim",
        subject_ids=[7, 3, 7, 12, None],  # repeats and blanks are one entry or none
        object_type="duties.worklist",
        detail={"page": "worklist"},
    )
    audit_record(action=AuditAction.VIEW, actor=officer, **VICTIM)

    assert written == 3
    entries = AuditEvent.objects.filter(object_type="duties.worklist").order_by("seq")
    assert [e.subject_id for e in entries] == ["12", "3", "7"]
    assert {(e.actor_id, e.request_id, e.client_ip) for e in entries} == {
        (officer.pk, "page1", "10.0.0.5")
    }
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))  # gapless around the bulk write
    assert audit_verify().ok
    assert (
        audit_record_views(
            request=request, subject_type="cases.victim", subject_ids=[], object_type="x"
        )
        == 0
    )
