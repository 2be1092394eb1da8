"""The monthly rollups: computed from the raw rows, refreshed incrementally
(back-dated rows too), and provably equal to the raw data (`rollups_verify`)."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Sum

from tests.duties.test_compliance import LATER, MARCH, march  # noqa: F401 - a fixture
from tests.referrals.conftest import make_referral, make_service  # noqa: F401 - fixtures
from victimcare.cases.constants import EventCode
from victimcare.duties.compliance import compliance_figures
from victimcare.feedback.constants import InvitationChannel
from victimcare.feedback.models import Invitation, Response
from victimcare.insights.constants import NOT_KNOWN, ContactType, Dimension, Source
from victimcare.insights.models import (
    ComplianceMonthly,
    RollupState,
    SatisfactionMonthly,
    StatementMonthly,
    SurveyImport,
    SurveyResponse,
)
from victimcare.insights.rollups import month_add, month_runs, rollups_refresh
from victimcare.insights.rollups_verify import rollups_verify

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=LONDON)
_tokens = itertools.count(1)


def rate(officer, *, rating: int, when: dt.datetime, crime=None, event=None, **answers):  # type: ignore[no-untyped-def]
    invitation = Invitation.objects.create(
        token_hash=f"{next(_tokens):064d}",
        channel=InvitationChannel.CARD if crime is None else InvitationChannel.QR,
        officer=officer,
        crime=crime,
        contact_event=event,
        expires_at=when + dt.timedelta(days=14),
        created_at=when,
    )
    return Response.objects.create(invitation=invitation, rating=rating, created_at=when, **answers)


def cells(dimension: str, **filters) -> dict[str, tuple[int, ...]]:  # type: ignore[no-untyped-def]
    rows = SatisfactionMonthly.objects.filter(dimension=dimension, **filters)
    out: dict[str, tuple[int, ...]] = {}
    for value in rows.values_list("value", flat=True).distinct():
        sums = rows.filter(value=value).aggregate(*(Sum(f"r{r}") for r in range(1, 6)))
        out[value] = tuple(sums[f"r{r}__sum"] for r in range(1, 6))
    return out


def test_month_runs_split_at_gaps() -> None:
    months = [dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2022, 5, 1), dt.date(2026, 4, 1)]
    assert month_runs(months) == [
        {dt.date(2022, 5, 1)},
        {dt.date(2026, 1, 1), dt.date(2026, 2, 1)},
        {dt.date(2026, 4, 1)},
    ]
    assert month_add(dt.date(2026, 12, 1), 1) == dt.date(2027, 1, 1)
    assert month_add(dt.date(2026, 1, 1), -13) == dt.date(2024, 12, 1)


def test_feedback_is_counted_per_month_borough_and_each_dimension(
    make_crime, officer, areas
) -> None:  # type: ignore[no-untyped-def]
    crime = make_crime()
    visit = crime.events.create(
        code=EventCode.CONTACT_VISIT,
        occurred_at=NOW,
        received_at=NOW,
        recorded_by=officer,
        recording_organisation=officer.organisation,
    )
    october = dt.datetime(2026, 10, 31, 23, 30, tzinfo=LONDON)  # London's October
    rate(officer, rating=5, when=october, crime=crime, event=visit, ethnicity="black")
    rate(officer, rating=4, when=october, crime=crime, ethnicity="white", age_band="under_16")
    rate(officer, rating=1, when=october, crime=crime, ethnicity="black")
    rate(officer, rating=2, when=october)  # a personal card: no crime, no borough
    rate(officer, rating=3, when=NOW, crime=crime, needs_recognised="no")

    rollups_refresh(full=True, now=NOW)

    october_1 = dt.date(2026, 10, 1)
    assert cells(Dimension.ALL, month=october_1, area=areas["central_east"]) == {
        "all": (1, 0, 0, 1, 1)
    }
    assert cells(Dimension.ALL, month=october_1, area=None) == {"all": (0, 1, 0, 0, 0)}
    assert cells(Dimension.ETHNICITY, month=october_1) == {
        "black": (1, 0, 0, 0, 1),
        "white": (0, 0, 0, 1, 0),
        NOT_KNOWN: (0, 1, 0, 0, 0),
    }
    assert cells(Dimension.AGE_BAND, month=october_1)["under_16"] == (0, 0, 0, 1, 0)
    assert cells(Dimension.CONTACT_TYPE, month=october_1) == {
        ContactType.VISIT: (0, 0, 0, 0, 1),
        ContactType.REPORT: (1, 0, 0, 1, 0),
        ContactType.STREET: (0, 1, 0, 0, 0),
    }
    assert cells(Dimension.OFFENCE_GROUP, month=october_1)[crime.offence.group] == (1, 0, 0, 1, 1)
    assert cells(Dimension.NEEDS_RECOGNISED, month=dt.date(2026, 11, 1)) == {"no": (0, 0, 1, 0, 0)}
    # Every dimension partitions the same responses.
    for dimension in Dimension:
        assert sum(map(sum, cells(dimension).values())) == 5
    assert rollups_verify(now=NOW) == []


def test_an_incremental_refresh_catches_back_dated_rows_and_verify_sees_the_gap(
    make_crime, officer
) -> None:  # type: ignore[no-untyped-def]
    crime = make_crime()
    rate(officer, rating=4, when=NOW, crime=crime)
    rollups_refresh(now=NOW)
    assert rollups_verify(now=NOW) == []

    long_ago = dt.datetime(2023, 2, 10, 9, 0, tzinfo=LONDON)
    rate(officer, rating=2, when=long_ago, crime=crime)
    problems = rollups_verify(now=NOW)
    assert [(p.rollup, p.key[0], p.stored, p.raw) for p in problems if p.key[3] == "all"] == [
        ("satisfaction", dt.date(2023, 2, 1), None, (0, 1, 0, 0, 0))
    ]

    result = rollups_refresh(now=NOW)
    assert dt.date(2023, 2, 1) in result.satisfaction_months
    assert dt.date(2024, 1, 1) not in result.satisfaction_months
    assert rollups_verify(now=NOW) == []
    assert (
        RollupState.objects.get(name="satisfaction").watermark == Response.objects.latest("pk").pk
    )


def test_survey_responses_are_their_own_source(areas, analyst) -> None:  # type: ignore[no-untyped-def]
    upload = SurveyImport.objects.create(survey="uss", filename="q3.csv", sha256="0" * 64)
    for number, (rating, ethnicity) in enumerate([(5, "asian"), (2, "asian"), (4, "white")]):
        SurveyResponse.objects.create(
            survey_import=upload,
            survey="uss",
            respondent_id=f"R{number}",
            interviewed_on=dt.date(2026, 8, 14),
            area=areas["north"],
            offence_group="burglary",
            contact_type="visit",
            age_band="25_34",
            ethnicity=ethnicity,
            disability=NOT_KNOWN,
            needs_recognised="yes",
            rating=rating,
        )
    rollups_refresh(months=[dt.date(2026, 8, 1)], now=NOW)
    assert cells(Dimension.ETHNICITY, source=Source.SURVEY, area=areas["north"]) == {
        "asian": (0, 1, 0, 0, 1),
        "white": (0, 0, 0, 1, 0),
    }
    assert not SatisfactionMonthly.objects.filter(source=Source.FEEDBACK).exists()
    assert rollups_verify(now=NOW) == []


def test_compliance_and_statements_match_the_compliance_figures(
    march,  # noqa: F811
    analyst,
) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(LATER, tick=False):
        call_command("insights", "refresh", "--full")
        figures = compliance_figures(user=analyst, group_by="right", **MARCH)
        assert rollups_verify(now=LATER) == []
    march_1 = dt.date(2026, 3, 1)
    stored = ComplianceMonthly.objects.filter(month=march_1)
    by_right = {row.key: row for row in figures.rows}
    for right in stored.values_list("right", flat=True).distinct():
        sums = stored.filter(right=right).aggregate(
            *(Sum(n) for n in ("due", "on_time", "late", "overdue", "still_open", "not_applicable"))
        )
        row = by_right[str(right)]
        assert (
            sums["due__sum"],
            sums["on_time__sum"],
            sums["late__sum"],
            sums["overdue__sum"],
            sums["still_open__sum"],
            sums["not_applicable__sum"],
        ) == (
            row.due,
            row.done_on_time,
            row.done_late,
            row.overdue,
            row.still_open,
            row.not_applicable,
        )
    assert figures.total.due > 0
    statements = StatementMonthly.objects.filter(month=march_1).aggregate(
        made=Sum("made"), declined=Sum("declined")
    )
    assert statements == {"made": 1, "declined": 1}


def test_an_import_stuck_being_checked_is_rejected_for_a_person_to_see(analyst) -> None:  # type: ignore[no-untyped-def]
    from victimcare.insights.constants import SurveyImportState
    from victimcare.insights.imports import IMPORT_FAILED
    from victimcare.insights.jobs import insights_survey_imports_sweep

    stuck = SurveyImport.objects.create(
        survey="uss",
        filename="big.csv",
        sha256="1" * 64,
        state=SurveyImportState.CHECKING,
        started_at=NOW - dt.timedelta(hours=2),
        uploaded_by=analyst,
    )
    busy = SurveyImport.objects.create(
        survey="uss",
        filename="other.csv",
        sha256="2" * 64,
        state=SurveyImportState.CHECKING,
        started_at=NOW - dt.timedelta(minutes=10),
    )
    assert insights_survey_imports_sweep(now=NOW) == 1
    stuck.refresh_from_db()
    busy.refresh_from_db()
    assert stuck.state == SurveyImportState.REJECTED
    assert stuck.errors == [{"row": 1, "column": "", "message": IMPORT_FAILED}]
    assert busy.state == SurveyImportState.CHECKING
    assert insights_survey_imports_sweep(now=NOW) == 0


def test_referrals_are_counted_per_month_and_borough(
    make_referral,  # noqa: F811
    areas,
) -> None:  # type: ignore[no-untyped-def]
    from victimcare.insights.models import ReferralMonthly

    sent = NOW - dt.timedelta(days=3)
    on_time = make_referral()
    late = make_referral()
    type(late).objects.filter(pk=on_time.pk).update(sent_at=sent)
    type(late).objects.filter(pk=late.pk).update(
        sent_at=sent, within_deadline=False, complete_first_time=False
    )
    rollups_refresh(now=NOW)
    november = ReferralMonthly.objects.get(month=dt.date(2026, 11, 1))
    assert (november.area, november.sent, november.within_deadline) == (areas["central_east"], 2, 1)
    assert november.complete_first_time == 1
    assert rollups_verify(now=NOW) == []
