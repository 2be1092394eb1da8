"""An administrator searches the audit log: "who looked at this victim?"."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from victimcare.accounts.models import User
from victimcare.core.audit import audit_record, audit_verify
from victimcare.core.constants import AuditAction
from victimcare.core.forms import (
    ERROR_ACTOR_UNKNOWN,
    ERROR_DATE_INCOMPLETE,
    ERROR_DATE_NOT_REAL,
    ERROR_DATE_ORDER,
)
from victimcare.core.models import AuditEvent
from victimcare.core.views import PAGE_SIZE

URL = "/audit/"
VICTIM = {"subject_type": "cases.victim", "subject_id": 42}


def sign_in_with_second_factor(client: Client, user: User) -> None:
    """Signed in as `user` with a confirmed TOTP device verified in this session."""
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture
def admin_client(client, administrator) -> Client:  # type: ignore[no-untyped-def]
    sign_in_with_second_factor(client, administrator)
    return client


def _search(client: Client, **fields: str) -> tuple[str, object]:
    """POST the form and follow the redirect; returns the results URL and response."""
    posted = client.post(URL, fields)
    assert posted.status_code == 302, posted.content.decode()[:2000]
    return posted["Location"], client.get(posted["Location"])


def test_an_administrator_finds_who_looked_at_a_victim_and_the_search_is_recorded(
    admin_client, administrator, officer, supervisor
):
    audit_record(
        action=AuditAction.VIEW, actor=officer, purpose="Call back about the court date", **VICTIM
    )
    audit_record(action=AuditAction.VIEW, actor=supervisor, **VICTIM)
    audit_record(action=AuditAction.VIEW, actor=officer, subject_type="cases.victim", subject_id=7)

    results_url, response = _search(admin_client, subject_type="cases.victim", subject_id="42")

    assert response.status_code == 200
    page = response.content.decode()
    assert "2 entries found" in page
    assert "Olivia Officer" in page and "Sam Supervisor" in page
    assert "Call back about the court date" in page
    assert page.index("Sam Supervisor") < page.index("Olivia Officer"), "newest first"
    assert '<caption class="govuk-table__caption' in page
    # The search terms are not in the URL; only an opaque token is.
    assert re.fullmatch(r"/audit/\?search=[A-Za-z0-9_-]+", results_url)
    assert "no-store" in response["Cache-Control"]

    search = AuditEvent.objects.filter(action=AuditAction.SEARCH).get()
    assert search.actor_id == administrator.pk
    assert search.object_type == "core.auditevent"
    assert (search.subject_type, search.subject_id) == ("cases.victim", "42")
    assert search.detail["criteria"] == {"subject_type": "cases.victim", "subject_id": "42"}
    assert audit_verify().ok


def test_searching_by_a_staff_email_keeps_the_email_out_of_urls_and_the_log(
    admin_client, officer, supervisor
):
    audit_record(action=AuditAction.VIEW, actor=officer, **VICTIM)
    audit_record(action=AuditAction.VIEW, actor=supervisor, **VICTIM)

    results_url, response = _search(admin_client, actor_email="Olivia.Officer@example.org")

    page = response.content.decode()
    assert "1 entry found" in page
    assert 'value="Olivia.Officer@example.org"' in page, "the form keeps what was typed"
    assert "example.org" not in results_url
    search = AuditEvent.objects.get(action=AuditAction.SEARCH)
    assert search.detail["criteria"] == {"actor_id": officer.pk}
    assert "example.org" not in str(search.detail)


def test_results_are_paginated_fifty_at_a_time(admin_client, officer):
    for n in range(PAGE_SIZE + 5):
        audit_record(
            action=AuditAction.VIEW, actor=officer, subject_type="cases.victim", subject_id=n
        )

    results_url, first = _search(admin_client, actor_email="olivia.officer@example.org")
    second = admin_client.get(results_url + "&page=2")

    assert "55 entries found" in first.content.decode()
    assert 'class="govuk-pagination' in first.content.decode()
    assert first.content.decode().count('<tr class="govuk-table__row">') == PAGE_SIZE + 1
    assert second.content.decode().count('<tr class="govuk-table__row">') == 5 + 1
    pages = AuditEvent.objects.filter(action=AuditAction.SEARCH).values_list(
        "detail__page", flat=True
    )
    assert sorted(pages) == [1, 2]


def test_an_invalid_date_and_an_unknown_email_show_the_error_summary_and_keep_the_input(
    admin_client,
):
    response = admin_client.post(
        URL,
        {
            "actor_email": "nobody@example.org",
            "date_from-day": "31",
            "date_from-month": "2",
            "date_from-year": "2026",
            "date_to-day": "",
            "date_to-month": "3",
            "date_to-year": "2026",
        },
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>Error: " in page
    assert "govuk-error-summary" in page
    assert ERROR_ACTOR_UNKNOWN in page
    assert ERROR_DATE_NOT_REAL.format(label="Date from") in page
    assert ERROR_DATE_INCOMPLETE.format(label="Date to", parts="day") in page
    assert 'href="#date_from-day"' in page
    assert 'value="nobody@example.org"' in page
    assert 'value="31"' in page
    assert not AuditEvent.objects.filter(action=AuditAction.SEARCH).exists()


def test_date_to_before_date_from_is_refused(admin_client):
    response = admin_client.post(
        URL,
        {
            "date_from-day": "2",
            "date_from-month": "3",
            "date_from-year": "2026",
            "date_to-day": "1",
            "date_to-month": "3",
            "date_to-year": "2026",
        },
    )
    assert ERROR_DATE_ORDER in response.content.decode()


def test_dates_are_whole_days_in_london_time(admin_client, officer, time_machine):
    time_machine.move_to(
        dt.datetime(2026, 6, 1, 23, 30, tzinfo=dt.UTC)
    )  # 00:30 on 2 June in London
    audit_record(action=AuditAction.VIEW, actor=officer, **VICTIM)

    _, june_2 = _search(
        admin_client, **{"date_from-day": "2", "date_from-month": "6", "date_from-year": "2026"}
    )
    _, june_1 = _search(
        admin_client, **{"date_to-day": "1", "date_to-month": "6", "date_to-year": "2026"}
    )

    assert "1 entry found" in june_2.content.decode()
    assert "0 entries found" in june_1.content.decode()


@pytest.mark.parametrize("persona", ["officer", "supervisor", "desk_agent", "analyst"])
def test_anyone_but_an_administrator_gets_not_found(client, persona, request):
    person = request.getfixturevalue(persona)
    sign_in_with_second_factor(client, person)

    assert client.get(URL).status_code == 404
    assert client.post(URL, {"subject_type": "cases.victim", "subject_id": "42"}).status_code == 404
    refused = AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED, actor_id=person.pk)
    assert refused.count() == 2


def test_a_visitor_who_is_not_signed_in_gets_not_found(client, db):
    assert client.get(URL).status_code == 404


def test_a_token_from_someone_elses_session_shows_nothing(admin_client, client, officer):
    results_url, _ = _search(admin_client, subject_type="cases.victim", subject_id="42")
    other = Client()
    sign_in_with_second_factor(other, User.objects.get(role="administrator"))
    page = other.get(results_url).content.decode()
    assert "found" not in page
