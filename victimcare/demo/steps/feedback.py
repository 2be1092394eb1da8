"""Demo feedback (issue 6): officer QR cards, rated contacts and the review lists they feed.

Runs after the messages step, on the crimes and journeys already written:

- every police officer and supervisor gets one active personal card. Its code
  has the shape and size of a real one (128 bits, 22 URL-safe characters) but,
  in the demo only, comes from the seeded stream so the same seed gives the same
  cards; the live service draws codes from `secrets`;
- officer contacts with a victim (`feedback.constants.FEEDBACK_EVENTS`, the
  latest `CONTACTS_MAX`: all of them at demo sizes) get the invitations the live
  service would have made: the text or email of `feedback.dispatch` (the
  victim's preferred channel only, only where the safe-contact rules allow an
  automated message — so none for a restricted case without a confirmed safe
  channel — and at most one per person per FEEDBACK_INVITE_MIN_DAYS), and a QR
  code when the officer visited and showed it. A few personal-card invitations
  (street encounters, no case) are added;
- about a quarter of invitations are answered, more by young people (the QR
  drew them; a parent answers for a child under 16), within the token's life
  and before the epoch; the rest expire unused or are still open;
- ratings are calibrated to the 2013 report (demo/data/feedback.json
  "calibration"): each response gets a probability of being satisfied from its
  officer (a few stand out, a few are low) and its answers (ethnic group,
  disability, whether needs were recognised, borough), with group offsets
  fitted (raking in logit space) so every target holds in expectation; the
  satisfied responses are then drawn by systematic sampling along the responses
  sorted by those groups, so each group's realised share is its expected share
  to within a response or two rather than only on average;
- comments (English and Polish responses only) come from small synthetic phrase
  banks, a few of them safeguarding concerns;
- every comment is screened with the live `triage.screen`, and each response
  that `review.review_kind_for` puts on a list goes through the live
  `review.response_followup` with `now` at the moment it arrived, so review
  items, urgent items, contact-back tasks and staff emails are what the service
  makes. Then, as the messages step does, only the last days are left to the
  worker: contact tasks get the moment their response arrived, and staff emails
  about urgent items older than `EMAIL_DAYS` are dropped (they would have gone
  long ago). Older items are closed with outcomes and the best-rated officers
  get a commendation.

Bulk-written; every random choice from a `feedback:*` stream and every time
from the epoch and the journeys, so the same seed gives the same feedback.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, models
from django.db.models import Max, Q

from victimcare.accounts.constants import POLICE_KINDS, Role
from victimcare.accounts.models import Organisation, User
from victimcare.cases.constants import VictimRole
from victimcare.cases.models import CrimeVictim, JourneyEvent
from victimcare.core.crypto import encrypt_text
from victimcare.core.fields import EncryptedTextField
from victimcare.feedback import triage
from victimcare.feedback.constants import (
    FEEDBACK_EVENTS,
    LOW_RATINGS,
    InvitationChannel,
    ResponseSource,
    ReviewKind,
    ReviewState,
)
from victimcare.feedback.dispatch import invite_min_days
from victimcare.feedback.models import Commendation, Invitation, OfficerCard, Response, Review
from victimcare.feedback.review import response_followup, review_kind_for
from victimcare.feedback.services import invitation_days, token_hash
from victimcare.messaging import wording
from victimcare.messaging.constants import TaskKind, TaskState
from victimcare.messaging.models import ContactTask, OutboundMessage
from victimcare.messaging.safety import RESTRICTED_GROUPS

from ..catalogue import DATA_DIR, DemoError
from ..constants import BATCH_SIZE
from ..pipeline import DemoContext, demo_step

# At most this many of the latest officer contacts are considered, so a
# million-crime demo stays quick (at demo sizes this is every contact).
CONTACTS_MAX = 150_000
# Staff emails about urgent items of the last EMAIL_DAYS are left for the worker
# (as the messages step messages only the last days' events).
EMAIL_DAYS = 2
# The live service's automated invitation channels (feedback.dispatch.AUTOMATED).
AUTOMATED = {"sms": InvitationChannel.SMS.value, "email": InvitationChannel.EMAIL.value}
FEEDBACK_TASKS = (TaskKind.FEEDBACK_CONTACT_BACK, TaskKind.FEEDBACK_SAFETY)
URGENT_EMAIL_KEY = "feedback-urgent:"
# Contacts where the officer can open the QR page (services.invitation_create: CONTACT_EVENTS).
QR_EVENTS = frozenset({"contact_visit", "contact_call"})
HOUR = 3600.0
DAY = 86_400.0


@cache
def feedback_parameters() -> dict[str, Any]:
    """The generation parameters and calibration targets (demo/data/feedback.json)."""
    path: Path = DATA_DIR / "feedback.json"
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def demo_card_code(rng: Any) -> str:
    """A card code of the real shape (TOKEN_PATTERN) from the seeded stream: demo only."""
    return base64.urlsafe_b64encode(rng.getrandbits(128).to_bytes(16, "big")).rstrip(b"=").decode()


def _pick(rng: Any, weights: dict[str, float]) -> str:
    u = rng.random() * sum(weights.values())
    for key, weight in weights.items():
        u -= weight
        if u < 0:
            return key
    return next(reversed(weights))


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def wilson_lower(satisfied: int, n: int, z: float = 1.96) -> float:
    """The lower end of the Wilson 95% interval of satisfied / n (0 for n = 0)."""
    if n == 0:
        return 0.0
    p = satisfied / n
    centre = p + z * z / (2 * n)
    margin = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - margin) / (1 + z * z / n)


@dataclass
class _Contact:
    """One officer contact with a victim, as read for the invitations."""

    event: int
    crime: int
    victim: int
    officer: int
    code: str
    recorded: dt.datetime
    preferred: str
    language: str
    wants_updates: bool
    initiates_only: bool
    safe_to_text: bool
    safe_to_email: bool
    phone_index: str
    has_email: bool
    confirmed: bool
    borough: str
    age_band: str
    ethnicity: str
    disability: str


@dataclass
class _Answer:
    """A response being built: what the respondent said, and the groups it is calibrated in."""

    invitation: int  # index into the invitation list
    officer: int
    created: dt.datetime
    source: str
    language: str
    age_band: str = ""
    ethnicity: str = ""
    disability: str = ""
    needs: str = ""
    borough: str = ""
    rating: int = 0
    went_well: str = ""
    could_be_better: str = ""
    contact_back: bool = False
    forum: bool = False


def _may_send(c: _Contact, channel: str, restricted: bool) -> bool:
    """Rules 2–5 of messaging.safety.contact_verdict (what feedback.dispatch asks
    through enqueue_verdict) on the victim's flags; `restricted`: any crime the
    victim is linked to is. The test checks every generated text and email
    invitation against the real function."""
    if not c.wants_updates or c.initiates_only:
        return False
    if restricted and not c.confirmed:
        return False
    if channel == "sms":
        return c.safe_to_text and bool(c.phone_index)
    return c.safe_to_email and c.has_email


def _restricted_crime() -> Q:
    """messaging.safety.crime_is_restricted, as a filter on CrimeVictim."""
    return (
        Q(crime__restricted=True)
        | Q(crime__domestic_abuse=True)
        | Q(crime__offence__restricted=True)
        | Q(crime__offence__group__in=RESTRICTED_GROUPS)
    )


def _contacts(epoch: dt.datetime, officer_ids: list[int]) -> list[_Contact]:
    """The latest officer contacts with a victim (oldest first); one query."""
    rows = (
        JourneyEvent.objects.filter(
            code__in=FEEDBACK_EVENTS,
            victim__isnull=False,
            supersedes__isnull=True,
            recorded_by__in=officer_ids,
            recorded_at__lte=epoch,
        )
        .order_by("-recorded_at", "-pk")
        .values_list(
            "pk",
            "crime_id",
            "victim_id",
            "recorded_by_id",
            "code",
            "recorded_at",
            "victim__preferred_channel",
            "victim__language",
            "victim__wants_updates",
            "victim__contact_only_if_victim_initiates",
            "victim__safe_to_text",
            "victim__safe_to_email",
            "victim__phone_index",
            "victim__email_index",
            "victim__safe_channel_confirmed_at",
            "crime__area__name",
            "victim__equality__age_band",
            "victim__equality__ethnicity",
            "victim__equality__disability",
        )[:CONTACTS_MAX]
    )
    out = [
        _Contact(
            event=r[0],
            crime=r[1],
            victim=r[2],
            officer=r[3],
            code=r[4],
            recorded=r[5],
            preferred=r[6],
            language=r[7] or "en",
            wants_updates=r[8],
            initiates_only=r[9],
            safe_to_text=r[10],
            safe_to_email=r[11],
            phone_index=r[12] or "",
            has_email=r[13] is not None,
            confirmed=r[14] is not None,
            borough=r[15] or "",
            age_band=r[16] or "",
            ethnicity=r[17] if r[17] is not None else "",
            disability=r[18] or "",
        )
        for r in rows
    ]
    out.reverse()
    return out


def _children(crimes_with_parents: set[int]) -> dict[int, str]:
    """Crime → the declared age band of its child victim (the parent is the contact)."""
    bands: dict[int, str] = {}
    for crime, band in (
        CrimeVictim.objects.filter(role=VictimRole.VICTIM, is_primary_contact=False)
        .order_by("crime_id", "victim_id")
        .values_list("crime_id", "victim__equality__age_band")
    ):
        if crime in crimes_with_parents and band and crime not in bands:
            bands[crime] = band
    return bands


class _Calibration:
    """Satisfaction probabilities fitted to the report's figures, then drawn systematically."""

    def __init__(self, target: dict[str, Any], officer_effect: dict[int, float]) -> None:
        self.target = target
        self.officer_effect = officer_effect

    @staticmethod
    def groups(a: _Answer) -> dict[str, str]:
        eth = (
            "" if a.ethnicity in ("", "not_said") else "white" if a.ethnicity == "white" else "bme"
        )
        dis = a.disability if a.disability in ("yes", "no") else ""
        return {
            "ethnicity": eth,
            "disability": dis,
            "needs_recognised": a.needs,
            "boroughs": a.borough,
        }

    def probabilities(self, answers: Sequence[_Answer]) -> list[float]:
        """P(satisfied) per answer: officer effect plus group offsets fitted so that the mean
        probability of every target group, and of everyone, is the report's figure."""
        t = self.target
        keys = [self.groups(a) for a in answers]
        eta = [_logit(t["satisfied"]) + self.officer_effect.get(a.officer, 0.0) for a in answers]
        # Every target group (and everyone: the overall figure), fitted one after
        # another until none moves (Gauss-Seidel raking on the log-odds).
        members: list[tuple[float, list[int]]] = [(t["satisfied"], list(range(len(answers))))]
        for dim in ("ethnicity", "disability", "needs_recognised", "boroughs"):
            for group, share in sorted(t[dim].items()):
                idx = [i for i, k in enumerate(keys) if k[dim] == group]
                if idx:
                    members.append((share, idx))
        for _ in range(50):
            worst = 0.0
            for share, idx in members:
                mean = sum(_sigmoid(eta[i]) for i in idx) / len(idx)
                step = _logit(share) - _logit(mean)
                for i in idx:
                    eta[i] += step
                worst = max(worst, abs(step))
            if worst < 1e-3:
                break
        return [_sigmoid(x) for x in eta]

    def draw(self, answers: Sequence[_Answer], rng: Any) -> None:
        """Set each answer's rating (1–5): satisfied, neither and dissatisfied by systematic
        sampling in group order, the grade within each from its own share."""
        if not answers:
            return
        t = self.target
        p = self.probabilities(answers)
        order = sorted(
            range(len(answers)),
            key=lambda i, keys=[self.groups(a) for a in answers], tie=[rng.random() for _ in answers]: (  # noqa: B008
                keys[i]["boroughs"],
                keys[i]["ethnicity"],
                keys[i]["disability"],
                keys[i]["needs_recognised"],
                tie[i],
            ),
        )
        neither = t["neither"] / (t["neither"] + t["dissatisfied"])
        acc_sat, acc_neither = rng.random(), rng.random()
        for i in order:
            a = answers[i]
            before = acc_sat
            acc_sat += p[i]
            if math.floor(acc_sat) > math.floor(before):
                a.rating = 5 if rng.random() < t["very_satisfied_of_satisfied"] else 4
                continue
            before = acc_neither
            acc_neither += neither
            if math.floor(acc_neither) > math.floor(before):
                a.rating = 3
            else:
                a.rating = 1 if rng.random() < t["very_dissatisfied_of_dissatisfied"] else 2


def _officer_effects(
    ctx: DemoContext, officers: list[tuple[int, str]], p: dict[str, Any]
) -> dict[int, float]:
    """A logit offset per officer (drawn in email order): most near 0, a few stand out, a few low."""
    rng = ctx.random("feedback:officers")
    spec = p["officers"]
    forced = set(spec["stand_out_sign_ins"])
    effects: dict[int, float] = {}
    for pk, email in officers:
        u = rng.random()
        spread = rng.gauss(0.0, spec["spread"])
        if email in forced or u < spec["stand_out"]:
            effects[pk] = spec["stand_out_effect"] + spread / 2
        elif u < spec["stand_out"] + spec["low"]:
            effects[pk] = spec["low_effect"] + spread / 2
        else:
            effects[pk] = spread
    return effects


def _comments(answers: Sequence[_Answer], epoch: dt.datetime, rng: Any, p: dict[str, Any]) -> None:
    """Comments for a minority of web responses in English or Polish, from the phrase banks."""
    banks = p["phrases"]
    chance = p["comment"]
    guard = p["safeguarding"]
    recent = epoch - dt.timedelta(days=guard["recent_days"])
    for a in answers:
        if a.source != ResponseSource.WEB or a.language not in banks:
            continue
        if rng.random() >= chance[str(a.rating)]:
            continue
        bank = banks[a.language]
        if a.rating in LOW_RATINGS:
            urgent = (
                guard["recent_low_rating_comment"]
                if a.created >= recent
                else guard["low_rating_comment"]
            )
            if rng.random() < urgent:
                a.could_be_better = rng.choice(bank["safeguarding"])
            else:
                a.could_be_better = " ".join(rng.sample(bank["negative"], rng.choice((1, 1, 2))))
            if rng.random() < 0.15:
                a.went_well = rng.choice(bank["neutral"])
        elif a.rating == 3:
            a.could_be_better = rng.choice(
                bank["negative"] if rng.random() < 0.6 else bank["neutral"]
            )
            if rng.random() < 0.4:
                a.went_well = rng.choice(bank["positive"])
        else:
            a.went_well = " ".join(rng.sample(bank["positive"], rng.choice((1, 1, 2))))
            if rng.random() < 0.15:
                a.could_be_better = rng.choice(bank["neutral"])


def _cards(ctx: DemoContext, officers: list[User]) -> list[OfficerCard]:
    rng = ctx.random("feedback:cards")
    cards = []
    for officer in officers:
        code = demo_card_code(rng)
        cards.append(
            OfficerCard(
                officer=officer,
                code_hash=token_hash(code),
                code=code,
                created_at=max(officer.date_joined, ctx.epoch - dt.timedelta(days=730)),
            )
        )
    return ctx.bulk_create(OfficerCard, cards, total=len(cards), desc="feedback cards")


def _supervisors(officers: list[User]) -> dict[int, list[User]]:
    """Organisation → its supervisors, else its parent's (a team without one: the BCU's)."""
    own: dict[int, list[User]] = defaultdict(list)
    for u in officers:
        if u.role == Role.SUPERVISOR and u.organisation_id is not None:
            own[u.organisation_id].append(u)
    orgs = {u.organisation_id for u in officers if u.organisation_id is not None}
    parents = dict(Organisation.objects.filter(pk__in=orgs).values_list("pk", "parent_id"))
    return {org: own.get(org) or own.get(parents.get(org) or 0) or [] for org in orgs}


def _update(model: Any, fields: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """UPDATE model SET fields… WHERE id = … for each (pk, *values), in one executemany.

    Values go through each field's own preparation (encryption included);
    bulk_update's CASE expressions cost seconds for a few thousand rows."""
    if not rows:
        return
    qn = connection.ops.quote_name
    opts = model._meta
    prepared = [
        (
            *(
                opts.get_field(f).get_db_prep_save(v, connection)
                for f, v in zip(fields, row[1:], strict=True)
            ),
            row[0],
        )
        for row in rows
    ]
    sets = ", ".join(f"{qn(opts.get_field(f).column)} = %s" for f in fields)
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {qn(opts.db_table)} SET {sets} WHERE id = %s", prepared)  # noqa: S608  # our quoted table names only  # nosec B608  # nosemgrep: vc-raw-sql-string-building


def _insert(ctx: DemoContext, model: Any, rows: list[dict[str, Any]], *, desc: str) -> list[int]:
    """Insert `rows` (attname → value; a missing column takes its default) with ids
    allocated here; returns the ids, in order.

    The ORM's bulk_create spends most of its time building model instances and
    compiling SQL (on SQLite in batches of a few dozen rows): this writes the same
    values, encrypted, JSON-encoded and time-zone adapted as the fields would, in
    one executemany per batch, then moves PostgreSQL's sequence on."""
    if not rows:
        return []
    qn = connection.ops.quote_name
    opts = model._meta
    table = qn(opts.db_table)
    fields = [f for f in opts.concrete_fields if not f.primary_key]
    unknown = set().union(*rows) - {f.attname for f in fields}
    if unknown:
        raise DemoError(f"The feedback demo writes columns {sorted(unknown)} that {table} lacks.")
    defaults = {f.attname: f.get_default() for f in fields}

    def convert(field: Any) -> Any:
        if isinstance(field, EncryptedTextField):
            return lambda v: None if v is None else encrypt_text(str(v))
        if isinstance(field, models.DateTimeField):
            return connection.ops.adapt_datetimefield_value
        if isinstance(field, models.JSONField):
            return lambda v: field.get_db_prep_save(v, connection)
        return None

    converters = [(f.attname, convert(f)) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608 - our table  # nosec B608  # nosemgrep: vc-raw-sql-string-building
        first = int(cursor.fetchone()[0]) + 1
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [opts.db_table])
            sequence = cursor.fetchone()[0]
            cursor.execute(f"SELECT last_value, is_called FROM {sequence}")  # noqa: S608  # our quoted table names only  # nosec B608  # nosemgrep: vc-raw-sql-string-building
            last, called = cursor.fetchone()
            first = max(first, (int(last) + 1) if called else int(last))
        columns = ", ".join(["id", *(qn(f.column) for f in fields)])
        marks = ", ".join(["%s"] * (len(fields) + 1))
        ids = list(range(first, first + len(rows)))
        with ctx.progress(total=len(rows), desc=desc) as bar:
            for start in range(0, len(rows), BATCH_SIZE):
                batch = rows[start : start + BATCH_SIZE]
                values = []
                for pk, row in zip(ids[start:], batch, strict=False):
                    out: list[Any] = [pk]
                    for name, conv in converters:
                        v = row.get(name, defaults[name])
                        out.append(v if conv is None or v is None else conv(v))
                    values.append(out)
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", values)  # noqa: S608  # our quoted table names only  # nosec B608  # nosemgrep: vc-raw-sql-string-building
                bar.update(len(batch))
        if connection.vendor == "postgresql":
            cursor.execute("SELECT setval(%s, %s, true)", [sequence, ids[-1]])
    return ids


def _close_reviews(ctx: DemoContext, p: dict[str, Any], supervisors: dict[int, list[User]]) -> int:
    """Close most review items older than a fortnight with an outcome (as the officer's
    supervisors would have, review.close rules), and most older feedback desk tasks."""
    rng = ctx.random("feedback:review")
    spec = p["review"]
    cutoff = ctx.epoch - dt.timedelta(days=spec["close_after_days"])
    demo = User.objects.filter(otp_exempt=True).values("pk")
    reviews = []
    for pk, kind, org, created in (
        Review.objects.filter(state=ReviewState.OPEN, created_at__lt=cutoff, officer__in=demo)
        .order_by("created_at", "response_id")
        .values_list("pk", "kind", "organisation_id", "created_at")
    ):
        if rng.random() >= spec["closed"]:
            continue
        closers = supervisors.get(org) or []
        if not closers:
            continue
        outcome = _pick(
            rng, spec["urgent_outcomes"] if kind == ReviewKind.URGENT else spec["outcomes"]
        )
        closer = closers[int(rng.random() * len(closers))]
        closed = created + dt.timedelta(seconds=rng.random() * spec["close_within_days"] * DAY)
        reviews.append(
            (
                pk,
                ReviewState.CLOSED.value,
                outcome,
                p["outcome_notes"][outcome],
                closer.pk,
                min(closed, cutoff),
            )
        )
    _update(Review, ("state", "outcome", "outcome_note", "closed_by", "closed_at"), reviews)

    desk = list(
        User.objects.filter(otp_exempt=True, role=Role.DESK_AGENT, is_active=True)
        .order_by("email")
        .values_list("pk", flat=True)
    )
    tasks = []
    for pk, assignee, created in (
        ContactTask.objects.filter(
            kind__in=FEEDBACK_TASKS,
            state=TaskState.OPEN,
            created_at__lt=cutoff,
            crime__oic__in=demo,
        )
        .order_by("created_at", "crime_id", "victim_id")
        .values_list("pk", "assignee_id", "created_at")
    ):
        if rng.random() >= spec["closed"]:
            continue
        by = assignee if rng.random() < 0.5 or not desk else desk[int(rng.random() * len(desk))]
        done = min(created + dt.timedelta(seconds=rng.random() * 3 * DAY), cutoff)
        tasks.append((pk, TaskState.DONE.value, by, done, rng.choice(p["task_notes"])))
    _update(ContactTask, ("state", "done_by", "done_at", "done_note"), tasks)
    return len(reviews) + len(tasks)


def _commend(
    ctx: DemoContext,
    p: dict[str, Any],
    answers: Sequence[_Answer],
    officers: dict[int, User],
    supervisors: dict[int, list[User]],
) -> int:
    """Commendations for the officers with the best lower bound of satisfaction
    (enough responses, above the threshold), recorded by one of their supervisors."""
    spec = p["commendations"]
    minimum = int(getattr(settings, "FEEDBACK_MIN_RESPONSES", 10))
    rng = ctx.random("feedback:commendations")
    at = {pk: ctx.epoch - dt.timedelta(days=7 + rng.random() * 60) for pk in sorted(officers)}
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for a in answers:
        if a.created < at[a.officer]:
            counts[a.officer][0] += 1
            counts[a.officer][1] += a.rating >= 4
    ranked = sorted(
        (
            (wilson_lower(sat, n), officers[pk].email, pk, n, sat)
            for pk, (n, sat) in counts.items()
            if n >= minimum
        ),
        reverse=True,
    )
    rows = []
    for lower, _, pk, n, sat in ranked[: ctx.scaled(spec["count"])]:
        closers = supervisors.get(officers[pk].organisation_id or 0) or []
        if lower < spec["min_lower_bound"] or not closers:
            continue
        rows.append(
            Commendation(
                officer=officers[pk],
                recorded_by=closers[int(rng.random() * len(closers))],
                reason=p["commendation_reason"],
                responses=n,
                satisfied=sat,
                lower_bound=round(lower, 4),
                created_at=at[pk],
            )
        )
    return len(ctx.bulk_create(Commendation, rows, total=len(rows), desc="feedback commendations"))


@dataclass
class _Invite:
    row: dict[str, Any]  # Invitation attname → value
    answer: _Answer | None = None


def _invitations(
    ctx: DemoContext,
    p: dict[str, Any],
    contacts: list[_Contact],
    officers: dict[int, User],
    cards: dict[int, OfficerCard],
) -> list[_Invite]:
    """The invitations for the contacts and a few personal cards, with who answers and when."""
    rng = ctx.random("feedback:invitations")
    epoch = ctx.epoch
    life = dt.timedelta(days=invitation_days())
    spacing = dt.timedelta(days=invite_min_days())
    restricted = set(
        CrimeVictim.objects.filter(_restricted_crime()).values_list("victim_id", flat=True)
    )
    parents = set(
        CrimeVictim.objects.filter(role=VictimRole.PARENT_OR_GUARDIAN).values_list(
            "crime_id", "victim_id"
        )
    )
    child_band = _children({crime for crime, _ in parents})
    eth_answers: dict[str, str] = p["ethnicity_answers"]
    respond, by_age, hours = p["respond"], p["respond_by_age"], p["respond_hours"]
    last_automated: dict[int, dt.datetime] = {}
    out: list[_Invite] = []

    def answer(invite: _Invite, how: str, c: _Contact | None, band: str) -> None:
        """Maybe an answer to `invite`, received by `how` (a key of "respond")."""
        created = invite.row["created_at"]
        if rng.random() >= respond[how] * by_age.get(band, 1.0):
            return
        at = created + dt.timedelta(seconds=60 + rng.expovariate(1.0) * hours[how] * HOUR)
        if at >= created + life or at > epoch:
            return  # too late: the token expired, or it is still open at the epoch
        sms_reply = how == InvitationChannel.SMS and rng.random() < p["sms_reply_share"]
        a = _Answer(
            invitation=-1,
            officer=invite.row["officer_id"],
            created=at,
            source=ResponseSource.SMS if sms_reply else ResponseSource.WEB,
            language=invite.row["language"],
            borough=c.borough if c else "",
        )
        if not sms_reply:
            if c is not None and rng.random() < p["answers_equality"]:
                a.age_band = band
                a.ethnicity = eth_answers.get(c.ethnicity, "") if c.age_band else ""
                a.disability = c.disability
            a.needs = _pick(rng, p["needs_recognised"])
        invite.answer = a

    for c in contacts:
        language = wording.base_language(c.language)
        # Who answers: a parent may answer for (or with) a child under 16.
        band = c.age_band
        if (c.crime, c.victim) in parents and rng.random() < p["child_answers"]:
            band = child_band.get(c.crime, band)
        # The officer's QR page: the code shown on a visit, or its short link read out
        # on a call (the live service offers it for any contact).
        how = "qr" if c.code == "contact_visit" else "link"
        shown = rng.random() < p["qr_shown"][how] if c.code in QR_EVENTS else False
        automated = AUTOMATED.get(c.preferred, "")
        if automated and not (
            _may_send(c, automated, c.victim in restricted)
            and (c.victim not in last_automated or c.recorded - last_automated[c.victim] >= spacing)
        ):
            automated = ""
        for channel in (InvitationChannel.QR.value if shown else "", automated):
            if not channel:
                continue
            if channel != InvitationChannel.QR:
                last_automated[c.victim] = c.recorded
            invite = _Invite(
                {
                    "token_hash": token_hash(demo_card_code(rng)),
                    "channel": channel,
                    "officer_id": c.officer,
                    "contact_event_id": c.event,
                    "crime_id": c.crime,
                    "victim_id": c.victim,
                    "language": language,
                    "reply_key": c.phone_index if channel == InvitationChannel.SMS else "",
                    "created_at": c.recorded,
                    "expires_at": c.recorded + life,
                }
            )
            out.append(invite)
            if channel == InvitationChannel.QR:
                answer(invite, how, c, band)
            elif not (shown and out[-2].answer):
                answer(invite, channel, c, band)  # one answer per contact at most

    # Personal cards: street encounters with no case, scanned (an invitation) and mostly answered.
    street = [pk for pk in sorted(officers) if officers[pk].role == Role.OFFICER]
    donors = [
        i.answer for i in out if i.answer is not None and i.answer.source == ResponseSource.WEB
    ]
    if contacts and street:
        span = max((epoch - contacts[0].recorded).total_seconds(), DAY)
        for _ in range(round(len(out) * p["personal_card_share"])):
            officer = street[int(rng.random() * len(street))]
            created = epoch - dt.timedelta(seconds=rng.random() * span)
            invite = _Invite(
                {
                    "token_hash": token_hash(demo_card_code(rng)),
                    "channel": InvitationChannel.CARD.value,
                    "officer_id": officer,
                    "card_id": cards[officer].pk,
                    "language": "en",
                    "created_at": created,
                    "expires_at": created + life,
                }
            )
            answer(invite, InvitationChannel.CARD, None, "")
            if invite.answer is not None and donors:
                donor = donors[int(rng.random() * len(donors))]
                invite.answer.age_band, invite.answer.ethnicity = donor.age_band, donor.ethnicity
                invite.answer.disability, invite.answer.needs = donor.disability, donor.needs
            out.append(invite)
    out.sort(key=lambda i: i.row["created_at"])
    for index, invite in enumerate(out):
        if invite.answer is not None:
            invite.answer.invitation = index
            invite.row["used_at"] = invite.answer.created
    return out


def _screen(a: _Answer) -> tuple[list[str], bool, str]:
    """The live screen of the answer's comments (as review.response_followup runs it)
    and the review list review_kind_for gives ("" for none)."""
    text = "\n".join(t for t in (a.went_well, a.could_be_better) if t)
    categories: list[str] = []
    urgent, screened = False, True
    if text.strip():
        result = triage.screen(text, a.language)
        categories = [str(c) for c in result.categories]
        urgent, screened = bool(result.urgent), bool(getattr(result, "screened", True))
    kind = review_kind_for(
        rating=a.rating,
        urgent=urgent,
        categories=categories,
        screened=screened,
        criticism=bool(a.could_be_better.strip()),
    )
    return categories, urgent, kind


def _followup(ctx: DemoContext, responses: list[Response]) -> int:
    """Run the live follow-up for every response that goes on a review list, in the order
    they arrived; give the contact tasks it raises the moment their response arrived,
    and drop the staff emails of urgent items older than EMAIL_DAYS. Returns rows kept."""
    top_review = Review.objects.aggregate(top=Max("pk"))["top"] or 0
    top_task = ContactTask.objects.aggregate(top=Max("pk"))["top"] or 0
    for response in responses:
        response_followup(response=response, now=response.created_at)
    # A task raised for an item is dated from the item (the earliest, when one task
    # serves several items of the same victim).
    task_at: dict[int, dt.datetime] = {}
    for safety, contact, created in Review.objects.filter(pk__gt=top_review).values_list(
        "safety_task_id", "contact_task_id", "created_at"
    ):
        for task in (safety, contact):
            if task is not None and task > top_task:
                task_at[task] = min(task_at.get(task, created), created)
    _update(ContactTask, ("created_at",), sorted(task_at.items()))

    # Staff emails about the new urgent items (outbox ids are UUIDs: found by their key).
    recent = ctx.epoch - dt.timedelta(days=EMAIL_DAYS)
    urgent = dict(
        Review.objects.filter(pk__gt=top_review, kind=ReviewKind.URGENT).values_list(
            "pk", "created_at"
        )
    )
    emails = [
        (pk, urgent[review])
        for pk, key in OutboundMessage.objects.filter(
            idempotency_key__startswith=URGENT_EMAIL_KEY
        ).values_list("pk", "idempotency_key")
        if (review := _review_of(key)) in urgent
    ]
    OutboundMessage.objects.filter(pk__in=[pk for pk, at in emails if at < recent]).delete()
    kept = sum(at >= recent for _, at in emails)
    return Review.objects.filter(pk__gt=top_review).count() + len(task_at) + kept


def _review_of(key: str) -> int | None:
    """The review id in a staff email's idempotency key ("feedback-urgent:<review>:<person>")."""
    part = key.split(":")
    return int(part[1]) if len(part) > 1 and part[1].isdigit() else None


def feedback_reset(ctx: DemoContext) -> int:
    """Delete the feedback of demo officers, and the staff emails about their review
    items (before the messages, crimes and people go)."""
    review_ids = set(Review.objects.filter(officer__otp_exempt=True).values_list("pk", flat=True))
    emails = [
        pk
        for pk, key in (
            OutboundMessage.objects.filter(idempotency_key__startswith=URGENT_EMAIL_KEY)
            if review_ids
            else OutboundMessage.objects.none()
        ).values_list("pk", "idempotency_key")
        if _review_of(key) in review_ids
    ]
    deleted = OutboundMessage.objects.filter(pk__in=emails).delete()[0] if emails else 0
    qn = connection.ops.quote_name
    officers = f"SELECT id FROM {qn(User._meta.db_table)} WHERE otp_exempt"  # noqa: S608  # our quoted table names only  # nosec B608
    invitations = f"SELECT id FROM {qn(Invitation._meta.db_table)} WHERE officer_id IN ({officers})"  # noqa: S608  # our quoted table names only  # nosec B608
    responses = (
        f"SELECT id FROM {qn(Response._meta.db_table)} WHERE invitation_id IN ({invitations})"  # noqa: S608  # our quoted table names only  # nosec B608
    )
    with connection.cursor() as cursor:
        for model, where in (
            (Review, f"response_id IN ({responses})"),
            (Response, f"id IN ({responses})"),
            (Invitation, f"id IN ({invitations})"),
            (Commendation, f"officer_id IN ({officers}) OR recorded_by_id IN ({officers})"),
            (OfficerCard, f"officer_id IN ({officers})"),
        ):
            cursor.execute(f"DELETE FROM {qn(model._meta.db_table)} WHERE {where}")  # noqa: S608  # our quoted table names only  # nosec B608  # nosemgrep: vc-raw-sql-string-building
            deleted += max(cursor.rowcount, 0)
    return deleted


@demo_step("feedback", order=60, reset=feedback_reset)
def feedback_generate(ctx: DemoContext) -> int:
    """Cards for every police officer; invitations, responses, review items and commendations
    for the demo's officer contacts. Returns the rows written."""
    p = feedback_parameters()
    people = list(
        User.objects.filter(
            otp_exempt=True,
            is_active=True,
            role__in=(Role.OFFICER, Role.SUPERVISOR),
            organisation__kind__in=POLICE_KINDS,
        ).order_by("email")
    )
    if not people:
        return 0
    officers = {u.pk: u for u in people}
    cards = {card.officer_id: card for card in _cards(ctx, people)}
    written = len(cards)

    started = time.perf_counter()
    contacts = _contacts(ctx.epoch, sorted(officers))
    if not contacts:
        return written  # no crimes: cards only
    invites = _invitations(ctx, p, contacts, officers, cards)
    answers = [i.answer for i in invites if i.answer is not None]
    effects = _officer_effects(ctx, [(u.pk, u.email) for u in people], p)
    _Calibration(p["calibration"], effects).draw(answers, ctx.random("feedback:ratings"))
    rng = ctx.random("feedback:answers")
    for a in answers:
        web = a.source == ResponseSource.WEB
        a.contact_back = (
            web and rng.random() < p["contact_back"]["low" if a.rating in LOW_RATINGS else "other"]
        )
        a.forum = web and rng.random() < p["victim_voice_forum"]
    _comments(answers, ctx.epoch, ctx.random("feedback:comments"), p)
    screens = [_screen(a) for a in answers]
    ctx.timings["feedback: draw"] = time.perf_counter() - started
    started = time.perf_counter()

    invitation_ids = _insert(ctx, Invitation, [i.row for i in invites], desc="feedback invitations")
    rows = [
        {
            "invitation_id": invitation_ids[a.invitation],
            "rating": a.rating,
            "went_well": a.went_well,
            "could_be_better": a.could_be_better,
            "age_band": a.age_band,
            "ethnicity": a.ethnicity,
            "disability": a.disability,
            "needs_recognised": a.needs,
            "contact_back": a.contact_back,
            "victim_voice_forum": a.forum,
            "language": a.language,
            "source": str(a.source),
            "risk_categories": categories,
            "urgent": urgent,
            "created_at": a.created,
        }
        for a, (categories, urgent, _) in zip(answers, screens, strict=True)
    ]
    response_ids = _insert(ctx, Response, rows, desc="feedback responses")
    written += len(invitation_ids) + len(response_ids)
    ctx.timings["feedback: write"] = time.perf_counter() - started
    started = time.perf_counter()

    # The live follow-up for the responses that go on a review list, in arrival order.
    flagged = sorted(
        (i for i, (_, _, kind) in enumerate(screens) if kind),
        key=lambda i: (answers[i].created, answers[i].invitation),
    )
    responses = []
    for i in flagged:
        invite = invites[answers[i].invitation]
        invitation = Invitation(pk=invitation_ids[answers[i].invitation], **invite.row)
        invitation._state.adding = False
        invitation.officer = officers[invite.row["officer_id"]]
        response = Response(pk=response_ids[i], **rows[i])
        response._state.adding = False
        response.invitation = invitation
        responses.append(response)
    written += _followup(ctx, responses)
    ctx.timings["feedback: follow-up (live review rules)"] = time.perf_counter() - started

    supervisors = _supervisors(people)
    _close_reviews(ctx, p, supervisors)
    written += _commend(ctx, p, answers, officers, supervisors)
    return written
