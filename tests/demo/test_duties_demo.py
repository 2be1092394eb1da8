"""`victimcare demo --crimes N` also writes the Victims' Code duties, as the services would have.

The demo builds duties without the ORM (steps/duties.py, a working-day table
instead of the calendar walk); these tests check its rows against the real
`duties` code: every deadline against `calendar.deadline_for`, every event's
duties against the rules in force and their conditions, and every state
against the timeline and the epoch.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection

from victimcare.accounts.models import User
from victimcare.cases.constants import CONTACT_EVENTS, CrimeStatus, EventCode, VictimRole
from victimcare.cases.models import Crime, CrimeVictim, JourneyEvent
from victimcare.demo.catalogue import demo_catalogue
from victimcare.demo.steps.crimes import STATUS_AFTER
from victimcare.duties.calendar import deadline_for
from victimcare.duties.conditions import conditions_hold
from victimcare.duties.constants import (
    REASON_INVESTIGATION_CLOSED,
    Clock,
    DeadlineKind,
    DutyState,
    Owner,
)
from victimcare.duties.models import Duty
from victimcare.duties.rules import rules_in_force
from victimcare.duties.selectors import team_duties, worklist_for_user
from victimcare.duties.services import (
    OWNER_KINDS,
    _victims_owed,
    case_facts,
    victim_enhanced,
)

pytestmark = pytest.mark.django_db

SCALE = "0.2"
N = 200
EPOCH = demo_catalogue(name="london").epoch


def demo(*args: str) -> None:
    call_command("demo", "--scale", SCALE, *args, stdout=StringIO(), stderr=StringIO())


def _duties() -> list[Duty]:
    return list(
        Duty.objects.select_related(
            "rule",
            "crime__offence",
            "crime__team",
            "victim",
            "event__recording_organisation",
            "completed_event",
            "owner_organisation",
            "previous",
        ).order_by("pk")
    )


def test_every_deadline_is_the_one_the_calendar_gives() -> None:
    demo("--seed", "2", "--crimes", str(N))
    duties = _duties()
    assert len(duties) > 5 * N

    kinds = Counter()
    for duty in duties:
        kind, amount = duty.rule.deadline(enhanced=duty.enhanced)
        assert (duty.deadline_kind, duty.deadline_amount) == (kind.value, amount)
        assert duty.due_at == deadline_for(started=duty.started_at, **{kind.value: amount})
        assert duty.enhanced == victim_enhanced(crime=duty.crime, victim=duty.victim)
        assert duty.right == duty.rule.right and duty.owner == duty.rule.owner
        kinds[kind] += 1
    assert set(kinds) == set(DeadlineKind)


def test_each_event_has_the_duties_its_rules_and_conditions_give() -> None:
    demo("--seed", "2", "--crimes", str(N))
    made: dict[int, set[tuple[int, int]]] = {}
    for event_id, rule_id, victim_id in Duty.objects.filter(previous__isnull=True).values_list(
        "event_id", "rule_id", "victim_id"
    ):
        made.setdefault(event_id, set()).add((rule_id, victim_id))

    checked = 0
    crimes = {c.pk: c for c in Crime.objects.select_related("offence", "team", "oic")}
    status: dict[int, str] = {}
    events = JourneyEvent.objects.select_related("recording_organisation", "victim").order_by(
        "crime_id", "occurred_at", "pk"
    )
    for event in events:
        crime = crimes[event.crime_id]
        # The case as it stood when the event was recorded: status before the event.
        crime.status = status.get(crime.pk, CrimeStatus.OPEN)
        if event.code in STATUS_AFTER:
            status[crime.pk] = STATUS_AFTER[EventCode(event.code)]
        expected: set[tuple[int, int]] = set()
        rule_set = rules_in_force(event.occurred_at)
        if rule_set is not None:
            facts = case_facts(crime=crime, event=event)
            rules = rule_set.rules.filter(trigger=event.code, retired=False)
            for victim in _victims_owed(crime=crime, event=event):
                expected |= {
                    (rule.pk, victim.pk)
                    for rule in rules
                    if conditions_hold(rule.conditions, facts) is True
                }
        assert made.get(event.pk, set()) == expected, (event.code, crime.crn)
        checked += bool(expected)
    assert checked > 3 * N


def test_owners_are_the_team_and_officer_or_the_partner_that_recorded_the_event() -> None:
    demo("--seed", "2", "--crimes", str(N))
    owners = Counter()
    for duty in _duties():
        owners[duty.owner] += 1
        if duty.owner == Owner.POLICE:
            assert duty.owner_organisation_id == duty.crime.team_id
            assert duty.assignee_id == duty.crime.oic_id
        else:
            assert duty.assignee_id is None
            assert duty.owner_organisation.kind == OWNER_KINDS[duty.owner]
            assert duty.owner_organisation_id == duty.event.recording_organisation_id
        if duty.rule.clock == Clock.RECEIVED:
            assert duty.started_at == duty.event.received_at
        elif duty.previous_id is None:
            assert duty.started_at == duty.event.occurred_at
    assert owners[Owner.POLICE] > owners[Owner.WCU] > 0


def test_states_agree_with_the_timeline_and_the_epoch() -> None:
    demo("--seed", "2", "--crimes", str(N))
    parents = {
        (link.crime_id, link.victim_id)
        for link in CrimeVictim.objects.filter(role=VictimRole.PARENT_OR_GUARDIAN)
    }
    states: Counter[str] = Counter()
    for duty in _duties():
        states[duty.state] += 1
        assert duty.replaced_by_id is None and duty.state != DutyState.REPLACED
        if duty.state == DutyState.DONE:
            contact = duty.completed_event
            assert contact is not None and contact.code in CONTACT_EVENTS
            assert contact.crime_id == duty.crime_id
            assert (
                contact.victim_id == duty.victim_id
                or (contact.crime_id, contact.victim_id) in parents
            )
            assert duty.completed_at == contact.occurred_at
            assert duty.completed_by_id == contact.recorded_by_id
            assert duty.started_at < duty.completed_at <= EPOCH
            assert duty.on_time == (duty.completed_at <= duty.due_at)
        else:
            assert duty.completed_event_id is None and duty.completed_at is None
        if duty.state == DutyState.OVERDUE:
            assert duty.due_at < EPOCH and duty.due_at < duty.overdue_at <= EPOCH
        if duty.state == DutyState.OPEN:
            assert duty.due_at >= EPOCH and duty.overdue_at is None
        if duty.state == DutyState.NOT_APPLICABLE:
            assert duty.closed_reason and duty.started_at < duty.closed_at <= EPOCH
        if duty.overdue_at is not None and duty.state != DutyState.OVERDUE:
            finished = duty.completed_at or duty.closed_at
            assert duty.due_at < duty.overdue_at < finished
        if duty.previous_id is not None:
            previous = duty.previous
            assert previous.state == DutyState.DONE and previous.rule_id == duty.rule_id
            assert duty.event_id == previous.completed_event_id
            assert duty.started_at == previous.completed_at
    assert states[DutyState.DONE] > states[DutyState.OVERDUE] > 0
    assert states[DutyState.OPEN] > 0 and states[DutyState.NOT_APPLICABLE] > 0
    on_time = Duty.objects.filter(state=DutyState.DONE, on_time=True).count()
    assert 0.6 < on_time / states[DutyState.DONE] < 0.98


def test_one_regular_update_chain_per_person_ending_when_the_investigation_does() -> None:
    demo("--seed", "2", "--crimes", str(N))
    cadence = Duty.objects.filter(deadline_kind=DeadlineKind.CADENCE_DAYS)
    owed = Counter(
        cadence.filter(state__in=[DutyState.OPEN, DutyState.OVERDUE]).values_list(
            "crime_id", "victim_id"
        )
    )
    assert owed and max(owed.values()) == 1
    starts = Counter(cadence.filter(previous__isnull=True).values_list("crime_id", "victim_id"))
    assert max(starts.values()) == 1
    closed = cadence.filter(closed_reason=REASON_INVESTIGATION_CLOSED)
    assert closed.exists()
    assert not closed.filter(crime__status=CrimeStatus.OPEN).exists()
    assert not cadence.filter(
        state__in=[DutyState.OPEN, DutyState.OVERDUE], crime__status=CrimeStatus.CLOSED
    ).exists()


def test_same_seed_gives_the_same_duties_after_a_reset() -> None:
    def dump() -> list[tuple[Any, ...]]:
        return sorted(
            Duty.objects.values_list(
                "crime__crn",
                "victim__crime_links__role",
                "event__code",
                "event__occurred_at",
                "rule__code",
                "owner_organisation__code",
                "assignee__email",
                "enhanced",
                "due_at",
                "state",
                "completed_at",
                "on_time",
                "closed_reason",
                "overdue_at",
            )
        )

    demo("--seed", "4", "--crimes", str(N))
    first = dump()
    demo("--seed", "4", "--crimes", str(N), "--reset")
    assert dump() == first and first
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_key_check")
            assert cursor.fetchall() == []


def test_the_demo_officer_and_supervisor_have_a_worklist_at_make_run_volume() -> None:
    demo("--seed", "1", "--crimes", "2000")
    officer = User.objects.get(email="officer@example.org")
    supervisor = User.objects.get(email="supervisor@example.org")

    rows = worklist_for_user(user=officer)
    states = Counter(d.state for d in rows)
    assert states[DutyState.OVERDUE] > 0 and states[DutyState.OPEN] > 0
    assert rows[0].state == DutyState.OVERDUE
    team = team_duties(user=supervisor, now=EPOCH)
    assert team.overdue_count > 0 and team.open_count > 0


def test_a_demo_made_for_today_has_deadlines_around_today() -> None:
    # `make run` passes --epoch today, so the worklist has duties due in the
    # coming days rather than a year ago.
    demo("--seed", "3", "--crimes", str(N), "--epoch", "2026-11-30")
    epoch = dt.datetime(2026, 11, 30, tzinfo=ZoneInfo("Europe/London"))
    latest = Crime.objects.order_by("-reported_at").values_list("reported_at", flat=True)[0]
    assert epoch - dt.timedelta(days=7) < latest <= epoch
    assert Duty.objects.filter(state=DutyState.OPEN, due_at__gt=epoch).exists()
    assert not Duty.objects.filter(state=DutyState.OPEN, due_at__lte=epoch).exists()


def test_an_epoch_that_is_not_a_date_is_refused() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not 'today' or a date"):
        demo("--seed", "3", "--crimes", "1", "--epoch", "next tuesday")
    assert not Crime.objects.exists()
