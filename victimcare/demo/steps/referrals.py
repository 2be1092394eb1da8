"""Demo referrals: victims of the demo's recent crimes referred to the directory's
services, with what happened next, and the data problems services reported.

For the crimes reported in the last MONTHS months before the epoch (at most
MAX_CRIMES, newest first), the primary victim is referred: mostly to general
victim support (automatic), to an IDVA service when the crime is domestic
abuse assessed high risk, to an ISVA service for sexual offences (both on
explicit consent when the victim's consent record says so). States follow the
referral's age (sent, accepted, contact made or not reached, support started,
closed; some declined or withdrawn), each change with its status event; about
85% were sent within 2 working days and 80% were complete first time; about
8% have a data problem, most fixed within hours or days, recent ones open.

Advocate demand in the shortfall boroughs: the demo force is a miniature (a
few thousand crimes over five years) while the directory's advocate capacity
is London-sized, so in SHORTFALL_BOROUGHS (the directory step's; or, without
it, the three boroughs with least advocate capacity) the step adds referrals
for every month of the window until demand exceeds the borough's capacity by
15-40% (they stand for repeat incidents on the borough's domestic-abuse and
sexual-offence cases). Elsewhere demand is whatever the crimes give, well
within capacity. So the capacity view shows exactly those boroughs short.

Snapshots are a small dict built from the victim row already loaded
(`snapshot_dumps`), encrypted by the model field like any other. Every random
choice comes from `ctx.random("referrals:…")`, every time from `ctx.epoch`.
The reset deletes the referrals of the demo's crimes (their snapshots, status
events and data problems go with them) before the directory and crimes go.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from victimcare.accounts.constants import Role
from victimcare.accounts.models import Area, User
from victimcare.cases.constants import ConsentKind, OffenceGroup
from victimcare.cases.models import ConsentRecord, Crime, CrimeVictim, Victim
from victimcare.duties.calendar import LONDON, add_working_days
from victimcare.referrals.capacity import _capacity as directory_capacity
from victimcare.referrals.capacity import months_between
from victimcare.referrals.constants import (
    REFERRAL_WORKING_DAYS,
    ConsentBasis,
    ProblemKind,
    ProblemState,
    ReferralState,
    RiskLevel,
    ServiceKind,
)
from victimcare.referrals.models import (
    DataProblem,
    Referral,
    ReferralSnapshot,
    ReferralStatusEvent,
    SupportService,
)
from victimcare.referrals.snapshot import snapshot_dumps

from ..pipeline import DemoContext, demo_step
from .messages import demo_crimes_q

MONTHS = 6  # the epoch's month and the five before it
MAX_CRIMES = 5000
P_GENERAL = 0.75
P_HIGH_RISK_DA = 0.4
P_IDVA_IF_HIGH = 0.9
P_ISVA = 0.85
P_WITHIN_DEADLINE = 0.85
P_COMPLETE_FIRST_TIME = 0.8
P_PROBLEM = 0.08
P_FIXED = 0.75
SHORTFALL_MARGIN = (1.15, 1.4)
SHORTFALL_COUNT = 3

S = ReferralState
HOUR = dt.timedelta(hours=1)


@dataclass
class _Crime:
    id: int
    crn: str
    area_id: int
    area_name: str
    offence: str
    group: str
    domestic_abuse: bool
    reported_at: dt.datetime
    oic_id: int
    victim_id: int
    name: str = ""
    phone: str = ""
    consent_id: int | None = None


@dataclass
class _Plan:
    """The referral rows to write, with their later history, before they have ids."""

    referrals: list[Referral] = field(default_factory=list)
    events: list[list[tuple[str, str, dt.datetime]]] = field(default_factory=list)
    problems: list[dict[str, Any] | None] = field(default_factory=list)


def referrals_reset(ctx: DemoContext) -> int:
    """Delete the referrals of the demo's crimes (cascading to their snapshots,
    status events and data problems), before the directory and the crimes go."""
    crimes = Crime.objects.filter(demo_crimes_q()).values("pk")
    deleted, _ = Referral.objects.filter(crime__in=crimes).delete()
    return deleted


def _services() -> tuple[dict[tuple[str, int], list[tuple[int, int]]], dict[int, str]]:
    """(kind, area id) -> [(service id, organisation id)] of active services, and area names."""
    by_area: dict[tuple[str, int], list[tuple[int, int]]] = defaultdict(list)
    through = SupportService.boroughs.through
    rows = (
        through.objects.filter(supportservice__active=True)
        .filter(
            # Services that take adults of any gender: the young people's and
            # men's pan-London services are specialist, not where most go.
            Q(supportservice__max_age__isnull=True) & Q(supportservice__genders=[])
        )
        .order_by("supportservice_id", "area_id")
        .values_list(
            "supportservice__kind",
            "area_id",
            "supportservice_id",
            "supportservice__organisation_id",
        )
    )
    for kind, area_id, service_id, organisation_id in rows:
        by_area[(kind, area_id)].append((service_id, organisation_id))
    return by_area, dict(Area.objects.values_list("pk", "name"))


def _shortfall_boroughs(names: dict[int, str]) -> list[int]:
    try:
        from .referral_services import SHORTFALL_BOROUGHS
    except ImportError:  # the directory step is not there: least capacity wins
        SHORTFALL_BOROUGHS = ()
    by_name = {name: pk for pk, name in names.items()}
    chosen = [by_name[n] for n in SHORTFALL_BOROUGHS if n in by_name]
    if chosen:
        return chosen
    capacity, _ = directory_capacity(None)
    totals: dict[int, float] = defaultdict(float)
    for (area_id, _kind), value in capacity.items():
        totals[area_id] += value
    return sorted(totals, key=lambda pk: (totals[pk], names[pk]))[:SHORTFALL_COUNT]


def _crimes(
    since: dt.datetime, until: dt.datetime, *, area_ids: list[int] | None = None
) -> list[_Crime]:
    crimes = Crime.objects.filter(demo_crimes_q(), reported_at__lte=until)
    if area_ids is None:
        crimes = crimes.filter(reported_at__gte=since)
    else:
        crimes = crimes.filter(area_id__in=area_ids)
    rows = list(
        crimes.order_by("-reported_at", "-pk").values_list(
            "pk",
            "crn",
            "area_id",
            "area__name",
            "offence__name",
            "offence__group",
            "domestic_abuse",
            "reported_at",
            "oic_id",
        )[:MAX_CRIMES]
    )
    victims: dict[int, int] = {}
    for crime_id, victim_id in (
        CrimeVictim.objects.filter(crime_id__in=[r[0] for r in rows], is_primary_contact=True)
        .order_by("crime_id", "pk")
        .values_list("crime_id", "victim_id")
    ):
        victims.setdefault(crime_id, victim_id)
    out = [_Crime(*row, victim_id=victims[row[0]]) for row in rows if row[0] in victims]
    people = {
        v.pk: v
        for v in Victim.objects.filter(pk__in={c.victim_id for c in out}).only("full_name", "phone")
    }
    consents = dict(
        ConsentRecord.objects.filter(
            victim_id__in=people, kind=ConsentKind.REFERRAL, given=True
        ).values_list("victim_id", "pk")
    )
    for crime in out:
        person = people[crime.victim_id]
        crime.name, crime.phone = person.full_name or "", person.phone or ""
        crime.consent_id = consents.get(crime.victim_id)
    return out


def _snapshot(crime: _Crime, risk: str) -> str:
    # The fields a caseworker reads first; the full snapshot is built when a
    # person sends a referral (snapshot_build reads a dozen rows per victim).
    return snapshot_dumps(
        {
            "full_name": crime.name,
            "phone": crime.phone,
            "risk_level": risk,
            "crime_reference": crime.crn,
            "offence": crime.offence,
            "borough": crime.area_name,
            "reported_on": crime.reported_at.astimezone(LONDON).date().isoformat(),
        }
    )


def _sent_at(rng: random.Random, reported: dt.datetime, on_time: bool) -> dt.datetime:
    day = reported.astimezone(LONDON).date()
    deadline = dt.datetime.combine(
        add_working_days(day, REFERRAL_WORKING_DAYS) + dt.timedelta(days=1), dt.time.min, LONDON
    )
    if on_time:
        return reported + (deadline - reported) * rng.uniform(0.05, 0.95)
    return deadline + dt.timedelta(hours=rng.uniform(2, 24 * 8))


def _history(
    rng: random.Random, sent: dt.datetime, epoch: dt.datetime
) -> tuple[str, list[tuple[str, str, dt.datetime]]]:
    """The referral's state at the epoch and its status changes (from, to, at)."""
    events: list[tuple[str, str, dt.datetime]] = []
    at, state = sent, S.SENT

    def move(to: str, hours: tuple[float, float]) -> bool:
        nonlocal at, state
        nxt = at + dt.timedelta(hours=rng.uniform(*hours))
        if nxt >= epoch:
            return False
        events.append((state, to, nxt))
        at, state = nxt, to
        return True

    roll = rng.random()
    if roll < 0.08:
        move(S.DECLINED, (4, 72))
        return state, events
    if roll < 0.11:
        move(S.WITHDRAWN, (4, 72))
        return state, events
    if not move(S.ACCEPTED, (2, 60)):
        return state, events
    if rng.random() < 0.15:
        if move(S.NOT_REACHED, (24, 120)) and rng.random() < 0.5:
            move(S.CLOSED, (240, 720))
        return state, events
    if not move(S.CONTACT_MADE, (4, 96)):
        return state, events
    if rng.random() < 0.8 and move(S.SUPPORT_STARTED, (24, 240)) and rng.random() < 0.6:
        move(S.CLOSED, (24 * 30, 24 * 120))
    return state, events


class _Builder:
    def __init__(
        self,
        ctx: DemoContext,
        services: dict[tuple[str, int], list[tuple[int, int]]],
        reporters: dict[int, list[int]],
    ) -> None:
        self.epoch = ctx.epoch
        self.services = services
        self.reporters = reporters
        self.rng_state = ctx.random("referrals:states")
        self.rng_problem = ctx.random("referrals:problems")
        self.plan = _Plan()
        self.demand: dict[tuple[dt.date, str, int], int] = defaultdict(int)

    def service(self, rng: random.Random, kind: str, area_id: int) -> tuple[int, int] | None:
        options = self.services.get((kind, area_id))
        return rng.choice(options) if options else None

    def add(
        self,
        rng: random.Random,
        crime: _Crime,
        kind: str,
        risk: str,
        sent: dt.datetime | None = None,
        on_time: bool | None = None,
    ) -> bool:
        chosen = self.service(rng, kind, crime.area_id)
        if chosen is None:
            return False
        service_id, organisation_id = chosen
        specialist = kind in (ServiceKind.IDVA, ServiceKind.ISVA)
        explicit = specialist and crime.consent_id is not None
        if on_time is None:
            on_time = rng.random() < P_WITHIN_DEADLINE
        if sent is None:
            sent = _sent_at(rng, crime.reported_at, on_time)
        if sent >= self.epoch:
            sent = self.epoch - dt.timedelta(minutes=rng.randint(5, 600))
        state, events = _history(self.rng_state, sent, self.epoch)
        self.plan.referrals.append(
            Referral(
                crime_id=crime.id,
                victim_id=crime.victim_id,
                service_id=service_id,
                organisation_id=organisation_id,
                state=state,
                consent_basis=ConsentBasis.EXPLICIT if explicit else ConsentBasis.AUTOMATIC,
                consent_id=crime.consent_id if explicit else None,
                risk_level=risk,
                automatic=not specialist,
                complete_first_time=rng.random() < P_COMPLETE_FIRST_TIME,
                snapshot=_snapshot(crime, risk),
                snapshot_version=1,
                sent_by_id=None if not specialist else crime.oic_id,
                sent_at=sent,
                within_deadline=on_time,
                state_changed_at=events[-1][2] if events else sent,
                decline_reason="We have no capacity for new referrals this month."
                if state == S.DECLINED
                else "",
            )
        )
        self.plan.events.append(events)
        self.plan.problems.append(self.problem(sent, organisation_id))
        if kind == ServiceKind.ISVA or (kind == ServiceKind.IDVA and risk == RiskLevel.HIGH):
            month = sent.astimezone(LONDON).date().replace(day=1)
            self.demand[(month, kind, crime.area_id)] += 1
        return True

    def problem(self, sent: dt.datetime, organisation_id: int) -> dict[str, Any] | None:
        rng = self.rng_problem
        people = self.reporters.get(organisation_id)
        if not people or rng.random() >= P_PROBLEM:
            return None
        reported = sent + dt.timedelta(hours=rng.uniform(1, 48))
        if reported >= self.epoch:
            return None
        fixed_at = reported + dt.timedelta(hours=rng.lognormvariate(2.3, 0.9))
        fixed = rng.random() < P_FIXED and fixed_at < self.epoch
        due = dt.datetime.combine(
            add_working_days(reported.astimezone(LONDON).date(), 1), dt.time(17), LONDON
        )
        return {
            "kind": rng.choice(ProblemKind.values),
            "reported_by_id": rng.choice(people),
            "reported_at": reported,
            "due_at": due,
            "state": ProblemState.FIXED if fixed else ProblemState.OPEN,
            "fixed_at": fixed_at if fixed else None,
            "fixed_in_version": 2 if fixed else None,
        }


def _reporters() -> dict[int, list[int]]:
    people: dict[int, list[int]] = defaultdict(list)
    for pk, organisation_id in (
        User.objects.filter(otp_exempt=True, is_active=True, role=Role.SUPPORT_CASEWORKER)
        .order_by("pk")
        .values_list("pk", "organisation_id")
    ):
        people[organisation_id].append(pk)
    return people


def _window(epoch: dt.datetime) -> tuple[dt.datetime, list[dt.date]]:
    last = epoch.astimezone(LONDON).date()
    first = last.replace(day=1)
    for _ in range(MONTHS - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return dt.datetime.combine(first, dt.time.min, LONDON), months_between(first, last)


def _top_up(
    ctx: DemoContext, builder: _Builder, area_ids: list[int], months: list[dt.date]
) -> None:
    """Demand above capacity in `area_ids`, every month of the window that has begun."""
    rng = ctx.random("referrals:shortfall")
    capacity, _ = directory_capacity(None)
    pool = _crimes(builder.epoch, builder.epoch, area_ids=area_ids)
    for area_id in area_ids:
        local = [c for c in pool if c.area_id == area_id]
        if not local:
            continue
        for kind, eligible in (
            (ServiceKind.IDVA, [c for c in local if c.domestic_abuse]),
            (ServiceKind.ISVA, [c for c in local if c.group == OffenceGroup.SEXUAL_OFFENCES]),
        ):
            cap = capacity.get((area_id, kind), 0.0)
            if not builder.services.get((kind, area_id)):
                continue
            candidates = eligible or local
            risk = RiskLevel.HIGH if kind == ServiceKind.IDVA else RiskLevel.MEDIUM
            for month in months:
                start = dt.datetime.combine(month, dt.time.min, LONDON)
                end = min(
                    dt.datetime.combine(
                        (month + dt.timedelta(days=32)).replace(day=1), dt.time.min, LONDON
                    ),
                    builder.epoch,
                )
                if end <= start:
                    continue
                target = int(cap * rng.uniform(*SHORTFALL_MARGIN)) + 1
                for _ in range(target - builder.demand[(month, kind, area_id)]):
                    sent = start + (end - start) * rng.random()
                    builder.add(
                        rng,
                        rng.choice(candidates),
                        kind,
                        risk,
                        sent=sent,
                        on_time=rng.random() < P_WITHIN_DEADLINE,
                    )


def _write(ctx: DemoContext, plan: _Plan) -> int:
    saved = ctx.bulk_create(Referral, plan.referrals, total=len(plan.referrals), desc="referrals")
    snapshots = (
        ReferralSnapshot(referral_id=r.pk, version=1, data=r.snapshot, taken_at=r.sent_at)
        for r in saved
    )
    written = len(saved) + len(
        ctx.bulk_create(ReferralSnapshot, snapshots, total=len(saved), desc="referral snapshots")
    )
    events = [
        ReferralStatusEvent(referral_id=r.pk, from_state=a, to_state=b, at=at, by_id=None)
        for r, history in zip(saved, plan.events, strict=True)
        for a, b, at in [("", S.SENT, r.sent_at), *history]
    ]
    written += len(
        ctx.bulk_create(ReferralStatusEvent, events, total=len(events), desc="referral events")
    )
    problems = [
        DataProblem(
            referral_id=r.pk,
            description="The phone number given does not connect."
            if p["kind"] == ProblemKind.WRONG_PHONE
            else "Please check this detail with the victim and send a correction.",
            **p,
        )
        for r, p in zip(saved, plan.problems, strict=True)
        if p is not None
    ]
    written += len(
        ctx.bulk_create(DataProblem, problems, total=len(problems), desc="data problems")
    )
    return written


@demo_step("referrals", order=65, reset=referrals_reset)
def referrals_generate(ctx: DemoContext) -> int:
    """Referrals of the last months' demo crimes, their histories and data problems;
    advocate demand beyond capacity in the shortfall boroughs. Returns rows written."""
    services, names = _services()
    if not services:
        return 0  # no directory: nothing to refer to
    since, months = _window(ctx.epoch)
    crimes = _crimes(since, ctx.epoch)
    if not crimes:
        return 0
    builder = _Builder(ctx, services, _reporters())
    rng = ctx.random("referrals:base")
    for crime in reversed(crimes):  # oldest first: the same order whatever MAX_CRIMES cut
        if crime.group == OffenceGroup.SEXUAL_OFFENCES:
            if rng.random() < P_ISVA:
                builder.add(rng, crime, ServiceKind.ISVA, rng.choice(RiskLevel.values))
        elif crime.domestic_abuse:
            risk = RiskLevel.HIGH if rng.random() < P_HIGH_RISK_DA else RiskLevel.MEDIUM
            to_idva = risk == RiskLevel.HIGH and rng.random() < P_IDVA_IF_HIGH
            # A high-risk victim not referred to an IDVA still goes to general
            # support: the capacity view counts them as eligible, not referred.
            if not (to_idva and builder.add(rng, crime, ServiceKind.IDVA, risk)):
                if risk == RiskLevel.HIGH or rng.random() < P_GENERAL:
                    builder.add(rng, crime, ServiceKind.GENERAL, risk)
        elif rng.random() < P_GENERAL:
            builder.add(rng, crime, ServiceKind.GENERAL, RiskLevel.STANDARD)
    _top_up(ctx, builder, _shortfall_boroughs(names), months)
    return _write(ctx, builder.plan)
