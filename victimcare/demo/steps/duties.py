"""The Victims' Code duties of the demo crimes, built with the crimes (steps/crimes.py).

Not a step of its own: a duty points at the event that created it and the
contact that fulfilled it, so the duties of a crime are built in the same pass
as its journey, from the events retained at the epoch, and written in the same
chunk. They are the duties `duties.services` would have created had each event
been recorded through the app, in the order the events happened:

- the rules in force on the event's London day (`rules_in_force`), each whose
  conditions hold for the case facts at that moment (`case_facts`: the
  investigation is open until the first event that moves the status on);
- for each person owed (`_victims_owed`: the event's victim, else the linked
  victims and bereaved relatives, else everyone linked), enhanced when the
  offence is on the enhanced list, domestic abuse, hate crime, or the needs
  assessment says so (`victim_enhanced`);
- the deadline counted exactly as `duties.calendar.deadline_for` does, from a
  working-day table built once for the whole date range (the Nth working day
  after a day is one list lookup);
- police duties owned by the crime's team and assigned to the officer in the
  case; partners' duties by the partner that recorded the event, else the
  partner of that kind the case is shared with, else the recorder;
- one regular-update chain per person: a done update starts the next from the
  contact while the investigation is open; the chain ends (not applicable,
  REASON_INVESTIGATION_CLOSED) when the status moves on.

What happened to each duty is drawn from its own random stream (`duties:chunk:k`,
so the crimes, victims and journeys are the same with or without duties) with
the rates in demo/data/crimes.json ("duties"): done on time, done late, not
applicable (with a reason, by the owner), or never done. A done duty is
fulfilled by the first contact with the person (or with the parent who is the
child's contact) recorded by the owner's side after the clock started and by
the drawn moment, or else by a new contact at that moment (moved before the
case's closure, which stays the last event of its timeline). Nothing happens
after the epoch, so a duty whose moment lies beyond it is still owed: overdue
(with the `overdue_at` the 15-minute sweep would have set) if past due at the
epoch, open otherwise. The demo's epoch is fixed (demo/data/london.json), so
"due today" on the worklists means the epoch's day, not the machine's.

Not generated: replaced duties (the journeys record no change of enhanced
eligibility), reminders (`reminded_at`) and notifications.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from victimcare.accounts.constants import OrganisationKind
from victimcare.accounts.models import Organisation
from victimcare.cases.constants import CONTACT_EVENTS, Channel, EventCode
from victimcare.duties.calendar import END_OF_DAY, LONDON, bank_holidays
from victimcare.duties.conditions import conditions_hold
from victimcare.duties.constants import (
    REASON_INVESTIGATION_CLOSED,
    Clock,
    DeadlineKind,
    DutyState,
    Owner,
)
from victimcare.duties.models import LocalClosure, Rule, RuleSet
from victimcare.duties.services import (
    OWED_ROLES,
    OWNER_KINDS,
    SPECIFIED_GROUPS,
    VIOLENT_WITH_INJURY_GROUPS,
)

from ..catalogue import DemoError

DAY = 86_400
# How often duties_overdue_sweep runs (duties/jobs.py): when an overdue duty was marked.
SWEEP_SECONDS = 15 * 60
# Months of calendar before the oldest crime and after the epoch the table covers.
CALENDAR_MARGIN_DAYS = 800

CONTACT_BY_CHANNEL = {
    Channel.PHONE: EventCode.CONTACT_CALL,
    Channel.SMS: EventCode.CONTACT_MESSAGE,
    Channel.EMAIL: EventCode.CONTACT_MESSAGE,
    Channel.LETTER: EventCode.CONTACT_LETTER,
}
DUTY_COLUMNS = (
    "id",
    "crime_id",
    "victim_id",
    "event_id",
    "rule_id",
    "right",
    "owner",
    "owner_organisation_id",
    "assignee_id",
    "enhanced",
    "deadline_kind",
    "deadline_amount",
    "started_at",
    "due_at",
    "state",
    "created_at",
    "completed_at",
    "completed_by_id",
    "completed_event_id",
    "on_time",
    "closed_reason",
    "closed_by_id",
    "closed_at",
    "replaced_by_id",
    "previous_id",
    "overdue_at",
    "reminded_at",
    "updated_at",
)


# --------------------------------------------------------------------------- plan (picklable)


@dataclass(frozen=True)
class RulePlan:
    id: int
    code: str
    right: int
    owner: str
    received_clock: bool
    conditions: dict[str, Any]
    standard: tuple[str, int]
    enhanced: tuple[str, int]

    @property
    def cadence(self) -> bool:
        return DeadlineKind.CADENCE_DAYS.value in (self.standard[0], self.enhanced[0])


@dataclass
class WorkingDays:
    """The calendar of duties.calendar as tables over a date range (day index = ordinal - first).

    `starts[i]` is 00:00 Europe/London of day i as a UTC timestamp (to find the
    London day of a moment), `ends[i]` its 23:59:59; `count[i]` how many working
    days there are up to and including day i; `working[j]` the index of the
    j-th working day.
    """

    first: int
    starts: list[int]
    ends: list[int]
    count: list[int]
    working: list[int]

    @classmethod
    def build(cls, first: dt.date, last: dt.date) -> WorkingDays:
        closures = set(
            LocalClosure.objects.filter(date__range=(first, last)).values_list("date", flat=True)
        )
        starts, ends, count, working = [], [], [], []
        day, n = first, 0
        while day <= last:
            starts.append(int(dt.datetime.combine(day, dt.time(0), tzinfo=LONDON).timestamp()))
            ends.append(int(dt.datetime.combine(day, END_OF_DAY, tzinfo=LONDON).timestamp()))
            if day.weekday() < 5 and day not in bank_holidays(day.year) and day not in closures:
                working.append(day.toordinal() - first.toordinal())
                n += 1
            count.append(n)
            day += dt.timedelta(days=1)
        return cls(first.toordinal(), starts, ends, count, working)

    def day(self, t: int) -> int:
        """The index of the London day of the UTC timestamp `t`."""
        i = bisect.bisect_right(self.starts, t) - 1
        if i < 0 or i >= len(self.starts) - 1:
            raise DemoError("A demo duty falls outside the calendar the demo prepared.")
        return i

    def due(self, started: int, kind: str, amount: int) -> int:
        """deadline_for(started=…, <kind>=amount) as a UTC timestamp."""
        if kind == DeadlineKind.HOURS:
            return started + amount * 3600
        day = self.day(started)
        if kind == DeadlineKind.WORKING_DAYS:
            return self.ends[self.working[self.count[day] + amount - 1]]
        return self.ends[day + amount]


@dataclass
class DutyPlan:
    """What the duty builder needs, read once from the database (and sent to the builder process)."""

    rule_sets: list[
        tuple[int, dict[str, list[RulePlan]]]
    ]  # (effective_from ordinal, by trigger), newest first
    calendar: WorkingDays
    org_kinds: dict[int, str]
    rates: dict[str, Any]

    @classmethod
    def load(cls, *, epoch: int, years: float, rates: dict[str, Any]) -> DutyPlan:
        sets = []
        for rule_set in RuleSet.objects.filter(active=True).order_by(
            "-effective_from", "-loaded_at"
        ):
            by_trigger: dict[str, list[RulePlan]] = {}
            for rule in Rule.objects.filter(rule_set=rule_set, retired=False).order_by("position"):
                std, enh = rule.deadline(enhanced=False), rule.deadline(enhanced=True)
                by_trigger.setdefault(rule.trigger, []).append(
                    RulePlan(
                        id=rule.pk,
                        code=rule.code,
                        right=rule.right,
                        owner=rule.owner,
                        received_clock=rule.clock == Clock.RECEIVED,
                        conditions=dict(rule.conditions or {}),
                        standard=(std[0].value, std[1]),
                        enhanced=(enh[0].value, enh[1]),
                    )
                )
            sets.append((rule_set.effective_from.toordinal(), by_trigger))
        now = dt.datetime.fromtimestamp(epoch, LONDON).date()
        first = now - dt.timedelta(days=int(years * 366) + CALENDAR_MARGIN_DAYS)
        last = now + dt.timedelta(days=CALENDAR_MARGIN_DAYS)
        return cls(
            rule_sets=sets,
            calendar=WorkingDays.build(first, last),
            org_kinds=dict(Organisation.objects.values_list("pk", "kind")),
            rates=rates,
        )

    def rules_for(self, code: str, day_ordinal: int) -> list[RulePlan]:
        """The rules `rules_in_force` gives for an event on that London day, for its code."""
        for effective, by_trigger in self.rule_sets:
            if effective <= day_ordinal:
                return by_trigger.get(code, [])
        return []


# --------------------------------------------------------------------------- one crime


@dataclass
class Person:
    victim: int
    role: str
    contact: int  # who is contacted about this person's duties (a child's parent, else themselves)
    channel: str
    enhanced: bool  # the needs assessment says so


@dataclass
class Event:
    """An event of the crime retained at the epoch (index into the crime's list)."""

    t: int
    received: int
    recorded: int
    code: str
    org: int
    user: int
    victim: int | None
    details: str


@dataclass
class _Duty:
    row: list[Any]
    event: int  # index of the creating event
    completed: int | None = None  # index of the fulfilling contact


class CrimeDuties:
    """Builds the duties of one crime; `events` grows with the contacts that fulfil them."""

    def __init__(
        self,
        plan: DutyPlan,
        *,
        rng: Any,
        epoch: int,
        new_id: Callable[[str], int],
        ts: Callable[[int], str],
        staff: dict[int, list[int]],
    ) -> None:
        self.plan, self.rng, self.epoch, self.new_id, self.ts = plan, rng, epoch, new_id, ts
        self.staff = staff
        r = plan.rates
        self.p_on_time = float(r["on_time"])
        self.p_late = float(r["late"])
        self.p_not_applicable = float(r["not_applicable"])
        self.late_mean = float(r["late_mean_days"]) * DAY
        self.reasons: list[str] = list(r["not_applicable_reasons"])
        self.cadence_reasons: list[str] = list(r["regular_update_not_applicable_reasons"])

    def build(
        self,
        *,
        crime_id: int,
        team: int,
        oic: int,
        group: str,
        crime_enhanced: bool,
        people: list[Person],
        events: list[Event],
        shared: list[int],
        status_events: frozenset[str],
    ) -> list[_Duty]:
        """The crime's duties; appends the fulfilling contacts it creates to `events`."""
        self.crime_id, self.team, self.oic = crime_id, team, oic
        self.events = events
        by_victim = {p.victim: p for p in people}
        self.people = by_victim
        owed_default = [p.victim for p in people if p.role in OWED_ROLES] or [
            p.victim for p in people
        ]
        # Contacts already on the timeline, by (person contacted, recording organisation).
        self.contacts: dict[tuple[int, int], list[tuple[int, int]]] = {}
        for i, e in enumerate(events):
            if e.code in CONTACT_EVENTS and e.victim is not None:
                self.contacts.setdefault((e.victim, e.org), []).append((e.t, i))
        for found in self.contacts.values():
            found.sort()
        # The investigation is open until the first event that moves the status on.
        closing = next((i for i, e in enumerate(events) if e.code in status_events), None)
        self.closed_t = events[closing].t if closing is not None else None
        self.closed_recorded = events[closing].recorded if closing is not None else None
        # Contacts happen before the case is closed (the timeline ends with the closure).
        self.case_closed = next((e.t for e in events if e.code == EventCode.CASE_CLOSED), None)
        shared_by_kind: dict[str, int] = {}
        for org in sorted(shared):
            shared_by_kind.setdefault(self.plan.org_kinds.get(org, ""), org)

        cal = self.plan.calendar
        duties: list[_Duty] = []
        chains: set[tuple[int, str]] = set()
        retained = len(events)
        for index in range(retained):
            event = events[index]
            day = cal.first + cal.day(event.t)
            rules = self.plan.rules_for(event.code, day)
            if not rules:
                continue
            recorder_kind = self.plan.org_kinds.get(event.org, "")
            facts: dict[str, Any] = {
                "offence_group": group,
                "violent_with_injury": group in VIOLENT_WITH_INJURY_GROUPS,
                "investigation_open": closing is None or index <= closing,
                "decided_by": "cps" if recorder_kind == OrganisationKind.CPS else "police",
            }
            if event.code == EventCode.SENTENCED:
                details = json.loads(event.details)
                facts["custody_months"] = details.get("custody_months") or 0
                facts["hospital_order"] = bool(details.get("hospital_order", False))
                facts["specified_violent_or_sexual"] = bool(
                    details.get("specified_offence", group in SPECIFIED_GROUPS)
                )
            owed = [event.victim] if event.victim is not None else owed_default
            for victim in owed:
                enhanced = crime_enhanced or by_victim[victim].enhanced
                for rule in rules:
                    if conditions_hold(rule.conditions, facts) is not True:
                        continue
                    if rule.owner == Owner.POLICE:
                        owner_org, assignee = team, oic
                    else:
                        kind = OWNER_KINDS.get(rule.owner)
                        if kind is None or recorder_kind == kind:
                            owner_org = event.org
                        else:
                            owner_org = shared_by_kind.get(kind, event.org)
                        assignee = None
                    started = event.received if rule.received_clock else event.t
                    if rule.cadence:
                        # One chain of regular updates per person.
                        if (victim, rule.code) in chains:
                            continue
                        chains.add((victim, rule.code))
                        self._chain(
                            duties, rule, victim, index, started, enhanced, owner_org, assignee
                        )
                    else:
                        duty = self._new(
                            rule, victim, index, started, enhanced, owner_org, assignee, None
                        )
                        duties.append(duty)
                        self._fate(duty, started, rule.owner)
        return duties

    # -- building one duty

    def _new(
        self,
        rule: RulePlan,
        victim: int,
        event: int,
        started: int,
        enhanced: bool,
        owner_org: int,
        assignee: int | None,
        previous: int | None,
    ) -> _Duty:
        kind, amount = rule.enhanced if enhanced else rule.standard
        due = self.plan.calendar.due(started, kind, amount)
        row = [
            self.new_id("duty"),
            self.crime_id,
            victim,
            None,  # event id, once the crime's events are numbered
            rule.id,
            rule.right,
            rule.owner,
            owner_org,
            assignee,
            enhanced,
            kind,
            amount,
            started,
            due,
            DutyState.OPEN.value,
            self.events[event].recorded,
            None,
            None,
            None,
            None,
            "",
            None,
            None,
            None,
            previous,
            None,
            None,
        ]
        return _Duty(row, event)

    def _outcome(self, started: int, due: int) -> tuple[str, int]:
        """('done', when) / ('na', when) / ('owed', 0): what happens to a duty, maybe after the epoch."""
        rng = self.rng
        u = rng.random()
        if u < self.p_on_time:
            return "done", started + 60 + int((due - started - 60) * rng.random())
        u -= self.p_on_time
        if u < self.p_late:
            return "done", due + 60 + int(rng.expovariate(1.0) * self.late_mean)
        u -= self.p_late
        if u < self.p_not_applicable:
            return "na", started + 60 + int(max(due - started, DAY) * rng.random())
        return "owed", 0

    def _contact(self, duty: _Duty, by: int, when: int) -> int:
        """The index of the first contact by organisation `by` with the person's contact
        after the clock started and by `when`; a new contact at `when` if there is none."""
        person = self.people[duty.row[2]]
        found = self.contacts.setdefault((person.contact, by), [])
        started = duty.row[12]
        i = bisect.bisect_right(found, (started, len(self.events)))
        if i < len(found) and found[i][0] <= when:
            return found[i][1]
        recorder = self.oic if by == self.team else self._staff(by)
        channel = self.people[person.contact].channel
        code = CONTACT_BY_CHANNEL.get(channel, EventCode.CONTACT_CALL)
        received = when
        recorded = min(received + int(self.rng.random() * 900), self.epoch)
        self.events.append(
            Event(when, received, recorded, str(code), by, recorder, person.contact, "{}")
        )
        index = len(self.events) - 1
        bisect.insort(found, (when, index))
        return index

    def _staff(self, org: int) -> int:
        people = self.staff.get(org)
        if not people:
            raise DemoError(f"The demo duties need people in organisation {org}, which has none.")
        return people[int(self.rng.random() * len(people))]

    def _done(self, duty: _Duty, when: int, recorder_org: int) -> int:
        """Mark the duty done by a contact at (or before) `when`; returns the contact's time."""
        index = self._contact(duty, recorder_org, when)
        contact = self.events[index]
        row = duty.row
        row[14] = DutyState.DONE.value
        row[16] = contact.t
        row[17] = contact.user
        duty.completed = index
        row[19] = contact.t <= row[13]
        return contact.t

    def _not_applicable(self, duty: _Duty, when: int, reason: str, by: int | None) -> None:
        row = duty.row
        row[14] = DutyState.NOT_APPLICABLE.value
        row[20] = reason
        row[21] = by
        row[22] = when

    def _finish_owed(self, duty: _Duty, until: int) -> None:
        """The duty was owed until `until` (when it was done or closed, or the epoch if it is
        still owed): overdue now if past due at the epoch, and `overdue_at` wherever the
        15-minute sweep would have marked it before then."""
        row = duty.row
        due = row[13]
        marked = due - due % SWEEP_SECONDS + SWEEP_SECONDS
        if row[14] == DutyState.OPEN:
            if due < self.epoch:
                row[14] = DutyState.OVERDUE.value
                row[25] = min(marked, self.epoch)
        elif marked < until:
            row[25] = marked

    def _owner_side(self, duty: _Duty) -> tuple[int, int | None]:
        """(organisation recording the fulfilling contact, person closing it as not applicable)."""
        row = duty.row
        if row[6] == Owner.POLICE:
            return self.team, self.oic
        return row[7], self._staff(row[7])

    def _fate(self, duty: _Duty, started: int, owner: str) -> None:
        due = duty.row[13]
        what, when = self._outcome(started, due)
        by_org, closer = self._owner_side(duty)
        last = self.case_closed
        if what == "done" and last is not None and when >= last:
            # Done before the case was closed, if there was time; else never done.
            if last - started > 120:
                when = started + 60 + int((last - started - 120) * self.rng.random())
            else:
                what = "owed"
        if what == "done" and when <= self.epoch:
            finished = self._done(duty, when, by_org)
            if finished > due:
                self._finish_owed(duty, finished)
            return
        if what == "na" and when <= self.epoch:
            self._not_applicable(
                duty, when, self.reasons[int(self.rng.random() * len(self.reasons))], closer
            )
            self._finish_owed(duty, when)
            return
        self._finish_owed(duty, self.epoch)

    def _chain(
        self,
        duties: list[_Duty],
        rule: RulePlan,
        victim: int,
        event: int,
        started: int,
        enhanced: bool,
        owner_org: int,
        assignee: int | None,
    ) -> None:
        """A regular-update chain: each done update starts the next while the investigation is open."""
        closed = self.closed_t
        previous = None
        while True:
            duty = self._new(rule, victim, event, started, enhanced, owner_org, assignee, previous)
            duties.append(duty)
            due = duty.row[13]
            what, when = self._outcome(started, due)
            by_org, closer = self._owner_side(duty)
            # Nothing after the epoch, and no update once the investigation is no longer open.
            last = self.epoch if closed is None else min(self.epoch, closed - 1)
            if what == "done" and when <= last:
                finished = self._done(duty, when, by_org)
                if finished > due:
                    self._finish_owed(duty, finished)
                # The next period starts from the contact (duties_complete).
                event, started, previous = duty.completed, finished, duty.row[0]  # type: ignore[assignment]
                continue
            if what == "na" and when <= last:
                reason = self.cadence_reasons[int(self.rng.random() * len(self.cadence_reasons))]
                self._not_applicable(duty, when, reason, closer)
                self._finish_owed(duty, when)
                return
            if closed is not None:
                # VCOP Right 6: regular updates run while the investigation is open.
                assert self.closed_recorded is not None
                self._not_applicable(duty, self.closed_recorded, REASON_INVESTIGATION_CLOSED, None)
                self._finish_owed(duty, self.closed_recorded)
                return
            self._finish_owed(duty, self.epoch)
            return


def duty_rows(
    duties: list[_Duty], event_ids: list[int], ts: Callable[[int], str]
) -> list[tuple[Any, ...]]:
    """The finished rows, with event ids and timestamps filled in."""
    out = []
    for duty in duties:
        row = duty.row
        row[3] = event_ids[duty.event]
        if duty.completed is not None:
            row[18] = event_ids[duty.completed]
        # updated_at: the latest of made, done, closed and marked overdue.
        updated = max(row[col] for col in (15, 16, 22, 25) if row[col] is not None)
        for col in (12, 13, 15, 16, 22, 25):
            if row[col] is not None:
                row[col] = ts(row[col])
        out.append((*row, ts(updated)))
    return out
