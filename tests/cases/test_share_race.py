"""Two first shares of one crime with one organisation at the same moment (a page and
a partner system) both succeed, and there is one share: the second waits on the
crime's row and finds the first's, instead of meeting the unique constraint (a 500)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from victimcare.cases.models import CaseShare
from victimcare.cases.services import case_share

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrent writers need PostgreSQL (SQLite serialises them anyway)",
    ),
]


def test_two_first_shares_at_once_make_one_share(make_crime, officer, orgs):
    crime = make_crime()
    start = threading.Barrier(2)
    outcomes: list[object] = []

    def share() -> None:
        try:
            start.wait(timeout=10)
            outcomes.append(case_share(actor=officer, crime=crime, organisation=orgs["wcu"]).pk)
        except Exception as exc:  # noqa: BLE001 - the outcome is the assertion
            outcomes.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=share) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    shares = list(CaseShare.objects.filter(crime=crime, organisation=orgs["wcu"]))
    assert len(shares) == 1
    assert outcomes == [shares[0].pk, shares[0].pk]
