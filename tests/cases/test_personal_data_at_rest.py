"""The database never holds a victim's name, phone, email or code word in clear text."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from victimcare.cases.models import Victim
from victimcare.cases.services import VictimInput
from victimcare.core.crypto import blind_index

pytestmark = pytest.mark.django_db

NAME = "Zofia Testowska"
PHONE_TYPED = "07700 900777"
PHONE_DIGITS = "7700900777"
EMAIL = "zofia.testowska@example.org"


def test_the_raw_victim_row_holds_no_personal_data_in_clear(make_crime):
    crime = make_crime(
        victims=[
            VictimInput(
                full_name=NAME,
                phone=PHONE_TYPED,
                email=EMAIL,
                address="1 Example Street, London",
                date_of_birth=dt.date(1985, 2, 3),
                code_word="marigold",
            )
        ]
    )
    victim = crime.victim_links.get().victim
    table = Victim._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [victim.pk])  # noqa: S608
        raw = " ".join(str(value) for value in cursor.fetchone())

    for secret in (
        NAME,
        "Testowska",
        PHONE_DIGITS,
        EMAIL,
        "example.org",
        "Example Street",
        "1985-02-03",
        "marigold",
    ):
        assert secret.lower() not in raw.lower(), secret
    # Exact look-ups still work through blind indexes, and the model decrypts.
    assert Victim.objects.get(name_index=blind_index(NAME, kind="name")) == victim
    assert Victim.objects.get(phone_index=blind_index("+447700900777", kind="phone")) == victim
    assert Victim.objects.get(email_index=blind_index(EMAIL.upper(), kind="email")) == victim
    assert victim.phone == "+447700900777"
    assert Victim.objects.get(pk=victim.pk).full_name == NAME
