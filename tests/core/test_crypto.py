"""Contact details are encrypted at rest and found again through blind indexes."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection

from tests.testapp.models import ContactRecord
from victimcare.core.crypto import (
    DecryptionError,
    blind_index,
    decrypt_text,
    encrypt_text,
    normalise_phone,
)

PHONE = "07700 900123"
PHONE_DIGITS = "7700900123"
EMAIL = "Vic.Victim@Example.org"


def _raw_rows() -> list[tuple[object, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {ContactRecord._meta.db_table}")  # noqa: S608
        return cursor.fetchall()


@pytest.fixture
def victim_contact(db) -> ContactRecord:  # type: ignore[no-untyped-def]
    return ContactRecord.objects.create(label="victim", phone=PHONE, email=EMAIL)


def test_the_database_never_holds_the_phone_number_or_email_in_clear_text(victim_contact):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT phone, email FROM {ContactRecord._meta.db_table} WHERE id = %s",  # noqa: S608
            [victim_contact.pk],
        )
        phone_raw, email_raw = cursor.fetchone()
    assert PHONE_DIGITS not in phone_raw.replace(" ", "")
    assert "900123" not in phone_raw
    assert EMAIL.lower() not in email_raw.lower()
    assert decrypt_text(phone_raw) == PHONE

    everything = repr(_raw_rows()).lower()
    for secret in (PHONE_DIGITS, "900123", "07700", "vic.victim", "example.org"):
        assert secret not in everything.replace(" ", "")


def test_values_read_back_in_clear_through_the_orm_and_none_stays_null(victim_contact):
    no_contact = ContactRecord.objects.create(label="no contact details")

    assert ContactRecord.objects.get(pk=victim_contact.pk).phone == PHONE
    assert ContactRecord.objects.get(pk=victim_contact.pk).email == EMAIL
    fresh = ContactRecord.objects.get(pk=no_contact.pk)
    assert (fresh.phone, fresh.phone_index) == (None, None)
    assert list(ContactRecord.objects.filter(phone__isnull=True)) == [fresh]


def test_the_same_value_encrypts_differently_each_time(db):
    assert encrypt_text(PHONE) != encrypt_text(PHONE)


@pytest.mark.parametrize(
    "typed",
    ["07700 900123", "+44 7700 900123", "+44 (0)7700 900123", "0044 7700-900-123", "447700900123"],
)
def test_a_victim_is_found_by_phone_however_the_number_is_typed(victim_contact, typed):
    found = ContactRecord.objects.get(phone_index=blind_index(typed, kind="phone"))
    assert found.pk == victim_contact.pk
    assert normalise_phone(typed) == "+447700900123"


def test_a_victim_is_found_by_email_whatever_the_case_and_spaces(victim_contact):
    found = ContactRecord.objects.get(
        email_index=blind_index("  vic.victim@EXAMPLE.ORG ", kind="email")
    )
    assert found.pk == victim_contact.pk


def test_the_blind_index_depends_on_its_own_key_and_on_the_kind(settings, db):
    before = blind_index(PHONE, kind="phone")
    assert len(before) == 64
    assert blind_index(PHONE, kind="phone") == before
    settings.BLIND_INDEX_KEY = "another-index-key"
    assert blind_index(PHONE, kind="phone") != before
    assert blind_index("07700900123", kind="email") != blind_index("07700900123", kind="phone")
    with pytest.raises(ValueError):
        blind_index(PHONE, kind="postcode")


def test_changing_the_phone_number_keeps_the_index_in_step(victim_contact):
    victim_contact.phone = "07700 900999"
    victim_contact.save()

    assert not ContactRecord.objects.filter(phone_index=blind_index(PHONE, kind="phone")).exists()
    assert (
        ContactRecord.objects.get(phone_index=blind_index("07700900999", kind="phone"))
        == victim_contact
    )


def test_filtering_on_the_encrypted_column_is_refused_with_a_clear_error(victim_contact):
    with pytest.raises(FieldError, match="blind index"):
        ContactRecord.objects.filter(phone=PHONE).exists()
    with pytest.raises(FieldError, match="blind index"):
        ContactRecord.objects.filter(email__icontains="victim").exists()


def test_rotating_the_key_re_encrypts_every_row_so_the_old_key_can_go(settings, db, capsys):
    key_a, key_b = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [key_a]
    first = ContactRecord.objects.create(label="one", phone=PHONE, email=EMAIL)
    second = ContactRecord.objects.create(label="two", phone="07700 900456")
    ContactRecord.objects.create(label="none")
    tokens_before = _raw_rows()

    settings.FIELD_ENCRYPTION_KEYS = [key_b, key_a]
    call_command("reencrypt_fields", "--batch-size", "2")

    assert "testapp.ContactRecord: 2 rows re-encrypted (2 fields)." in capsys.readouterr().out
    assert _raw_rows() != tokens_before
    settings.FIELD_ENCRYPTION_KEYS = [key_b]
    assert ContactRecord.objects.get(pk=first.pk).phone == PHONE
    assert ContactRecord.objects.get(pk=first.pk).email == EMAIL
    assert ContactRecord.objects.get(pk=second.pk).phone == "07700 900456"
    # Indexes are keyed separately, so they did not change.
    assert ContactRecord.objects.get(phone_index=blind_index(PHONE, kind="phone")) == first

    settings.FIELD_ENCRYPTION_KEYS = [key_a]
    with pytest.raises(DecryptionError):
        ContactRecord.objects.get(pk=first.pk)
