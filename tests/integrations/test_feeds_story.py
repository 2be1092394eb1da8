"""Issue 10's story: a court feed silent for two working days raises an alert
and flags its open cases; hearing from it again ends the outage."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from victimcare.accounts.constants import Role
from victimcare.cases.constants import CrimeOutcome, EventCode
from victimcare.cases.services import VictimInput, case_share, event_record
from victimcare.core.constants import AuditAction
from victimcare.core.models import AuditEvent
from victimcare.duties.calendar import LONDON
from victimcare.integrations.constants import Rhythm
from victimcare.integrations.feeds_sweep import EMAIL_SUBJECT, EMAIL_TEMPLATE, feeds_sweep
from victimcare.integrations.models import Feed, FeedOutage
from victimcare.messaging.constants import TaskKind, TaskState
from victimcare.messaging.models import ContactTask, OutboundMessage

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


def london(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LONDON)


def _victim() -> VictimInput:
    return VictimInput(full_name="Test Victim", phone="07700 900001")


@pytest.fixture
def court_clerk(orgs):  # type: ignore[no-untyped-def]
    """Cora Court, whose case system sends the court's results."""
    return UserFactory(
        organisation=orgs["court"],
        role=Role.PARTNER_CASEWORKER,
        email="cora.court@example.org",
        full_name="Cora Court",
    )


@pytest.fixture
def oversight_admin(orgs):  # type: ignore[no-untyped-def]
    return UserFactory(
        organisation=orgs["oversight"],
        role=Role.ADMINISTRATOR,
        email="otto.oversight@example.org",
        full_name="Otto Oversight",
    )


@pytest.fixture
def wcu_supervisor(orgs):  # type: ignore[no-untyped-def]
    return UserFactory(
        organisation=orgs["wcu"],
        role=Role.SUPERVISOR,
        email="wanda.wcu@example.org",
        full_name="Wanda Wcu",
    )


def _hearing(actor, crime, when: dt.datetime, key: str = "") -> None:  # type: ignore[no-untyped-def]
    event_record(
        actor=actor,
        crime=crime,
        code=EventCode.HEARING_SCHEDULED,
        occurred_at=when,
        details={"hearing_at": "2026-06-01T10:00:00+01:00", "court": "Example Court"},
        idempotency_key=key or None,
    )


def _feed_tasks() -> list[ContactTask]:
    return list(ContactTask.objects.filter(kind=TaskKind.FEED_CHECK).order_by("crime_id"))


def test_a_court_feed_silent_for_two_working_days_raises_an_alert_and_flags_its_open_cases(
    make_crime,
    officer,
    other_officer,
    orgs,
    court_clerk,
    analyst,
    oversight_admin,
    administrator,
):
    monday = london(2026, 5, 11, 10, 0)
    with time_machine.travel(london(2026, 5, 4, 9, 0), tick=False):  # created the week before
        feed = Feed.objects.create(
            organisation=orgs["court"],
            name="Court results",
            event_codes=[EventCode.HEARING_SCHEDULED, EventCode.VERDICT, EventCode.SENTENCED],
            rhythm=Rhythm.WORKING_DAY,
            tolerance=2,
        )
    with time_machine.travel(monday, tick=False):
        involved = make_crime(occurred_at=london(2026, 5, 1, 12, 0), victims=[_victim()])
        shared_only = make_crime(occurred_at=london(2026, 5, 1, 12, 0), victims=[_victim()])
        closed = make_crime(occurred_at=london(2026, 5, 1, 12, 0), victims=[_victim()])
        uninvolved = make_crime(
            actor=other_officer, occurred_at=london(2026, 5, 1, 12, 0), victims=[_victim()]
        )
        for crime in (involved, shared_only, closed):
            case_share(actor=officer, crime=crime, organisation=orgs["court"])
        # The court's system posts a hearing date, and retries it after a timeout.
        _hearing(court_clerk, involved, monday, key="court-hearing-1")
        _hearing(court_clerk, involved, monday, key="court-hearing-1")
        event_record(
            actor=officer,
            crime=closed,
            code=EventCode.CASE_CLOSED,
            occurred_at=monday,
            details={"outcome": CrimeOutcome.NO_SUSPECT},
        )

    feed.refresh_from_db()
    assert feed.last_received_at == monday
    # Heard on Monday: Tuesday and Wednesday may pass quietly.
    with time_machine.travel(london(2026, 5, 13, 23, 59), tick=False):
        assert feeds_sweep() == []
    assert not FeedOutage.objects.exists()

    with time_machine.travel(london(2026, 5, 14, 0, 0), tick=False):  # Thursday
        opened = feeds_sweep()

    assert len(opened) == 1
    outage = FeedOutage.objects.get()
    assert outage.feed == feed
    assert outage.silent_since == monday
    assert outage.resolved_at is None
    assert outage.cases_flagged == 2

    # One FEED_CHECK task per open crime the court is involved with, for the
    # officer in the case; none for the closed or the uninvolved crime.
    tasks = _feed_tasks()
    assert [t.crime_id for t in tasks] == [involved.pk, shared_only.pk]
    assert {t.assignee_id for t in tasks} == {officer.pk}
    assert all(t.state == TaskState.OPEN and "Court results" in t.reason for t in tasks)
    assert not ContactTask.objects.filter(crime__in=[closed, uninvolved]).exists()

    # The oversight body's analysts and administrators and the court (which has
    # no supervisors: its caseworkers) are emailed; the force's administrator is not.
    emails = OutboundMessage.objects.filter(template_code=EMAIL_TEMPLATE)
    assert sorted(emails.values_list("recipient", flat=True)) == sorted(
        [analyst.email, oversight_admin.email, court_clerk.email]
    )
    email = emails.first()
    assert email is not None
    assert email.subject == EMAIL_SUBJECT.format(feed="Court results")
    assert "Mon 11 May 2026 at 10:00" in email.body
    assert "2 open cases" in email.body
    assert f"/integrations/feeds/{feed.pk}/" in email.body
    for crime in (involved, shared_only):
        assert crime.crn not in email.body
    assert "Test Victim" not in email.body
    assert administrator.email not in emails.values_list("recipient", flat=True)

    entry = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="integrations.feedoutage")
    assert entry.detail == {"feed": feed.pk, "cases_flagged": 2, "people_told": 3}

    # A second sweep (or a second scheduler) adds nothing.
    with time_machine.travel(london(2026, 5, 14, 0, 15), tick=False):
        assert feeds_sweep() == []
    assert FeedOutage.objects.count() == 1
    assert len(_feed_tasks()) == 2
    assert emails.count() == 3

    # The court's system is back: the outage is resolved.
    friday = london(2026, 5, 15, 9, 30)
    with time_machine.travel(friday, tick=False):
        _hearing(court_clerk, shared_only, friday)
    outage.refresh_from_db()
    assert outage.resolved_at == friday
    feed.refresh_from_db()
    assert feed.last_received_at == friday
    with time_machine.travel(london(2026, 5, 15, 23, 0), tick=False):
        assert feeds_sweep() == []


def test_a_feed_is_silent_again_after_it_came_back_and_went_quiet_again(
    make_crime, officer, orgs, court_clerk
):
    with time_machine.travel(london(2026, 5, 11, 10, 0), tick=False):
        feed = Feed.objects.create(organisation=orgs["court"], name="Court results", tolerance=1)
        crime = make_crime(occurred_at=london(2026, 5, 1, 12, 0), victims=[_victim()])
        case_share(actor=officer, crime=crime, organisation=orgs["court"])
    with time_machine.travel(london(2026, 5, 13, 0, 0), tick=False):
        assert len(feeds_sweep()) == 1
    with time_machine.travel(london(2026, 5, 13, 11, 0), tick=False):
        _hearing(court_clerk, crime, london(2026, 5, 13, 11, 0))
    with time_machine.travel(london(2026, 5, 15, 0, 0), tick=False):
        second = feeds_sweep()
    assert len(second) == 1
    assert FeedOutage.objects.filter(feed=feed).count() == 2
    assert FeedOutage.objects.filter(feed=feed, resolved_at__isnull=True).count() == 1
    # The case's FEED_CHECK task from the first outage is still open: it is the flag.
    assert len(_feed_tasks()) == 1
    assert second[0].cases_flagged == 1


def test_a_witness_care_feed_flags_cases_where_it_still_owes_a_duty_and_tells_its_supervisors(
    make_crime, officer, orgs, court_clerk, witness_care_officer, wcu_supervisor, analyst
):
    with time_machine.travel(london(2026, 5, 11, 10, 0), tick=False):
        feed = Feed.objects.create(organisation=orgs["wcu"], name="WCU case system")
        crime = make_crime(occurred_at=london(2026, 5, 1, 12, 0), victims=[_victim()])
        case_share(actor=officer, crime=crime, organisation=orgs["court"])
        case_share(actor=officer, crime=crime, organisation=orgs["wcu"])
        _hearing(court_clerk, crime, london(2026, 5, 11, 10, 0))
    # Not shared with the WCU any more, but the WCU still owes the hearing duty.
    crime.shares.filter(organisation=orgs["wcu"]).delete()
    assert crime.duties.filter(owner_organisation=orgs["wcu"], state="open").exists()

    with time_machine.travel(london(2026, 5, 14, 0, 0), tick=False):
        (outage,) = feeds_sweep()
    assert outage.feed == feed
    assert outage.cases_flagged == 1
    assert [t.crime_id for t in _feed_tasks()] == [crime.pk]
    recipients = set(
        OutboundMessage.objects.filter(template_code=EMAIL_TEMPLATE).values_list(
            "recipient", flat=True
        )
    )
    # The WCU has a supervisor: she is told, its caseworkers are not.
    assert recipients == {analyst.email, wcu_supervisor.email}
    assert witness_care_officer.email not in recipients


def test_an_event_the_feed_does_not_carry_or_from_another_organisation_is_not_heard(
    make_crime, officer, orgs, court_clerk
):
    with time_machine.travel(london(2026, 5, 11, 9, 0), tick=False):
        verdicts = Feed.objects.create(
            organisation=orgs["court"], name="Verdicts", event_codes=[EventCode.VERDICT]
        )
        anything = Feed.objects.create(organisation=orgs["court"], name="Anything")
        paused = Feed.objects.create(organisation=orgs["court"], name="Paused", active=False)
        police = Feed.objects.create(organisation=orgs["wcu"], name="WCU system")
        crime = make_crime(occurred_at=london(2026, 5, 1, 12, 0), victims=[_victim()])
        case_share(actor=officer, crime=crime, organisation=orgs["court"])
        _hearing(court_clerk, crime, london(2026, 5, 11, 9, 0))

    for feed in (verdicts, anything, paused, police):
        feed.refresh_from_db()
    assert anything.last_received_at == london(2026, 5, 11, 9, 0)
    assert verdicts.last_received_at is None
    assert paused.last_received_at is None
    assert police.last_received_at is None


def test_an_inactive_feed_is_never_in_outage(orgs):
    with time_machine.travel(london(2026, 1, 5, 9, 0), tick=False):
        Feed.objects.create(organisation=orgs["court"], name="Old feed", active=False)
    with time_machine.travel(london(2026, 5, 14, 0, 0), tick=False):
        assert feeds_sweep() == []
