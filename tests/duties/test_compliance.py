"""Compliance figures: a small known month of duties and statements, counted per
right, borough and team, on the page, as CSV and from the command.

March 2026. Two crimes reported on Monday 2 March, one victim each:
- Hackney (PC Olivia Officer, Central East Response): the support referral and the
  VPS offer done on time by a call on the 3rd, the written confirmation done late
  by a letter on the 12th, the contact plan not applicable, the record and the
  needs assessment never done; a statement on the 3rd with a VPS made.
- Enfield (PC Nick North, North Response): nothing done; a statement on the 3rd
  with a VPS declined.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from victimcare.accounts.models import User
from victimcare.cases.constants import EnhancedReason, EventCode
from victimcare.cases.services import NeedsInput, VictimInput, event_record, needs_assessment_record
from victimcare.core import forms as core_forms
from victimcare.duties import messages
from victimcare.duties.compliance import ComplianceRow, compliance_figures
from victimcare.duties.constants import DutyState
from victimcare.duties.models import Duty
from victimcare.duties.services import duty_not_applicable

from ..conftest import stepped_up

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
MARCH = {"start": dt.date(2026, 3, 1), "end": dt.date(2026, 3, 31)}
LATER = dt.datetime(2026, 4, 15, 12, 0, tzinfo=LONDON)
PAGE = "/compliance/"
MARCH_QUERY = {
    "start-day": "1",
    "start-month": "3",
    "start-year": "2026",
    "end-day": "31",
    "end-month": "3",
    "end-year": "2026",
}


def london(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LONDON)


def _victim() -> VictimInput:
    return VictimInput(full_name="Test Victim", phone="07700 900003")


def _duty(crime, code: str) -> Duty:  # type: ignore[no-untyped-def]
    return Duty.objects.exclude(state=DutyState.REPLACED).get(crime=crime, rule__code=code)


@pytest.fixture
def march(make_crime, officer, other_officer):  # type: ignore[no-untyped-def]
    """The month described above; returns the two crimes (Hackney, Enfield)."""
    with time_machine.travel(london(2026, 3, 2, 10, 0), tick=False):
        hackney = make_crime(occurred_at=london(2026, 3, 2, 9, 0), victims=[_victim()])
        enfield = make_crime(
            actor=other_officer, occurred_at=london(2026, 3, 2, 9, 0), victims=[_victim()]
        )
    victim = hackney.victim_links.get().victim
    with time_machine.travel(london(2026, 3, 3, 12, 0), tick=False):
        for crime, actor, vps in ((hackney, officer, "made"), (enfield, other_officer, "declined")):
            event_record(
                actor=actor,
                crime=crime,
                code=EventCode.STATEMENT_TAKEN,
                occurred_at=london(2026, 3, 3, 10, 0),
                details={"vps": vps},
            )
        event_record(
            actor=officer,
            crime=hackney,
            code=EventCode.CONTACT_CALL,
            occurred_at=london(2026, 3, 3, 11, 0),
            victim=victim,
            fulfils=[
                _duty(hackney, "crime-reported-support-referral").pk,
                _duty(hackney, "statement-taken-offer-vps").pk,
            ],
        )
        duty_not_applicable(
            actor=officer,
            duty=_duty(hackney, "crime-reported-contact-plan"),
            reason="Plan agreed on a linked case",
        )
    with time_machine.travel(london(2026, 3, 12, 12, 0), tick=False):
        event_record(
            actor=officer,
            crime=hackney,
            code=EventCode.CONTACT_LETTER,
            occurred_at=london(2026, 3, 12, 11, 0),
            victim=victim,
            fulfils=[_duty(hackney, "crime-reported-written-confirmation").pk],
        )
    return hackney, enfield


def _counts(row: ComplianceRow) -> tuple[int, ...]:
    """(due, on time, late, overdue, still open, not applicable)."""
    return (
        row.due,
        row.done_on_time,
        row.done_late,
        row.overdue,
        row.still_open,
        row.not_applicable,
    )


def _vps(row: ComplianceRow) -> tuple[int, ...]:
    """(statements, made, declined, not offered, not recorded)."""
    return (
        row.vps_statements,
        row.vps_made,
        row.vps_declined,
        row.vps_not_offered,
        row.vps_not_recorded,
    )


def signed_in(user: User) -> Client:
    """A client signed in as `user` (second factor waived as for demo accounts)."""
    User.objects.filter(pk=user.pk).update(otp_exempt=True)
    user.refresh_from_db()
    client = Client()
    client.force_login(user)
    return client


# --- The figures --------------------------------------------------------------------


@pytest.mark.usefixtures("march")
def test_figures_per_right(analyst) -> None:
    figures = compliance_figures(user=analyst, group_by="right", now=LATER, **MARCH)

    by_key = {row.key: row for row in figures.rows}
    assert list(by_key) == ["2", "3", "4", "6", "7"]
    assert _counts(by_key["2"]) == (2, 0, 0, 2, 0, 0)
    assert _counts(by_key["3"]) == (2, 0, 1, 1, 0, 0)
    assert _counts(by_key["4"]) == (4, 1, 0, 3, 0, 0)
    assert _counts(by_key["6"]) == (2, 0, 0, 1, 0, 1)
    assert _counts(by_key["7"]) == (2, 1, 0, 1, 0, 0)
    assert [by_key[k].on_time_rate for k in ("2", "3", "4", "6", "7")] == [
        0.0,
        0.0,
        25.0,
        0.0,
        50.0,
    ]
    assert by_key["7"].label == "Right 7: To make a Victim Personal Statement"
    # The VPS figures sit on Right 7's row only.
    assert _vps(by_key["7"]) == (2, 1, 1, 0, 0)
    assert by_key["7"].vps_offered_rate == 100.0
    assert by_key["7"].vps_made_rate == 50.0
    assert all(row.vps_statements == 0 for key, row in by_key.items() if key != "7")
    assert _counts(figures.total) == (12, 2, 1, 8, 0, 1)
    assert figures.total.on_time_rate == 18.2  # 2 of 11 decided
    assert figures.scope == "Whole force"


@pytest.mark.usefixtures("march")
def test_figures_per_borough_and_per_team(analyst) -> None:
    boroughs = compliance_figures(user=analyst, group_by="borough", now=LATER, **MARCH)
    teams = compliance_figures(user=analyst, group_by="team", now=LATER, **MARCH)

    assert [(r.key, r.label) for r in boroughs.rows] == [
        ("E09000010", "Enfield"),
        ("E09000012", "Hackney"),
    ]
    enfield, hackney = boroughs.rows
    assert _counts(hackney) == (6, 2, 1, 2, 0, 1)
    assert hackney.on_time_rate == 40.0
    assert _vps(hackney) == (1, 1, 0, 0, 0)
    assert (hackney.vps_offered_rate, hackney.vps_made_rate) == (100.0, 100.0)
    assert _counts(enfield) == (6, 0, 0, 6, 0, 0)
    assert enfield.on_time_rate == 0.0
    assert _vps(enfield) == (1, 0, 1, 0, 0)
    assert (enfield.vps_offered_rate, enfield.vps_made_rate) == (100.0, 0.0)

    assert [(r.key, r.label) for r in teams.rows] == [
        ("team-ce-response", "Central East Response"),
        ("team-n-response", "North Response"),
    ]
    assert [_counts(r) for r in teams.rows] == [_counts(hackney), _counts(enfield)]
    assert [_vps(r) for r in teams.rows] == [_vps(hackney), _vps(enfield)]


@pytest.mark.usefixtures("march")
def test_owed_duties_are_overdue_only_once_their_deadline_has_passed(analyst) -> None:
    # At noon on Tuesday 3 March only the two 24-hour records are past due.
    figures = compliance_figures(
        user=analyst, group_by="right", now=london(2026, 3, 3, 12, 0), **MARCH
    )
    assert (figures.total.overdue, figures.total.still_open) == (2, 6)
    assert figures.total.due == 12


@pytest.mark.usefixtures("march")
def test_the_period_is_counted_in_london_days(analyst) -> None:
    # Every duty above is due from 3 to 9 March.
    first_days = compliance_figures(
        user=analyst,
        group_by="right",
        now=LATER,
        start=dt.date(2026, 3, 1),
        end=dt.date(2026, 3, 4),
    )
    assert first_days.total.due == 10  # all but the two written confirmations (9 March)
    last_day = compliance_figures(
        user=analyst,
        group_by="right",
        now=LATER,
        start=dt.date(2026, 3, 9),
        end=dt.date(2026, 3, 9),
    )
    assert _counts(last_day.total) == (2, 0, 1, 1, 0, 0)
    april = compliance_figures(
        user=analyst,
        group_by="right",
        now=LATER,
        start=dt.date(2026, 4, 1),
        end=dt.date(2026, 4, 30),
    )
    assert april.rows == []
    assert april.total.due == 0
    assert april.total.on_time_rate is None


def test_a_duty_replaced_by_a_tighter_deadline_counts_once(make_crime, officer, analyst) -> None:
    with time_machine.travel(london(2026, 3, 2, 15, 0), tick=False):
        crime = make_crime(occurred_at=london(2026, 3, 2, 9, 0), victims=[_victim()])
        event_record(
            actor=officer,
            crime=crime,
            code=EventCode.SUSPECT_ARRESTED,
            occurred_at=london(2026, 3, 2, 10, 0),
        )
        needs_assessment_record(
            actor=officer,
            victim=crime.victim_links.get().victim,
            crime=crime,
            needs=NeedsInput(enhanced=True, enhanced_reasons=[EnhancedReason.INTIMIDATED]),
        )
    arrested = Duty.objects.filter(crime=crime, rule__code="suspect-arrested-inform")
    assert sorted(arrested.values_list("state", flat=True)) == [DutyState.OPEN, DutyState.REPLACED]

    figures = compliance_figures(user=analyst, group_by="right", now=LATER, **MARCH)

    in_march = Duty.objects.filter(
        crime=crime, due_at__gte=london(2026, 3, 1), due_at__lt=london(2026, 4, 1)
    )
    assert figures.total.due == in_march.exclude(state=DutyState.REPLACED).count()
    assert figures.total.due == in_march.count() - 1


def test_vps_counts_corrections_once_and_statements_without_an_outcome(
    make_crime, officer, analyst
) -> None:
    with time_machine.travel(london(2026, 3, 10, 12, 0), tick=False):
        crime = make_crime(occurred_at=london(2026, 3, 9, 9, 0), victims=[_victim()])
        wrong, _ = event_record(
            actor=officer,
            crime=crime,
            code=EventCode.STATEMENT_TAKEN,
            occurred_at=london(2026, 3, 10, 9, 0),
            details={"vps": "not_offered"},
        )
        event_record(
            actor=officer,
            crime=crime,
            code=EventCode.STATEMENT_TAKEN,
            occurred_at=london(2026, 3, 10, 9, 0),
            details={"vps": "made"},
            supersedes=wrong,
        )
        event_record(
            actor=officer,
            crime=crime,
            code=EventCode.STATEMENT_TAKEN,
            occurred_at=london(2026, 3, 10, 10, 0),
        )

    figures = compliance_figures(user=analyst, group_by="team", now=LATER, **MARCH)

    [row] = figures.rows
    assert _vps(row) == (2, 1, 0, 0, 1)
    # The statement without an outcome is counted but outside the rates.
    assert (row.vps_offered_rate, row.vps_made_rate) == (100.0, 100.0)


def test_bad_choices_are_refused_by_the_selector(analyst) -> None:
    with pytest.raises(ValidationError) as reversed_period:
        compliance_figures(
            user=analyst, group_by="right", start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 1)
        )
    with pytest.raises(ValidationError) as too_long:
        compliance_figures(
            user=analyst, group_by="right", start=dt.date(2026, 1, 1), end=dt.date(2027, 1, 2)
        )
    with pytest.raises(ValidationError) as grouping:
        compliance_figures(user=analyst, group_by="officer", **MARCH)  # type: ignore[arg-type]

    assert reversed_period.value.message_dict == {"end": [messages.COMPLIANCE_END_BEFORE_START]}
    assert too_long.value.message_dict == {"end": [messages.COMPLIANCE_PERIOD_TOO_LONG]}
    assert grouping.value.message_dict == {"group_by": [messages.COMPLIANCE_GROUP_BY_INVALID]}
    # A leap year's 366 days, both ends included, is allowed.
    compliance_figures(
        user=analyst, group_by="right", start=dt.date(2028, 1, 1), end=dt.date(2028, 12, 31)
    )


# --- Who may see them --------------------------------------------------------------


@pytest.mark.usefixtures("march")
def test_a_supervisor_sees_only_their_own_organisation_and_below(supervisor) -> None:
    figures = compliance_figures(user=supervisor, group_by="team", now=LATER, **MARCH)

    assert [row.key for row in figures.rows] == ["team-ce-response"]
    assert _counts(figures.total) == (6, 2, 1, 2, 0, 1)
    assert _vps(figures.total) == (1, 1, 0, 0, 0)
    assert figures.scope == "Central East Response"


def test_officers_and_partners_may_not_see_the_figures(officer, witness_care_officer) -> None:
    for person in (officer, witness_care_officer):
        with pytest.raises(PermissionDenied):
            compliance_figures(user=person, group_by="right", **MARCH)


def test_the_page_is_not_found_for_an_officer(officer) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(officer)
    assert client.get(PAGE).status_code == 404
    assert client.get(PAGE + "figures.csv", {**MARCH_QUERY, "by": "right"}).status_code == 404


# --- The page and the CSV --------------------------------------------------------------


@pytest.mark.usefixtures("march")
def test_an_analyst_sees_the_figures_as_a_table_with_a_csv_link(analyst) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(analyst)
    assert "Compliance figures" in client.get(PAGE).content.decode()  # in the navigation

    response = client.get(PAGE, {**MARCH_QUERY, "by": "borough"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-table" in page
    assert "Hackney" in page and "Enfield" in page
    assert "40.0%" in page  # Hackney's on-time rate
    assert "18.2%" in page  # the total's
    assert "There is a problem" not in page
    assert (
        'href="/compliance/figures.csv?start-day=1&amp;start-month=3&amp;start-year=2026'
        '&amp;end-day=31&amp;end-month=3&amp;end-year=2026&amp;by=borough"'
    ) in page
    assert "Test Victim" not in page


@pytest.mark.usefixtures("march")
def test_the_csv_keeps_the_choices_and_holds_counts_only(analyst) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(analyst)

    with time_machine.travel(LATER, tick=False):
        stepped_up(client)
        response = client.get(PAGE + "figures.csv", {**MARCH_QUERY, "by": "team"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "vcop-compliance-20260301-20260331-by-team.csv" in response["Content-Disposition"]
    lines = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["key"], r["due"], r["done_on_time"], r["done_late"]) for r in lines] == [
        ("team-ce-response", "6", "2", "1"),
        ("team-n-response", "6", "0", "0"),
        ("", "12", "2", "1"),
    ]
    assert lines[0]["on_time_rate"] == "40.0"
    assert lines[1]["vps_declined"] == "1"
    assert lines[2]["label"] == "Total"
    assert {r["group_by"] for r in lines} == {"team"}
    assert "Test Victim" not in response.content.decode()


@pytest.mark.parametrize(
    ("query", "error"),
    [
        (
            {**MARCH_QUERY, "end-month": "2", "end-day": "1"},
            messages.COMPLIANCE_END_BEFORE_START,
        ),
        ({**MARCH_QUERY, "end-year": "2027"}, messages.COMPLIANCE_PERIOD_TOO_LONG),
        (
            {**MARCH_QUERY, "start-day": "31", "start-month": "2"},
            core_forms.ERROR_DATE_NOT_REAL.format(label="First day of the period"),
        ),
        (
            {**MARCH_QUERY, "end-day": ""},
            core_forms.ERROR_DATE_INCOMPLETE.format(label="Last day of the period", parts="day"),
        ),
        (
            {**MARCH_QUERY, "start-day": "", "start-month": "", "start-year": ""},
            messages.COMPLIANCE_START_REQUIRED,
        ),
    ],
)
def test_bad_dates_are_shown_in_an_error_summary(analyst, query, error) -> None:  # type: ignore[no-untyped-def]
    client = stepped_up(signed_in(analyst))

    response = client.get(PAGE, {**query, "by": "right"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert page.count(error.replace("'", "&#39;")) == 2  # in the summary and by the field
    assert "<title>Error:" in page
    assert "govuk-table" not in page
    # The CSV refuses the same choices.
    assert client.get(PAGE + "figures.csv", {**query, "by": "right"}).status_code == 400


def test_an_unknown_grouping_is_refused(analyst) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(analyst)
    page = client.get(PAGE, {**MARCH_QUERY, "by": "officer"}).content.decode()
    assert messages.COMPLIANCE_GROUP_BY_INVALID in page


# --- The command --------------------------------------------------------------------


@pytest.mark.usefixtures("march")
def test_the_command_prints_csv_and_json() -> None:
    out = StringIO()
    with time_machine.travel(LATER, tick=False):
        call_command(
            "duties", "compliance", "--from", "2026-03-01", "--to", "2026-03-31", stdout=out
        )
    lines = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [(r["key"], r["due"], r["overdue"]) for r in lines] == [
        ("2", "2", "2"),
        ("3", "2", "1"),
        ("4", "4", "3"),
        ("6", "2", "1"),
        ("7", "2", "1"),
        ("", "12", "8"),
    ]

    out = StringIO()
    with time_machine.travel(LATER, tick=False):
        call_command(
            "duties",
            "compliance",
            "--from",
            "2026-03-01",
            "--to",
            "2026-03-31",
            "--by",
            "borough",
            "--format",
            "json",
            stdout=out,
        )
    data = json.loads(out.getvalue())
    assert (data["start"], data["end"], data["group_by"]) == ("2026-03-01", "2026-03-31", "borough")
    assert [(r["key"], r["due"], r["on_time_rate"]) for r in data["rows"]] == [
        ("E09000010", 6, 0.0),
        ("E09000012", 6, 40.0),
    ]
    assert data["total"]["vps_offered_rate"] == 100.0
    assert data["total"]["vps_made_rate"] == 50.0


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--from", "2026-03-31", "--to", "2026-03-01"], messages.COMPLIANCE_END_BEFORE_START),
        (["--from", "2026-01-01", "--to", "2027-01-02"], messages.COMPLIANCE_PERIOD_TOO_LONG),
        (
            ["--from", "1 March", "--to", "2026-03-31"],
            messages.COMPLIANCE_DATE_INVALID.format(option="--from", value="1 March"),
        ),
    ],
)
def test_the_command_refuses_bad_periods(db, args, error) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CommandError) as refused:
        call_command("duties", "compliance", *args, stdout=StringIO())
    assert str(refused.value) == error
    assert refused.value.returncode == 2
