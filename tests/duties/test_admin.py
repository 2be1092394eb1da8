"""An administrator manages local closures and reviews the rules in the admin."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.core.test_audit_search import sign_in_with_second_factor
from victimcare.duties.calendar import is_working_day
from victimcare.duties.models import LocalClosure, Rule
from victimcare.duties.rules import ruleset_load

pytestmark = pytest.mark.django_db


def test_an_administrator_adds_a_local_closure(client, administrator) -> None:  # type: ignore[no-untyped-def]
    sign_in_with_second_factor(client, administrator)

    response = client.post(
        "/admin/duties/localclosure/add/", {"date": "2026-06-09", "reason": "Office move"}
    )

    assert response.status_code == 302
    closure = LocalClosure.objects.get()
    assert closure.created_by == administrator
    assert not is_working_day(dt.date(2026, 6, 9))


def test_the_rules_and_their_confirmation_flags_are_shown(client, administrator) -> None:  # type: ignore[no-untyped-def]
    rule_set = ruleset_load(path_or_name="vcop-2021")
    sign_in_with_second_factor(client, administrator)
    unconfirmed = Rule.objects.filter(confirmed=False).first()
    assert unconfirmed is not None

    assert client.get(f"/admin/duties/ruleset/{rule_set.pk}/change/").status_code == 200
    listing = client.get("/admin/duties/rule/?confirmed__exact=0")
    assert listing.status_code == 200
    assert unconfirmed.code in listing.content.decode()
    assert client.get(f"/admin/duties/rule/{unconfirmed.pk}/change/").status_code == 200


def test_an_officer_cannot_open_the_rules_admin(client, officer) -> None:  # type: ignore[no-untyped-def]
    sign_in_with_second_factor(client, officer)
    assert client.get("/admin/duties/rule/").status_code in {302, 403, 404}
