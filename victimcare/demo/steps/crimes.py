"""Step 4: crimes, victims, needs assessments and journeys (`victimcare demo --crimes N`).

The case record at volume: a million crimes are about fifteen million rows
(crimes, victims, links, needs and their versions, equality data, consents,
shares, journey events), so this step does not go through the ORM. It builds
rows as tuples, chunk by chunk, and writes them with `COPY … FROM STDIN`
(PostgreSQL, psycopg's `cursor.copy()`) or `executemany` (SQLite), with ids
allocated up front and sequences moved past them at the end. Personal data is
encrypted with the project's own `encrypt_text` and indexed with `blind_index`,
exactly as the model fields would do.

Why the rules the other steps follow still hold:
- deterministic: chunk k draws from `ctx.random("crimes:chunk:k")` and every
  timestamp is an offset from the demo epoch, so the same seed and N give the
  same rows (Fernet tokens differ by design; their plaintexts do not). A
  larger N only appends chunks;
- fast: above PROCESS_THRESHOLD crimes a second process builds the chunks
  (encryption is most of the Python cost) while this one writes; the bounded
  queue keeps memory to a few chunks;
- consistent: a crime's status is whatever its retained journey events imply
  at the epoch (events after it are dropped), so old crimes are mostly closed
  with an outcome and recent ones open, and the timeline always agrees.

What counts as demo crimes for `--reset`: crimes whose officer in the case or
creator is a demo account (they would stop the people reset anyway: PROTECT),
and the victims linked only to such crimes.
"""

from __future__ import annotations

import bisect
import itertools
import json
import multiprocessing
import queue
import random
import re
import time
import traceback
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandParser
from django.db import IntegrityError, connection, models

from victimcare.accounts.constants import OrganisationKind, Role
from victimcare.accounts.models import Area, Organisation, User
from victimcare.cases.constants import (
    Channel,
    CrimeOutcome,
    CrimeStatus,
    EnhancedReason,
    EventCode,
    VictimRole,
)
from victimcare.cases.models import (
    CaseShare,
    ConsentRecord,
    Crime,
    CrimeVictim,
    EqualityData,
    JourneyEvent,
    NeedsAssessment,
    NeedsAssessmentVersion,
    Offence,
    Victim,
)
from victimcare.cases.reference import offences_load
from victimcare.core.crypto import blind_index, encrypt_text
from victimcare.duties.models import Duty, DutyNotification

from ..catalogue import DATA_DIR, DemoError
from ..pipeline import DemoContext, demo_step
from .duties import DUTY_COLUMNS, CrimeDuties, DutyPlan, Event, Person, duty_rows

# Crimes per chunk. Part of the data's definition: changing it changes which
# random stream each crime draws from, so it is a constant, not an option.
CHUNK = 5_000
# Below this many crimes everything runs in this process (tests, `make run`).
PROCESS_THRESHOLD = 20_000
# Chunks the builder may run ahead of the writer (memory bound).
QUEUE_CHUNKS = 3
RECOMMENDED_CRIMES = 2_000

HOUR = 3600
_JSON = json.JSONEncoder(separators=(",", ":")).encode
DAY = 24 * HOUR

# Which status an event leaves the crime in (the rest leave it unchanged).
STATUS_AFTER = {
    EventCode.CHARGED: CrimeStatus.SUSPECT_CHARGED,
    EventCode.HEARING_SCHEDULED: CrimeStatus.IN_COURT,
    EventCode.CASE_CLOSED: CrimeStatus.CLOSED,
}


# --------------------------------------------------------------------------- columns


@dataclass(frozen=True)
class Table:
    """A table this step writes: the model and the columns of its tuples, in order."""

    key: str
    model: type[models.Model]
    columns: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.model._meta.db_table


TABLES: tuple[Table, ...] = (
    Table(
        "crime",
        Crime,
        (
            "id",
            "force_id",
            "crn",
            "offence_id",
            "domestic_abuse",
            "hate_crime",
            "occurred_at",
            "reported_at",
            "area_id",
            "oic_id",
            "team_id",
            "status",
            "outcome",
            "restricted",
            "restricted_reason",
            "created_by_id",
            "created_at",
            "updated_at",
        ),
    ),
    Table(
        "victim",
        Victim,
        (
            "id",
            "force_id",
            "full_name",
            "name_index",
            "date_of_birth",
            "phone",
            "phone_index",
            "email",
            "email_index",
            "address",
            "preferred_channel",
            "language",
            "interpreter_needed",
            "accessible_format",
            "wants_updates",
            "safe_to_call",
            "safe_to_text",
            "safe_to_email",
            "safe_for_letters",
            "voicemail_allowed",
            "safe_from",
            "safe_until",
            "code_word",
            "contact_only_if_victim_initiates",
            "safe_channel_confirmed_at",
            "safe_channel_confirmed_by_id",
            "created_at",
            "updated_at",
        ),
    ),
    Table(
        "link",
        CrimeVictim,
        ("id", "crime_id", "victim_id", "role", "is_primary_contact", "added_at"),
    ),
    Table(
        "version",
        NeedsAssessmentVersion,
        (
            "id",
            "assessment_id",
            "version",
            "vulnerabilities",
            "communication_needs",
            "special_measures",
            "support_wanted",
            "enhanced",
            "enhanced_reasons",
            "update_interval_days",
            "decided_by_id",
            "decided_by_organisation_id",
            "decided_at",
        ),
    ),
    Table("needs", NeedsAssessment, ("id", "victim_id", "current_id")),
    Table(
        "equality",
        EqualityData,
        ("id", "victim_id", "age_band", "sex", "ethnicity", "disability", "recorded_at"),
    ),
    Table(
        "consent",
        ConsentRecord,
        ("id", "victim_id", "kind", "given", "method", "recorded_at", "recorded_by_id"),
    ),
    Table(
        "share",
        CaseShare,
        ("id", "crime_id", "organisation_id", "shared_by_id", "shared_at", "reason"),
    ),
    Table(
        "event",
        JourneyEvent,
        (
            "id",
            "crime_id",
            "code",
            "occurred_at",
            "received_at",
            "recorded_at",
            "recorded_by_id",
            "recording_organisation_id",
            "victim_id",
            "details",
            "summary",
            "supersedes_id",
            "idempotency_key",
        ),
    ),
    # The Victims' Code duties of the crime's events (steps/duties.py).
    Table("duty", Duty, DUTY_COLUMNS),
)


def tables_check() -> None:
    """Refuse to write when a model's columns differ from the tuples built here.

    A migration that adds a column (with a Python-side default the raw insert
    would not apply) must be reflected in this step, not silently left NULL.
    """
    for table in TABLES:
        actual = {f.column for f in table.model._meta.concrete_fields}
        if actual != set(table.columns):
            missing = sorted(actual - set(table.columns))
            extra = sorted(set(table.columns) - actual)
            raise DemoError(
                f"The crimes demo step is out of date for {table.name}: "
                f"columns not generated {missing}, columns no longer in the model {extra}."
            )


# --------------------------------------------------------------------------- parameters


@cache
def crime_parameters() -> dict[str, Any]:
    """The generation parameters (demo/data/crimes.json)."""
    path: Path = DATA_DIR / "crimes.json"
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


class _Weighted:
    """A weighted choice with precomputed cumulative weights (rng.choices is slower per call)."""

    def __init__(self, items: Sequence[Any], weights: Sequence[float]) -> None:
        if not items or sum(weights) <= 0:
            raise DemoError("A weighted choice in the crimes demo data has nothing to choose from.")
        self.items = list(items)
        self.cum = list(itertools.accumulate(weights))
        self.total = self.cum[-1]

    @classmethod
    def of(cls, mapping: dict[Any, float]) -> _Weighted:
        return cls(list(mapping), list(mapping.values()))

    def pick(self, rng: Any) -> Any:
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


@dataclass(frozen=True)
class _OffencePlan:
    id: int
    code: str
    name: str
    group: str
    restricted: bool
    enhanced: bool
    domestic_abuse: float
    hate: float


@dataclass
class _OrgPlan:
    id: int
    code: str
    name: str
    staff: list[int]


@dataclass
class _TeamPlan:
    id: int
    code: str
    officers: _Weighted


@dataclass
class _BcuPlan:
    id: int
    code: str
    areas: list[tuple[int, str]]
    teams: dict[str, _TeamPlan]
    specialists: list[tuple[int, str]]
    wcu: _OrgPlan
    cps: _OrgPlan
    magistrates: _OrgPlan
    crown: _OrgPlan


@dataclass
class _Plan:
    """Everything the row builder needs, read once from the database and the data files."""

    seed: int
    total: int
    vendor: str
    epoch: int
    force_id: int
    email_domain: str
    offences: _Weighted
    bcus: list[_BcuPlan]
    probation: _OrgPlan
    given: tuple[str, ...]
    family: tuple[str, ...]
    p: dict[str, Any]
    duties: DutyPlan
    id_bases: dict[str, int] = field(default_factory=dict)

    def random(self, purpose: str) -> _FastRandom:
        # Seeded as DemoContext.random(purpose) is: one formula, both processes.
        return _FastRandom(f"victimcare-demo:{self.seed}:{purpose}")


class _FastRandom(random.Random):
    """random.Random with a cheaper `randrange(a, b)` (a third of the cost; the builder calls it
    ~40 times per crime). Deterministic like the original; the bias of int(random() * n) is
    below 2**-40 for the spans used here."""

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:  # type: ignore[override]
        if stop is None:
            start, stop = 0, start
        return start + int(self.random() * (stop - start))


def _org(code: str, orgs: dict[str, Organisation], staff: dict[str, list[int]]) -> _OrgPlan:
    org = orgs.get(code)
    if org is None:
        raise DemoError(f"The crimes demo needs the organisation '{code}', which does not exist.")
    people = staff.get(code, [])
    if not people:
        raise DemoError(f"The crimes demo needs people in '{code}', which has none.")
    return _OrgPlan(org.pk, code, org.name, people)


def _plan(ctx: DemoContext, total: int) -> _Plan:
    p = crime_parameters()
    cat = ctx.catalogue
    offences = {o.code: o for o in Offence.objects.filter(active=True)}
    plans: list[_OffencePlan] = []
    for code, spec in p["offences"].items():
        off = offences.get(code)
        if off is None:
            raise DemoError(
                f"The crimes demo data names the offence '{code}', which is not listed."
            )
        plans.append(
            _OffencePlan(
                off.pk,
                off.code,
                off.name,
                off.group,
                off.restricted,
                off.enhanced,
                float(spec.get("domestic_abuse", 0)),
                float(spec.get("hate", 0)),
            )
        )
    weights = [float(p["offences"][o.code]["weight"]) for o in plans]

    orgs = {o.code: o for o in Organisation.objects.all()}
    staff: dict[str, list[int]] = {}
    officers: dict[str, list[tuple[int, str]]] = {}
    for pk, org_code, role, email in (
        User.objects.filter(otp_exempt=True, is_active=True, organisation__isnull=False)
        .order_by("email")
        .values_list("pk", "organisation__code", "role", "email")
    ):
        if role == Role.OFFICER:
            officers.setdefault(org_code, []).append((pk, email))
        if role in (Role.PARTNER_CASEWORKER, Role.OFFICER):
            staff.setdefault(org_code, []).append(pk)

    # Heavy-tailed case loads: each officer gets a Pareto weight once per seed,
    # and the well-known sign-ins are the busiest of their team, so "my cases"
    # for officer@example.org is a full list.
    load = ctx.random("crimes:officer-load")
    well_known = {s.email for s in cat.sign_ins}
    areas: dict[int, list[tuple[int, str]]] = {}
    for pk, bcu_id, name in Area.objects.order_by("code").values_list("pk", "bcu_id", "name"):
        if bcu_id is not None:
            areas.setdefault(bcu_id, []).append((pk, name))
    suffixes = sorted({s for weights in p["teams"].values() for s in weights} | {"safeguarding"})
    bcus: list[_BcuPlan] = []
    for bcu in cat.reference.bcus:
        bcu_org = orgs[bcu.code]
        teams: dict[str, _TeamPlan] = {}
        for suffix in suffixes:
            code = f"{bcu.code}-{suffix}"
            people = officers.get(code, [])
            if code not in orgs or not people:
                raise DemoError(f"The crimes demo needs officers in the team '{code}'.")
            w = [load.paretovariate(p["officer_load_shape"]) for _ in people]
            # The well-known sign-in carries as much as the rest of the team put
            # together, so "my cases" has open cases to show at demo volumes.
            busiest = max(max(w) * 2, sum(w))
            w = [
                busiest if email in well_known else x
                for x, (_, email) in zip(w, people, strict=True)
            ]
            teams[suffix] = _TeamPlan(orgs[code].pk, code, _Weighted([pk for pk, _ in people], w))
        court_codes = p["courts"][bcu.code]
        wcu = cat.covering(kind=OrganisationKind.WITNESS_CARE_UNIT, bcu_code=bcu.code)
        cps = cat.covering(kind=OrganisationKind.CPS, bcu_code=bcu.code)
        if wcu is None or cps is None:
            raise DemoError(f"No Witness Care Unit or CPS area covers {bcu.code}.")
        bcus.append(
            _BcuPlan(
                id=bcu_org.pk,
                code=bcu.code,
                areas=areas[bcu_org.pk],
                teams=teams,
                specialists=sorted(
                    (o.pk, o.code)
                    for o in orgs.values()
                    if o.parent_id == bcu_org.pk and o.is_specialist and o.active
                ),
                wcu=_org(wcu, orgs, staff),
                cps=_org(cps, orgs, staff),
                magistrates=_OrgPlan(
                    orgs[court_codes[0]].pk, court_codes[0], orgs[court_codes[0]].name, []
                ),
                crown=_OrgPlan(
                    orgs[court_codes[1]].pk, court_codes[1], orgs[court_codes[1]].name, []
                ),
            )
        )
    probation = next(o.code for o in cat.demo_organisations if o.kind == OrganisationKind.PROBATION)
    force = orgs[cat.reference.force_code]
    return _Plan(
        seed=ctx.seed,
        total=total,
        vendor=connection.vendor,
        epoch=int(ctx.epoch.timestamp()),
        force_id=force.pk,
        email_domain=cat.email_domain,
        offences=_Weighted(plans, weights),
        bcus=bcus,
        probation=_org(probation, orgs, staff),
        given=cat.given_names,
        family=cat.family_names,
        p=p,
        duties=DutyPlan.load(epoch=int(ctx.epoch.timestamp()), years=p["years"], rates=p["duties"]),
    )


# --------------------------------------------------------------------------- row building


def _ascii_slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]", "", folded.lower())


class _Builder:
    """Builds the rows of consecutive chunks; ids continue from one chunk to the next."""

    def __init__(self, plan: _Plan) -> None:
        self.plan = plan
        p = plan.p
        self.p = p
        self.next_id = dict(plan.id_bases)
        self.pg = plan.vendor == "postgresql"
        self.ts_format = "%Y-%m-%d %H:%M:%S+00" if self.pg else "%Y-%m-%d %H:%M:%S"
        self.teams = {k: _Weighted.of(v) for k, v in p["teams"].items()}
        self.victims_per_crime = _Weighted(
            [int(k) for k in p["victims_per_crime"]], list(p["victims_per_crime"].values())
        )
        self.ages = _Weighted([(a, b) for a, b, _ in p["ages"]], [w for _, _, w in p["ages"]])
        self.languages = _Weighted(p["languages"], [lang["weight"] for lang in p["languages"]])
        self.formats = _Weighted.of(p["accessible_formats"])
        self.channels = _Weighted.of(p["channels"])
        self.after_arrest = _Weighted.of(p["after_arrest"])
        self.bail = _Weighted.of(p["bail"])
        self.plea = _Weighted.of(p["plea"])
        self.sentences = _Weighted.of(p["sentences"])
        eq = p["equality"]
        self.sex = _Weighted.of(eq["sex"])
        self.ethnicity = _Weighted.of(eq["ethnicity"])
        self.disability = _Weighted.of(eq["disability"])
        self.crown_groups = frozenset(p["crown_court_groups"])
        self.vcs_groups = frozenset(p["victim_contact_scheme_groups"])
        self.crn_format: str = p["crn"]["format"]
        self.first_serial: int = p["crn"]["first_serial"]
        self.span = int(p["years"] * 365.25 * DAY)
        self.staff = {o.id: o.staff for b in plan.bcus for o in (b.wcu, b.cps)}
        self.staff[plan.probation.id] = plan.probation.staff
        self.status_events = frozenset(str(code) for code in STATUS_AFTER)
        self.duty_rng: Any = None

    # -- small helpers

    def ts(self, t: int) -> str:
        return time.strftime(self.ts_format, time.gmtime(t))

    def new_id(self, key: str) -> int:
        value = self.next_id[key]
        self.next_id[key] = value + 1
        return value

    def json(self, value: Any) -> str:
        if not value:
            return "{}" if isinstance(value, dict) else "[]"
        return _JSON(value)

    # -- one chunk

    def chunk(self, k: int) -> tuple[int, dict[str, list[tuple[Any, ...]]]]:
        """The rows of chunk k (crimes k*CHUNK … up to the total), per table key."""
        plan = self.plan
        rng = plan.random(f"crimes:chunk:{k}")
        # A stream of its own: the crimes are the same with or without duties.
        self.duty_rng = plan.random(f"duties:chunk:{k}")
        rows: dict[str, list[tuple[Any, ...]]] = {t.key: [] for t in TABLES}
        first = k * CHUNK
        count = min(CHUNK, plan.total - first)
        for i in range(first, first + count):
            self.crime(rng, i, rows)
        return count, rows

    def crime(self, rng: Any, index: int, rows: dict[str, list[tuple[Any, ...]]]) -> None:
        plan, p = self.plan, self.p
        epoch = plan.epoch
        off: _OffencePlan = plan.offences.pick(rng)
        group = off.group
        da = rng.random() < off.domestic_abuse
        hate = rng.random() < off.hate
        occurred = epoch - rng.randrange(HOUR, self.span)
        lo, hi = p["report_delay_hours"].get(group, p["report_delay_hours"]["default"])
        reported = min(
            occurred + int(rng.uniform(lo, hi) * HOUR) + rng.randrange(300, 3 * HOUR), epoch - 600
        )
        bcu: _BcuPlan = plan.bcus[rng.randrange(len(plan.bcus))]
        area_id, area_name = bcu.areas[rng.randrange(len(bcu.areas))]
        team_key = "domestic_abuse" if da else group if group in self.teams else "default"
        team = bcu.teams[self.teams[team_key].pick(rng)]
        oic: int = team.officers.pick(rng)
        restricted = off.restricted or da
        reason = "Domestic abuse" if da else ("Restricted offence" if off.restricted else "")
        crime_id = self.new_id("crime")
        serial = self.first_serial + index
        crn = self.crn_format.format(serial=serial, yy=time.gmtime(reported).tm_year % 100)

        events: list[tuple[int, int, str, int, int | None, int | None, str]] = []
        shares: list[tuple[int, int, str]] = []  # (organisation id, at, reason)

        def police(t: int, code: str, victim: int | None = None, details: Any = None) -> None:
            events.append(
                (
                    t,
                    t + rng.randrange(60, 1800),
                    code,
                    team.id,
                    oic,
                    victim,
                    self.json(details or {}),
                )
            )

        def partner(org: _OrgPlan, t: int, code: str, details: Any = None) -> None:
            # Partners learn of what happened a little later (received_at ≥ occurred_at).
            staff = org.staff[rng.randrange(len(org.staff))]
            events.append(
                (
                    t,
                    t + rng.randrange(600, 2 * DAY),
                    code,
                    org.id,
                    staff,
                    None,
                    self.json(details or {}),
                )
            )

        def share(org_id: int, t: int, code: str, why: str) -> None:
            shares.append((org_id, t, why))
            police(t, EventCode.CASE_SHARED, details={"organisation": code})

        police(reported, EventCode.CRIME_REPORTED)
        if restricted:
            for org_id, org_code in bcu.specialists:
                share(org_id, reported + rng.randrange(300, 3600), org_code, reason)

        # People: victims, and a relative or parent as the contact where the Code says so.
        people = self.people(rng, crime_id, off, da, reported, oic, team.id, area_name, rows)
        primary = next(pk for pk, primary in people if primary)
        for pk, _ in people:
            police(reported + rng.randrange(HOUR, 20 * HOUR), EventCode.NEEDS_ASSESSED, victim=pk)

        closed_at, outcome = self.journey(rng, off, da, reported, bcu, police, partner, share)
        if outcome:
            police(closed_at, EventCode.CASE_CLOSED, details={"outcome": outcome})

        # Contacts with the primary contact while the case is open (contact plan cadence).
        end = min(closed_at if outcome else epoch, epoch)
        months = max(0, (end - reported) // (30 * DAY))
        contacts = min(p["max_contacts"], int(months * p["contacts_per_month_open"]) + 1)
        victim_row = rows["victim"][-len(people) :]
        channel = next(v[10] for v in victim_row if v[0] == primary)
        for _ in range(contacts):
            t = reported + rng.randrange(DAY // 2, max(DAY, end - reported))
            code = {
                Channel.PHONE: EventCode.CONTACT_CALL,
                Channel.SMS: EventCode.CONTACT_MESSAGE,
                Channel.EMAIL: EventCode.CONTACT_MESSAGE,
                Channel.LETTER: EventCode.CONTACT_LETTER,
            }[channel]
            if rng.random() < 0.15:
                code = EventCode.CONTACT_VISIT
            police(t, code, victim=primary)

        # What is known at the epoch: drop what has not happened (or not reached the recorder) yet.
        events.sort(key=lambda e: (e[0], e[2]))
        kept: list[Event] = []
        for t, received, code, org_id, user, victim, details in events:
            if t > epoch:
                continue
            # Known by the epoch (a partner that learns of it later has learned of it "now").
            received = min(received, epoch)
            recorded = min(received + rng.randrange(0, 900), epoch)
            kept.append(Event(t, received, recorded, str(code), org_id, user, victim, details))

        # The duties these events created, and the contacts that fulfilled them (added to `kept`).
        duties = CrimeDuties(
            plan.duties,
            rng=self.duty_rng,
            epoch=epoch,
            new_id=self.new_id,
            ts=self.ts,
            staff=self.staff,
        )
        n = len(people)
        persons = []
        for i, (link, victim_row, version) in enumerate(
            zip(rows["link"][-n:], rows["victim"][-n:], rows["version"][-n:], strict=True)
        ):
            # A child's contact is the parent linked right after them (people()).
            contact = link[2] if link[4] or i + 1 >= n else rows["link"][-n + i + 1][2]
            persons.append(Person(link[2], link[3], contact, victim_row[10], bool(version[7])))
        crime_duties = duties.build(
            crime_id=crime_id,
            team=team.id,
            oic=oic,
            group=group,
            crime_enhanced=off.enhanced or da or hate,
            people=persons,
            events=kept,
            shared=[org_id for org_id, t, _ in shares if t <= epoch],
            status_events=self.status_events,
        )

        status, final_outcome, updated = CrimeStatus.OPEN, "", reported
        event_ids = [0] * len(kept)
        for i in sorted(range(len(kept)), key=lambda i: (kept[i].t, kept[i].code)):
            e = kept[i]
            if e.code in STATUS_AFTER:
                status = STATUS_AFTER[EventCode(e.code)]
                if e.code == EventCode.CASE_CLOSED:
                    final_outcome = json.loads(e.details)["outcome"]
            updated = max(updated, e.recorded)
            event_ids[i] = self.new_id("event")
            rows["event"].append(
                (
                    event_ids[i],
                    crime_id,
                    e.code,
                    self.ts(e.t),
                    self.ts(e.received),
                    self.ts(e.recorded),
                    e.user,
                    e.org,
                    e.victim,
                    e.details,
                    "",
                    None,
                    None,
                )
            )
        rows["duty"].extend(duty_rows(crime_duties, event_ids, self.ts))
        for org_id, t, why in shares:
            if t <= epoch:
                rows["share"].append((self.new_id("share"), crime_id, org_id, oic, self.ts(t), why))
        rows["crime"].append(
            (
                crime_id,
                plan.force_id,
                crn,
                off.id,
                da,
                hate,
                self.ts(occurred),
                self.ts(reported),
                area_id,
                oic,
                team.id,
                str(status),
                final_outcome,
                restricted,
                reason,
                oic,
                self.ts(reported + rng.randrange(60, 1800)),
                self.ts(updated),
            )
        )

    def journey(
        self,
        rng: Any,
        off: _OffencePlan,
        da: bool,
        reported: int,
        bcu: _BcuPlan,
        police: Callable[..., None],
        partner: Callable[..., None],
        share: Callable[[int, int, str, str], None],
    ) -> tuple[int, str]:
        """Events from report to outcome (times may pass the epoch); returns (closed at, outcome)."""
        p = self.p
        group = off.group
        suspect_p = (
            p["suspect_identified"]["domestic_abuse"]
            if da
            else p["suspect_identified"].get(group, p["suspect_identified"]["default"])
        )
        if rng.random() >= suspect_p:
            screened = p["screened_out"].get(group, p["screened_out"]["default"])
            if not off.restricted and not da and rng.random() < screened:
                t = reported + rng.randrange(DAY, 7 * DAY)
                police(t, EventCode.DECISION_NOT_TO_INVESTIGATE)
                return t + rng.randrange(HOUR, DAY), CrimeOutcome.NO_SUSPECT
            if rng.random() < 0.5:
                police(reported + rng.randrange(HOUR, 5 * DAY), EventCode.STATEMENT_TAKEN)
            return reported + rng.randrange(14 * DAY, 150 * DAY), CrimeOutcome.NO_SUSPECT

        police(reported + rng.randrange(HOUR, 3 * DAY), EventCode.STATEMENT_TAKEN)
        arrested = reported + (
            rng.randrange(HOUR, 2 * DAY) if da else rng.randrange(HOUR, 45 * DAY)
        )
        police(arrested, EventCode.SUSPECT_ARRESTED)
        interviewed = arrested + rng.randrange(2 * HOUR, 20 * HOUR)
        police(interviewed, EventCode.SUSPECT_INTERVIEWED)
        release = self.bail.pick(rng)
        decision = self.after_arrest.pick(rng)
        if release == "remanded":
            decision = "charged"
            decided = interviewed + rng.randrange(HOUR, 12 * HOUR)
        else:
            released = interviewed + rng.randrange(HOUR, 6 * HOUR)
            if release == "bail":
                conditions = rng.sample(p["bail_conditions"], rng.randint(1, 3))
                police(released, EventCode.RELEASED_ON_BAIL, details={"conditions": conditions})
            else:
                police(released, EventCode.RELEASED_UNDER_INVESTIGATION)
            decided = released + rng.randrange(7 * DAY, 240 * DAY)
        if decision == "no_further_action":
            police(decided, EventCode.RELEASED_NO_FURTHER_ACTION)
            return decided + rng.randrange(HOUR, 2 * DAY), CrimeOutcome.NO_FURTHER_ACTION
        if decision == "out_of_court":
            police(decided, EventCode.OUT_OF_COURT_DISPOSAL)
            return decided + rng.randrange(HOUR, 2 * DAY), CrimeOutcome.OUT_OF_COURT
        if decision == "not_prosecuted":
            share(
                bcu.cps.id,
                decided - rng.randrange(DAY, 7 * DAY),
                bcu.cps.code,
                "Charging decision",
            )
            partner(bcu.cps, decided, EventCode.DECISION_NOT_TO_PROSECUTE)
            return decided + rng.randrange(DAY, 5 * DAY), CrimeOutcome.NOT_PROSECUTED
        if decision == "withdrawn":
            return decided, CrimeOutcome.WITHDRAWN

        # Charged: the case goes to the CPS and the Witness Care Unit, then to court.
        share(bcu.cps.id, decided - rng.randrange(HOUR, 2 * DAY), bcu.cps.code, "Charging decision")
        police(decided, EventCode.CHARGED, details={"offence": off.code})
        share(
            bcu.wcu.id, decided + rng.randrange(600, 6 * HOUR), bcu.wcu.code, "Case going to court"
        )
        crown = group in self.crown_groups or off.enhanced
        listed = decided + rng.randrange(HOUR, 14 * DAY)
        first_hearing = _at_ten(
            listed + rng.randrange(DAY if release == "remanded" else 3 * DAY, 21 * DAY)
        )
        partner(
            bcu.wcu,
            listed,
            EventCode.HEARING_SCHEDULED,
            details={"hearing_at": _iso(first_hearing), "court": bcu.magistrates.name},
        )
        if self.plea.pick(rng) == "guilty":
            partner(
                bcu.wcu,
                first_hearing + 4 * HOUR,
                EventCode.VERDICT,
                details={"result": "guilty_plea"},
            )
            convicted = first_hearing
        else:
            partner(bcu.wcu, first_hearing + 4 * HOUR, EventCode.WITNESS_REQUIRED)
            court = bcu.crown if crown else bcu.magistrates
            trial = _at_ten(first_hearing + rng.randrange(45 * DAY, 330 * DAY))
            partner(
                bcu.wcu,
                first_hearing + rng.randrange(5 * HOUR, 3 * DAY),
                EventCode.HEARING_SCHEDULED,
                details={"hearing_at": _iso(trial), "court": court.name},
            )
            guilty = rng.random() < p["verdict_guilty"]
            partner(
                bcu.wcu,
                trial + rng.randrange(4 * HOUR, 4 * DAY),
                EventCode.VERDICT,
                details={"result": "guilty" if guilty else "not_guilty"},
            )
            if not guilty:
                return trial + 5 * DAY, CrimeOutcome.ACQUITTED
            convicted = trial + 4 * DAY
        sentenced = convicted + rng.randrange(HOUR, 42 * DAY)
        sentence = self.sentences.pick(rng)
        months = (
            rng.choice((6, 9, 12, 18, 24, 36, 48, 72))
            if sentence in ("custody", "suspended")
            else 0
        )
        partner(
            bcu.wcu,
            sentenced,
            EventCode.SENTENCED,
            # The length as the Witness Care Unit records it (cases/validation.py): custody only.
            details={"sentence": sentence, "custody_months": months}
            if sentence == "custody"
            else {"sentence": sentence},
        )
        if sentence == "custody" and months >= 12 and group in self.vcs_groups:
            # VCOP Right 11: the Victim Contact Scheme for 12 months' custody or more.
            referred = sentenced + rng.randrange(DAY, 10 * DAY)
            share(
                self.plan.probation.id, referred, self.plan.probation.code, "Victim Contact Scheme"
            )
            partner(self.plan.probation, referred + HOUR, EventCode.VCS_REFERRAL_RECEIVED)
            sentenced = referred
        return sentenced + rng.randrange(DAY, 7 * DAY), CrimeOutcome.CONVICTED

    def people(
        self,
        rng: Any,
        crime_id: int,
        off: _OffencePlan,
        da: bool,
        reported: int,
        oic: int,
        team_id: int,
        area_name: str,
        rows: dict[str, list[tuple[Any, ...]]],
    ) -> list[tuple[int, bool]]:
        """Victim rows (with needs, consents, equality) and links; returns [(victim id, primary)]."""
        p = self.p
        linked: list[tuple[int, bool]] = []
        if off.group == "homicide":
            # The person who died is not a contact; a bereaved relative is (VCOP: close relatives).
            age = rng.randint(25, 70)
            pk = self.person(
                rng,
                off,
                da,
                reported,
                oic,
                team_id,
                area_name,
                age,
                VictimRole.BEREAVED_RELATIVE,
                rows,
            )
            linked.append((pk, True))
            self.link(crime_id, pk, VictimRole.BEREAVED_RELATIVE, True, reported, rows)
            return linked
        n = self.victims_per_crime.pick(rng)
        for i in range(n):
            if rng.random() < p["under_18"]:
                age = rng.randint(10, 17)
                child = self.person(
                    rng, off, da, reported, oic, team_id, area_name, age, VictimRole.VICTIM, rows
                )
                self.link(crime_id, child, VictimRole.VICTIM, False, reported, rows)
                parent = self.person(
                    rng,
                    off,
                    da,
                    reported,
                    oic,
                    team_id,
                    area_name,
                    rng.randint(30, 55),
                    VictimRole.PARENT_OR_GUARDIAN,
                    rows,
                )
                self.link(crime_id, parent, VictimRole.PARENT_OR_GUARDIAN, True, reported, rows)
                linked += [(child, False), (parent, True)]
            else:
                lo, hi = self.ages.pick(rng)
                pk = self.person(
                    rng,
                    off,
                    da and i == 0,
                    reported,
                    oic,
                    team_id,
                    area_name,
                    rng.randint(lo, hi),
                    VictimRole.VICTIM,
                    rows,
                )
                self.link(crime_id, pk, VictimRole.VICTIM, True, reported, rows)
                linked.append((pk, True))
        return linked

    def link(
        self,
        crime_id: int,
        victim_id: int,
        role: str,
        primary: bool,
        at: int,
        rows: dict[str, list[tuple[Any, ...]]],
    ) -> None:
        rows["link"].append(
            (self.new_id("link"), crime_id, victim_id, str(role), primary, self.ts(at))
        )

    def person(
        self,
        rng: Any,
        off: _OffencePlan,
        da: bool,
        reported: int,
        oic: int,
        team_id: int,
        area_name: str,
        age: int,
        role: str,
        rows: dict[str, list[tuple[Any, ...]]],
    ) -> int:
        p, plan = self.p, self.plan
        epoch = plan.epoch
        pk = self.new_id("victim")
        given = plan.given[rng.randrange(len(plan.given))]
        family = plan.family[rng.randrange(len(plan.family))]
        full_name = f"{given} {family}"
        dob = time.strftime(
            "%Y-%m-%d",
            time.gmtime(reported - int(age * 365.25 * DAY) - rng.randrange(0, 360 * DAY)),
        )
        phone = f"+447700900{rng.randrange(1000):03d}" if rng.random() < p["has_phone"] else None
        email = (
            f"{_ascii_slug(given)}.{_ascii_slug(family)}{rng.randrange(1, 1000)}@{plan.email_domain}"
            if rng.random() < p["has_email"] and age >= 13
            else None
        )
        address = (
            f"{rng.randint(1, 250)} {rng.choice(p['streets'])}, {area_name}, London"
            if rng.random() < p["has_address"]
            else None
        )
        lang = self.languages.pick(rng)
        interpreter = rng.random() < lang["interpreter"]
        fmt = self.formats.pick(rng)
        # Safe contact: most domestic abuse victims must not be texted, left voicemail or written to at home.
        restrictive = da and rng.random() < p["restrictive_contact_for_domestic_abuse"]
        wants_updates = rng.random() < p["wants_updates"]
        code_word = None
        safe_from = safe_until = None
        only_if_initiates = False
        if restrictive:
            safe_call, safe_text, safe_email, letters, voicemail = (
                phone is not None,
                False,
                email is not None and rng.random() < 0.3,
                False,
                False,
            )
            window = rng.choice(p["safe_windows"])
            safe_from, safe_until = f"{window[0]}:00", f"{window[1]}:00"
            code_word = rng.choice(p["code_words"])
            only_if_initiates = rng.random() < p["victim_initiates_only"]
            if not (safe_call or safe_email):
                # Nothing is safe: updates only when the victim gets in touch.
                only_if_initiates, wants_updates = True, False
            channel = Channel.PHONE if safe_call else Channel.EMAIL if safe_email else Channel.PHONE
        else:
            safe_call, safe_text, safe_email, letters, voicemail = (
                phone is not None,
                phone is not None,
                email is not None,
                address is not None,
                True,
            )
            channel = self.channels.pick(rng)
            if (
                (channel in (Channel.SMS, Channel.PHONE) and phone is None)
                or (channel == Channel.EMAIL and email is None)
                or (channel == Channel.LETTER and address is None)
            ):
                channel = Channel.PHONE if phone else Channel.EMAIL if email else Channel.LETTER
            if not (safe_call or safe_text or safe_email or letters):
                wants_updates = False
        if fmt == "braille" and channel == Channel.SMS:
            channel = Channel.LETTER if letters else channel
        at = self.ts(reported)
        confirmed = (off.restricted or da) and wants_updates
        rows["victim"].append(
            (
                pk,
                plan.force_id,
                encrypt_text(full_name),
                blind_index(full_name, kind="name"),
                encrypt_text(dob),
                encrypt_text(phone) if phone else None,
                blind_index(phone, kind="phone") if phone else None,
                encrypt_text(email) if email else None,
                blind_index(email, kind="email") if email else None,
                encrypt_text(address) if address else None,
                str(channel),
                lang["code"],
                interpreter,
                fmt,
                wants_updates,
                safe_call,
                safe_text,
                safe_email,
                letters,
                voicemail,
                safe_from,
                safe_until,
                encrypt_text(code_word) if code_word else None,
                only_if_initiates,
                # On a restricted case the officer confirms a safe channel when taking the
                # report (messaging sends nothing automated until someone has).
                at if confirmed else None,
                oic if confirmed else None,
                at,
                at,
            )
        )

        # Needs assessment: one version, decided by the officer in the case.
        vulnerabilities = [v for v, chance in p["vulnerabilities"].items() if rng.random() < chance]
        if (
            da
            and "repeat_victim" not in vulnerabilities
            and rng.random() < p["repeat_victim_domestic_abuse"]
        ):
            vulnerabilities.append("repeat_victim")
        if age >= p["elderly_from_age"]:
            vulnerabilities.insert(0, "elderly")
        reasons: list[str] = []
        if off.enhanced or role == VictimRole.BEREAVED_RELATIVE:
            reasons.append(EnhancedReason.MOST_SERIOUS_CRIME)
        if age < 18:
            reasons.append(EnhancedReason.UNDER_18)
        if da or off.group == "sexual_offences":
            reasons.append(EnhancedReason.INTIMIDATED)
        if da and "repeat_victim" in vulnerabilities:
            reasons.append(EnhancedReason.PERSISTENTLY_TARGETED)
        for vulnerability, reason in (
            ("mental_health", EnhancedReason.MENTAL_DISORDER),
            ("learning_disability", EnhancedReason.IMPAIRMENT),
            ("physical_disability", EnhancedReason.PHYSICAL_DISABILITY),
        ):
            if vulnerability in vulnerabilities:
                reasons.append(reason)
        special = (
            sorted(rng.sample(p["special_measures"], rng.randint(1, 3)))
            if reasons and role != VictimRole.PARENT_OR_GUARDIAN and rng.random() < 0.6
            else []
        )
        if age < 18 and "recorded_interview" not in special:
            special.append("recorded_interview")
        support = [s for s, chance in p["support"].items() if rng.random() < chance]
        if da:
            support.append("idva")
        if off.group == "sexual_offences":
            support.append("isva")
        needs: list[str] = []
        if interpreter:
            needs.append(f"Interpreter: {lang.get('name', lang['code'])}")
        if fmt:
            needs.append(
                {
                    "large_print": "Large print",
                    "easy_read": "Easy read",
                    "braille": "Braille",
                    "bsl": "British Sign Language interpreter",
                }[fmt]
            )
        assessment, version = self.new_id("needs"), self.new_id("version")
        decided = self.ts(min(reported + rng.randrange(HOUR, 20 * HOUR), epoch))
        rows["version"].append(
            (
                version,
                assessment,
                1,
                self.json(vulnerabilities),
                "; ".join(needs),
                self.json(special),
                self.json(support),
                bool(reasons),
                self.json([str(r) for r in reasons]),
                None,
                oic,
                team_id,
                decided,
            )
        )
        rows["needs"].append((assessment, pk, version))

        consents = p["consents"]
        method = "in_person" if rng.random() < 0.6 else "phone"
        for kind in ("referral", "sharing", "feedback_contact"):
            if kind == "feedback_contact" and (age < 16 or da):
                continue  # excluded from the satisfaction surveys (see london.md)
            rows["consent"].append(
                (
                    self.new_id("consent"),
                    pk,
                    kind,
                    rng.random() < consents[kind],
                    method,
                    decided,
                    oic,
                )
            )

        eq = p["equality"]
        if rng.random() < eq["declared"]:
            band = _age_band(age) if rng.random() < 0.92 else "not_said"
            rows["equality"].append(
                (
                    self.new_id("equality"),
                    pk,
                    band,
                    self.sex.pick(rng),
                    self.ethnicity.pick(rng),
                    self.disability.pick(rng),
                    decided,
                )
            )
        return pk


def _age_band(age: int) -> str:
    for limit, band in (
        (16, "under_16"),
        (25, "16_24"),
        (35, "25_34"),
        (45, "35_44"),
        (55, "45_54"),
        (65, "55_64"),
    ):
        if age < limit:
            return band
    return "65_plus"


def _at_ten(t: int) -> int:
    """10:00 UTC on the day of `t` (courts list in the morning)."""
    return t - t % DAY + 10 * HOUR


def _iso(t: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(t))


# --------------------------------------------------------------------------- writing


def _id_bases() -> dict[str, int]:
    """The first free id of every table (the max id, or the sequence if it ran further)."""
    bases: dict[str, int] = {}
    with connection.cursor() as cursor:
        for table in TABLES:
            qn = connection.ops.quote_name(table.name)
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {qn}")  # noqa: S608 - our table names  # nosec B608  # nosemgrep: vc-raw-sql-string-building
            top = int(cursor.fetchone()[0])
            if connection.vendor == "postgresql":
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table.name])
                seq = cursor.fetchone()[0]
                cursor.execute(f"SELECT last_value, is_called FROM {seq}")  # noqa: S608  # our quoted table names only  # nosec B608  # nosemgrep: vc-raw-sql-string-building
                last, called = cursor.fetchone()
                top = max(top, int(last) if called else int(last) - 1)
            elif connection.vendor == "sqlite":
                cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table.name])
                row = cursor.fetchone()
                top = max(top, int(row[0]) if row else 0)
            bases[table.key] = top + 1
    return bases


def _sequences_advance(next_ids: dict[str, int]) -> None:
    """Move PostgreSQL's sequences past the ids written (SQLite's AUTOINCREMENT follows by itself)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, true)",
                [table.name, next_ids[table.key] - 1],
            )


def _triggers_off() -> bool:
    """On PostgreSQL as a superuser, skip the per-row foreign-key triggers while writing.

    Every reference is made consistent by construction, and the deferred RI
    checks of ~15 rows per crime would otherwise more than double the write
    time (measured: see benchmarks/results/cases.md). Only for this step's
    COPYs, in this transaction; elsewhere (or without the privilege) the
    constraints are checked as usual.
    """
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
        if not (row and row[0]):
            return False
        cursor.execute("SET LOCAL session_replication_role = replica")
    return True


def _write(rows: dict[str, list[tuple[Any, ...]]]) -> int:
    """Insert one chunk's rows, table by table (FKs are deferred to commit on both backends)."""
    written = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor
        for table in TABLES:
            batch = rows[table.key]
            if not batch:
                continue
            cols = ", ".join(connection.ops.quote_name(c) for c in table.columns)
            qn = connection.ops.quote_name(table.name)
            if connection.vendor == "postgresql":
                with raw.copy(f"COPY {qn} ({cols}) FROM STDIN") as copy:
                    for row in batch:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" * len(table.columns))
                raw.executemany(f"INSERT INTO {qn} ({cols}) VALUES ({marks})", batch)  # noqa: S608  # our quoted table names only  # nosec B608  # nosemgrep: vc-raw-sql-string-building
            written += len(batch)
    return written


def _produce(plan: _Plan, chunks: int, out: Any) -> None:
    """The builder process: put (chunk, crimes, rows) on `out` in order, then None."""
    try:
        builder = _Builder(plan)
        for k in range(chunks):
            count, rows = builder.chunk(k)
            out.put((k, count, rows, dict(builder.next_id)))
        out.put(None)
    except BaseException:  # noqa: BLE001 - reported to the writer, which raises it
        out.put(("error", traceback.format_exc()))


def _chunks_built(
    plan: _Plan, chunks: int, *, in_process: bool
) -> Iterator[tuple[int, int, dict[str, list[tuple[Any, ...]]], dict[str, int]]]:
    if in_process:
        builder = _Builder(plan)
        for k in range(chunks):
            count, rows = builder.chunk(k)
            yield k, count, rows, dict(builder.next_id)
        return
    mp = multiprocessing.get_context("fork")
    out = mp.Queue(maxsize=QUEUE_CHUNKS)
    proc = mp.Process(
        target=_produce, args=(plan, chunks, out), daemon=True, name="demo-crimes-builder"
    )
    proc.start()
    try:
        while True:
            try:
                item = out.get(timeout=5)
            except queue.Empty:
                if not proc.is_alive():
                    raise DemoError(
                        "The process building the demo crimes stopped unexpectedly."
                    ) from None
                continue
            if item is None:
                break
            if item[0] == "error":
                raise DemoError(f"Building the demo crimes failed:\n{item[1]}")
            yield item
    finally:
        if proc.is_alive():
            proc.terminate()
        proc.join(timeout=10)


def crimes_build(ctx: DemoContext, total: int, *, in_process: bool | None = None) -> dict[str, int]:
    """Generate and insert `total` crimes with everything hanging off them; returns rows per table.

    `in_process` forces (True) or forbids (False) building in this process;
    by default a builder process is used from PROCESS_THRESHOLD crimes on.
    """
    tables_check()
    plan = _plan(ctx, total)
    plan.id_bases = _id_bases()
    if in_process is None:
        in_process = (
            total < PROCESS_THRESHOLD or "fork" not in multiprocessing.get_all_start_methods()
        )
    chunks = (total + CHUNK - 1) // CHUNK
    counts = {t.key: 0 for t in TABLES}
    next_ids = dict(plan.id_bases)
    started = time.perf_counter()
    skip_triggers = _triggers_off()
    with ctx.progress(total=total, desc="crimes") as bar:
        bar.unit = " crimes"
        for _, count, rows, built_ids in _chunks_built(plan, chunks, in_process=in_process):
            try:
                _write(rows)
            except IntegrityError as exc:
                raise DemoError(
                    "A demo crime collides with an existing one (same crime reference number?). "
                    "Run `victimcare demo --reset` or delete the crimes in the demo's CRN range."
                ) from exc
            for key, batch in rows.items():
                counts[key] += len(batch)
            next_ids = built_ids
            bar.update(count)
    if skip_triggers:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = origin")
    _sequences_advance(next_ids)
    ctx.timings["crimes: build and write"] = time.perf_counter() - started
    if connection.vendor == "postgresql":
        # Fresh statistics, so the first queries on a million crimes get good plans.
        analysed = time.perf_counter()
        with connection.cursor() as cursor:
            for table in TABLES:
                # nosemgrep: vc-raw-sql-string-building - our quoted table names only
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table.name)}")
        ctx.timings["crimes: analyse"] = time.perf_counter() - analysed
    return counts


# --------------------------------------------------------------------------- the step


def crimes_add_arguments(parser: CommandParser) -> None:
    parser.add_argument(
        "--crimes",
        type=_crime_count,
        default=0,
        metavar="N",
        help=(
            "Also generate N crimes with victims, needs assessments and journeys over the last five "
            f"years (default 0; {RECOMMENDED_CRIMES:,} for a lively local demo; 1,000,000 for benchmarks)."
        ),
    )


def _crime_count(text: str) -> int:
    from argparse import ArgumentTypeError

    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise ArgumentTypeError(f"'{text}' is not a whole number") from None
    limit = 9_999_999 - crime_parameters()["crn"]["first_serial"] + 1
    if not 0 <= value <= limit:
        raise ArgumentTypeError(f"must be between 0 and {limit:,}")
    return value


def crimes_reset(ctx: DemoContext) -> int:
    """Delete the demo crimes (OIC or creator a demo account) and the victims only they link to.

    Raw DELETEs in dependency order, because the ORM's collector would load a
    million rows; rows of other apps that point at these crimes or victims are
    deleted first through the ORM (so their own rules apply).
    """
    qn = connection.ops.quote_name
    user = qn(User._meta.db_table)
    crime, link = qn(Crime._meta.db_table), qn(CrimeVictim._meta.db_table)
    event = qn(JourneyEvent._meta.db_table)
    needs, version = qn(NeedsAssessment._meta.db_table), qn(NeedsAssessmentVersion._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS demo_reset_crimes")
        cursor.execute("DROP TABLE IF EXISTS demo_reset_victims")
        cursor.execute(
            f"CREATE TEMPORARY TABLE demo_reset_crimes AS SELECT c.id FROM {crime} c "  # noqa: S608  # our quoted table names only  # nosec B608
            f"WHERE c.oic_id IN (SELECT id FROM {user} WHERE otp_exempt) "
            f"OR c.created_by_id IN (SELECT id FROM {user} WHERE otp_exempt)"
        )
        cursor.execute("SELECT COUNT(*) FROM demo_reset_crimes")
        if not cursor.fetchone()[0]:
            cursor.execute("DROP TABLE demo_reset_crimes")
            return 0
        cursor.execute("CREATE UNIQUE INDEX demo_reset_crimes_id ON demo_reset_crimes (id)")
        cursor.execute(
            f"CREATE TEMPORARY TABLE demo_reset_victims AS SELECT DISTINCT l.victim_id AS id FROM {link} l "  # noqa: S608  # our quoted table names only  # nosec B608
            "WHERE l.crime_id IN (SELECT id FROM demo_reset_crimes)"
        )
        cursor.execute(
            "DELETE FROM demo_reset_victims WHERE id IN ("  # noqa: S608  # our quoted table names only  # nosec B608
            f"SELECT l.victim_id FROM {link} l WHERE l.crime_id NOT IN (SELECT id FROM demo_reset_crimes) "
            f"UNION SELECT e.victim_id FROM {event} e WHERE e.victim_id IS NOT NULL "
            "AND e.crime_id NOT IN (SELECT id FROM demo_reset_crimes))"
        )
        cursor.execute("CREATE UNIQUE INDEX demo_reset_victims_id ON demo_reset_victims (id)")

        known = {
            m
            for m in (
                CaseShare,
                CrimeVictim,
                JourneyEvent,
                EqualityData,
                ConsentRecord,
                NeedsAssessment,
                Duty,
            )
        }
        for model, temp in ((Crime, "demo_reset_crimes"), (Victim, "demo_reset_victims")):
            for rel in model._meta.related_objects:
                if rel.related_model in known or rel.related_model is model:
                    continue
                ids = models.expressions.RawSQL(f"SELECT id FROM {temp}", [])  # noqa: S608, S611  # our quoted table names only  # nosec B608, B611  # nosemgrep: vc-raw-sql-string-building
                rel.related_model._default_manager.filter(**{f"{rel.field.name}__in": ids}).delete()

        cursor.execute(
            f"UPDATE {needs} SET current_id = NULL "  # noqa: S608 - our table names  # nosec B608
            "WHERE victim_id IN (SELECT id FROM demo_reset_victims)"
        )
        cursor.execute(
            f"DELETE FROM {version} WHERE assessment_id IN "  # noqa: S608 - our table names  # nosec B608
            f"(SELECT id FROM {needs} WHERE victim_id IN (SELECT id FROM demo_reset_victims))"
        )
        deleted = max(cursor.rowcount, 0)
        # Duties point at each other (periodic chains) and at the events: raw, before the events.
        notification, duty = qn(DutyNotification._meta.db_table), qn(Duty._meta.db_table)
        cursor.execute(
            f"DELETE FROM {notification} WHERE duty_id IN "  # noqa: S608 - our table names  # nosec B608
            f"(SELECT id FROM {duty} WHERE crime_id IN (SELECT id FROM demo_reset_crimes))"
        )
        deleted += max(cursor.rowcount, 0)
        for model, column, temp in (
            (Duty, "crime_id", "demo_reset_crimes"),
            (JourneyEvent, "crime_id", "demo_reset_crimes"),
            (CaseShare, "crime_id", "demo_reset_crimes"),
            (CrimeVictim, "crime_id", "demo_reset_crimes"),
            (Crime, "id", "demo_reset_crimes"),
            (NeedsAssessment, "victim_id", "demo_reset_victims"),
            (ConsentRecord, "victim_id", "demo_reset_victims"),
            (EqualityData, "victim_id", "demo_reset_victims"),
            (Victim, "id", "demo_reset_victims"),
        ):
            table = qn(model._meta.db_table)
            cursor.execute(f"DELETE FROM {table} WHERE {column} IN (SELECT id FROM {temp})")  # noqa: S608  # our quoted table names only  # nosec B608  # nosemgrep: vc-raw-sql-string-building
            deleted += max(cursor.rowcount, 0)
        cursor.execute("DROP TABLE demo_reset_crimes")
        cursor.execute("DROP TABLE demo_reset_victims")
    return deleted


@demo_step("crimes", order=40, reset=crimes_reset, add_arguments=crimes_add_arguments)
def crimes_generate(ctx: DemoContext) -> int:
    """Load the offence list, then generate `--crimes N` crimes (none by default)."""
    offences_load(name=settings.OFFENCE_LIST)
    total = int(ctx.options.get("crimes") or 0)
    if total <= 0:
        return 0
    force = ctx.organisations.get(ctx.catalogue.reference.force_code)
    p = crime_parameters()
    sample = p["crn"]["format"].format(serial=p["crn"]["first_serial"], yy=26)
    if force is not None and force.crn_pattern and not re.fullmatch(force.crn_pattern, sample):
        raise DemoError(
            f"The demo's crime reference numbers ({sample}) do not match the force's format "
            f"({force.crn_pattern}); change crn.format in demo/data/crimes.json."
        )
    return sum(crimes_build(ctx, total).values())
