"""Fair feedback scores: officers, teams and BCUs; an officer's own trend; the
recognition list and commendations (issue 6, item 6).

Definitions (the pages say the same in plain words):

- *Satisfied*: a rating of 4 or 5 (`constants.SATISFIED_RATINGS`). The *share
  satisfied* is satisfied / responses, shown with its Wilson score 95% interval
  (`wilson_interval`), which behaves at 0 and 100% and on small samples, unlike
  p ± 1.96·se.
- *Minimum*: below `min_responses()` responses (setting FEEDBACK_MIN_RESPONSES,
  default 10, never below MIN_RESPONSES_FLOOR = 5, so nobody is ever ranked on
  three responses) a unit is shown as "Not enough responses": no share, no
  interval, no colour, and it sorts after every unit with enough.
- *Adjusted for offence mix* (indirect standardisation): each response is
  expected to be satisfied with the force-wide share for its offence group
  (the invitation's crime's offence group; a personal-card response with no
  crime is in its own "no case" group). Expected = the sum of those shares over
  the unit's responses; adjusted share = observed / expected × force share,
  and the Wilson interval is scaled by the same factor (responses × force share
  / expected), then kept within 0–1. The force-wide shares are over every
  response in the period, whatever the viewer's scope.
- *Used for the lists*: the **raw** share. Ordering (by default the raw Wilson
  lower bound) and the recognition list use what victims said, exactly; the
  adjusted share is shown beside it as context, because it rests on force-wide
  shares that are themselves estimates and can magnify small samples.
- *Colour*: "Above the force" when the raw interval lies wholly above the
  force-wide share, "Below the force" when wholly below; only with enough responses.
- *Units*: an officer is the invitation's officer; their team is the
  organisation they belong to now and their BCU the BCU above it (scores follow
  the officer's current posting). Officers in a BCU's own staff count in the
  BCU's row and appear as their own "team".
- *Period*: the last 3, 6 or 12 months (default 12) up to now, from the same
  London calendar day N months ago, by the response's `created_at`.

Who sees what: `feedback.view_scores` — analysts the whole force, police
supervisors officers in their organisation and below; officers their own
figures only (`own_feedback`). Free text is never read here.

Cost: one GROUP BY query for the force-wide shares by offence group, one GROUP
BY (officer, offence group, rating) within scope, then one pass over those
grouped rows; organisations and officers' names in one query each. Works on
SQLite and PostgreSQL; `feedback_response_time_idx` serves the period filter.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils import timezone

from victimcare.accounts.constants import OrganisationKind, Role
from victimcare.accounts.models import Organisation, User
from victimcare.accounts.selectors import organisation_subtree_ids
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction

from .constants import RATING_MAX, RATING_MIN, SATISFIED_RATINGS
from .models import Commendation, Response

LONDON = ZoneInfo("Europe/London")
Z95 = 1.959963984540054  # the 97.5th percentile of the standard normal
MIN_RESPONSES_FLOOR = 5
DEFAULT_MIN_RESPONSES = 10
DEFAULT_RECOGNITION_LOWER_BOUND = 0.85
PERIODS: dict[int, str] = {3: "Last 3 months", 6: "Last 6 months", 12: "Last 12 months"}
DEFAULT_PERIOD_MONTHS = 12
NO_CASE_GROUP = "no_case"
NO_CASE_LABEL = "No case (personal card)"
RANKING_BASIS = "raw"
# One commendation per officer per 30 days, by anyone: a double submission or
# two supervisors acting on the same figures record it once.
COMMENDATION_INTERVAL_DAYS = 30
REASON_MAX_LENGTH = 500

# User-visible texts; the tests import them.
NOT_ENOUGH = "Not enough responses"
PERIOD_INVALID = "Select a period of 3, 6 or 12 months"
REASON_REQUIRED = "Enter why you are commending this officer"
REASON_TOO_LONG = "The reason must be 500 characters or less"
NOT_ELIGIBLE = "This officer is not on the recognition list for the last 12 months"
COMMENDED_RECENTLY = "This officer was commended in the last 30 days"

SATISFIED = Q(rating__in=sorted(SATISFIED_RATINGS))
OFFENCE_GROUP = "invitation__crime__offence__group"


# --- Statistics ----------------------------------------------------------------------


def wilson_interval(satisfied: int, responses: int, *, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for a proportion `satisfied` / `responses`.

    (0.0, 1.0) for no responses (nothing is known). Always 0 ≤ lower ≤ p̂ ≤ upper
    ≤ 1 (rounding is clamped). Raises ValueError for counts that cannot be.
    """
    if responses < 0 or satisfied < 0 or satisfied > responses:
        raise ValueError("satisfied must be between 0 and responses")
    if responses == 0:
        return 0.0, 1.0
    n = responses
    p = satisfied / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    return max(0.0, min(p, centre - half)), min(1.0, max(p, centre + half))


def min_responses() -> int:
    """The minimum number of responses for a share to be shown, ranked or coloured."""
    configured = int(getattr(settings, "FEEDBACK_MIN_RESPONSES", DEFAULT_MIN_RESPONSES))
    return max(MIN_RESPONSES_FLOOR, configured)


def recognition_lower_bound() -> float:
    return float(
        getattr(settings, "FEEDBACK_RECOGNITION_LOWER_BOUND", DEFAULT_RECOGNITION_LOWER_BOUND)
    )


class _Counted:
    """Counts from a rating distribution (1 to 5): how many, how many satisfied."""

    distribution: tuple[int, int, int, int, int]

    @property
    def responses(self) -> int:
        return sum(self.distribution)

    @property
    def satisfied(self) -> int:
        return sum(self.distribution[r - RATING_MIN] for r in SATISFIED_RATINGS)


@dataclass(frozen=True)
class Score(_Counted):
    """The figures of one unit (an officer, a team, a BCU, a scope, the force)."""

    key: str
    label: str
    distribution: tuple[int, int, int, int, int] = (0, 0, 0, 0, 0)
    # Satisfied responses expected with the force-wide share of each response's
    # offence group (indirect standardisation).
    expected: float = 0.0
    force_share: float | None = None
    minimum: int = DEFAULT_MIN_RESPONSES
    officer_id: int | None = None
    collar_number: str = ""
    organisation_label: str = ""

    @property
    def enough(self) -> bool:
        return self.responses >= self.minimum

    @property
    def mean(self) -> float | None:
        if not self.responses:
            return None
        total = sum(
            r * c for r, c in zip(range(RATING_MIN, RATING_MAX + 1), self.distribution, strict=True)
        )
        return total / self.responses

    @property
    def share(self) -> float | None:
        return self.satisfied / self.responses if self.responses else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson_interval(self.satisfied, self.responses) if self.responses else None

    @property
    def lower(self) -> float | None:
        return self.interval[0] if self.interval else None

    @property
    def upper(self) -> float | None:
        return self.interval[1] if self.interval else None

    @property
    def adjustment(self) -> float | None:
        """The factor from raw to adjusted: responses × force share / expected."""
        if not self.responses or self.force_share is None or self.expected <= 0:
            return None
        return self.responses * self.force_share / self.expected

    @property
    def adjusted_share(self) -> float | None:
        factor, share = self.adjustment, self.share
        return None if factor is None or share is None else min(1.0, share * factor)

    @property
    def adjusted_interval(self) -> tuple[float, float] | None:
        factor, interval = self.adjustment, self.interval
        if factor is None or interval is None:
            return None
        return min(1.0, interval[0] * factor), min(1.0, interval[1] * factor)

    @property
    def comparison(self) -> str | None:
        """ "above" or "below" the force-wide share when the interval excludes it;
        None when it does not, or without enough responses."""
        if not self.enough or self.force_share is None or self.interval is None:
            return None
        lower, upper = self.interval
        if lower > self.force_share:
            return "above"
        if upper < self.force_share:
            return "below"
        return None

    @property
    def rows(self) -> list[tuple[int, int, float]]:
        """(rating, count, share of responses) for 1–5."""
        n = self.responses
        return [
            (rating, count, count / n if n else 0.0)
            for rating, count in zip(
                range(RATING_MIN, RATING_MAX + 1), self.distribution, strict=True
            )
        ]


@dataclass
class _Tally:
    counts: list[int] = field(default_factory=lambda: [0] * (RATING_MAX - RATING_MIN + 1))
    expected: float = 0.0

    def add(self, other: _Tally) -> None:
        for i, count in enumerate(other.counts):
            self.counts[i] += count
        self.expected += other.expected

    def score(
        self, key: str, label: str, *, force_share: float | None, minimum: int, **extra: Any
    ) -> Score:
        return Score(
            key=key,
            label=label,
            distribution=tuple(self.counts),  # type: ignore[arg-type]
            expected=self.expected,
            force_share=force_share,
            minimum=minimum,
            **extra,
        )


# --- Period ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    months: int
    start: dt.datetime
    end: dt.datetime

    @property
    def label(self) -> str:
        return PERIODS.get(self.months, f"Last {self.months} months")

    @property
    def first_day(self) -> dt.date:
        return self.start.astimezone(LONDON).date()

    @property
    def last_day(self) -> dt.date:
        return self.end.astimezone(LONDON).date()


def _months_before(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return dt.date(year, month, min(day.day, (following - dt.timedelta(days=1)).day))


def period_for(*, months: int = DEFAULT_PERIOD_MONTHS, now: dt.datetime | None = None) -> Period:
    """The last `months` months (3, 6 or 12) up to `now`: from the start of the
    same London day `months` months ago. ValidationError for any other length."""
    if months not in PERIODS:
        raise ValidationError({"months": [PERIOD_INVALID]})
    now = now or timezone.now()
    first = _months_before(now.astimezone(LONDON).date(), months)
    return Period(
        months=months, start=dt.datetime.combine(first, dt.time.min, tzinfo=LONDON), end=now
    )


def _responses(period: Period) -> QuerySet[Response]:
    return Response.objects.filter(created_at__gte=period.start, created_at__lte=period.end)


# --- Force-wide shares by offence group ------------------------------------------------


@dataclass(frozen=True)
class Reference(_Counted):
    """The force-wide figures for a period: the ratings and, by offence group,
    (responses, satisfied)."""

    distribution: tuple[int, int, int, int, int]
    by_group: dict[str, tuple[int, int]]

    @property
    def share(self) -> float | None:
        return self.satisfied / self.responses if self.responses else None

    def group_share(self, group: str) -> float:
        responses, satisfied = self.by_group.get(group, (0, 0))
        return satisfied / responses if responses else 0.0


def reference_for(period: Period) -> Reference:
    """One GROUP BY (offence group, rating) over every response in the period
    (the whole force, whoever asks)."""
    grouped = (
        _responses(period)
        .values("rating", offence_group=F(OFFENCE_GROUP))
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = [0] * (RATING_MAX - RATING_MIN + 1)
    by_group: dict[str, tuple[int, int]] = {}
    for row in grouped:
        group = row["offence_group"] or NO_CASE_GROUP
        counts[row["rating"] - RATING_MIN] += row["n"]
        n, sat = by_group.get(group, (0, 0))
        by_group[group] = (
            n + row["n"],
            sat + (row["n"] if row["rating"] in SATISFIED_RATINGS else 0),
        )
    return Reference(distribution=tuple(counts), by_group=by_group)  # type: ignore[arg-type]


def _officer_tallies(responses: QuerySet[Response], reference: Reference) -> dict[int, _Tally]:
    """One GROUP BY (officer, offence group, rating); one pass over its rows."""
    grouped = (
        responses.values(
            "rating", officer_ref=F("invitation__officer_id"), offence_group=F(OFFENCE_GROUP)
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    tallies: dict[int, _Tally] = defaultdict(_Tally)
    for row in grouped:
        tally = tallies[row["officer_ref"]]
        tally.counts[row["rating"] - RATING_MIN] += row["n"]
        tally.expected += row["n"] * reference.group_share(row["offence_group"] or NO_CASE_GROUP)
    return tallies


# --- Scores within a scope -------------------------------------------------------------


@dataclass(frozen=True)
class Scores:
    period: Period
    scope: str
    minimum: int
    force: Score
    total: Score
    bcus: list[Score]
    teams: list[Score]
    officers: list[Score]
    made_at: dt.datetime


def may_view_scores(*, user: Any) -> bool:
    return bool(user.has_perm("feedback.view_scores"))


def scope_organisation_ids(*, user: User) -> set[int] | None:
    """None (the whole force) for analysts; a supervisor's organisation and
    everything below it. PermissionDenied for anyone else."""
    if not may_view_scores(user=user):
        raise PermissionDenied
    if user.role == Role.ANALYST:
        return None
    return organisation_subtree_ids(organisation_id=user.organisation_id)


def scores_for_user(
    *, user: User, months: int = DEFAULT_PERIOD_MONTHS, now: dt.datetime | None = None
) -> Scores:
    """The scores `user` may see: analysts the whole force; police supervisors the
    officers, teams and BCUs in their organisation and below. PermissionDenied
    for anyone else; ValidationError for a period other than 3, 6 or 12 months."""
    organisation_ids = scope_organisation_ids(user=user)
    scope = "Whole force" if organisation_ids is None else user.organisation.name
    return scores_for_scope(
        organisation_ids=organisation_ids, scope=scope, period=period_for(months=months, now=now)
    )


def scores_for_scope(*, organisation_ids: set[int] | None, scope: str, period: Period) -> Scores:
    """The figures for officers whose organisation is in `organisation_ids`
    (None: all), grouped into officers, teams and BCUs. Checks no permission."""
    minimum = min_responses()
    reference = reference_for(period)
    responses = _responses(period)
    if organisation_ids is not None:
        responses = responses.filter(invitation__officer__organisation_id__in=organisation_ids)
    tallies = _officer_tallies(responses, reference)

    organisations = {
        o["pk"]: o for o in Organisation.objects.values("pk", "name", "kind", "parent_id")
    }
    people = {
        p["pk"]: p
        for p in User.objects.filter(pk__in=list(tallies)).values(
            "pk", "full_name", "collar_number", "organisation_id"
        )
    }
    force_share = reference.share
    teams: dict[int | None, _Tally] = defaultdict(_Tally)
    bcus: dict[int | None, _Tally] = defaultdict(_Tally)
    total = _Tally()
    officers: list[Score] = []
    for officer_id, tally in tallies.items():
        person = people[officer_id]
        organisation_id = person["organisation_id"]
        teams[organisation_id].add(tally)
        bcus[_bcu_of(organisation_id, organisations)].add(tally)
        total.add(tally)
        officers.append(
            tally.score(
                str(officer_id),
                person["full_name"],
                force_share=force_share,
                minimum=minimum,
                officer_id=officer_id,
                collar_number=person["collar_number"],
                organisation_label=_name(organisation_id, organisations, "No team"),
            )
        )

    def unit_scores(units: dict[int | None, _Tally], missing: str) -> list[Score]:
        return [
            tally.score(
                str(pk or ""),
                _name(pk, organisations, missing),
                force_share=force_share,
                minimum=minimum,
            )
            for pk, tally in units.items()
        ]

    return Scores(
        period=period,
        scope=scope,
        minimum=minimum,
        force=Score(
            key="force",
            label="Whole force",
            distribution=reference.distribution,
            expected=float(reference.satisfied),
            force_share=force_share,
            minimum=minimum,
        ),
        total=total.score("total", scope, force_share=force_share, minimum=minimum),
        bcus=sort_scores(unit_scores(bcus, "Not in a BCU")),
        teams=sort_scores(unit_scores(teams, "No team")),
        officers=sort_scores(officers),
        made_at=timezone.now(),
    )


def _bcu_of(organisation_id: int | None, organisations: dict[int, dict[str, Any]]) -> int | None:
    seen: set[int] = set()
    while organisation_id is not None and organisation_id not in seen:
        seen.add(organisation_id)
        organisation = organisations.get(organisation_id)
        if organisation is None:
            return None
        if organisation["kind"] == OrganisationKind.BCU:
            return organisation_id
        organisation_id = organisation["parent_id"]
    return None


def _name(pk: int | None, organisations: dict[int, dict[str, Any]], missing: str) -> str:
    return str(organisations[pk]["name"]) if pk in organisations else missing


# --- Ordering --------------------------------------------------------------------------

SORTS: dict[str, str] = {
    "lower": "Lower bound",
    "share": "Share satisfied",
    "adjusted": "Adjusted share",
    "mean": "Mean rating",
    "responses": "Responses",
    "name": "Name",
}
DEFAULT_SORT = "lower"


def sort_scores(
    scores: Iterable[Score], *, sort: str = DEFAULT_SORT, descending: bool = True
) -> list[Score]:
    """Units with enough responses first, ordered by `sort` (ties by name);
    then those without enough, by name, whatever the order asked for: a unit
    below the minimum is never ranked."""
    sort = sort if sort in SORTS else DEFAULT_SORT
    ranked = [s for s in scores if s.enough]
    unranked = sorted(
        (s for s in scores if not s.enough), key=lambda s: (s.label.casefold(), s.key)
    )
    if sort == "name":
        ranked.sort(key=lambda s: (s.label.casefold(), s.key), reverse=descending)
    else:
        ranked.sort(key=lambda s: (s.label.casefold(), s.key))
        ranked.sort(key=lambda s: _sort_value(s, sort), reverse=descending)
    return ranked + unranked


def _sort_value(score: Score, sort: str) -> float:
    value = {
        "lower": score.lower,
        "share": score.share,
        "adjusted": score.adjusted_share,
        "mean": score.mean,
        "responses": score.responses,
    }[sort]
    return -1.0 if value is None else float(value)


# --- Own feedback ----------------------------------------------------------------------


@dataclass(frozen=True)
class MonthFigures:
    month: dt.date  # the first of the month
    responses: int
    satisfied: int
    rating_sum: int

    @property
    def share(self) -> float | None:
        return self.satisfied / self.responses if self.responses else None

    @property
    def mean(self) -> float | None:
        return self.rating_sum / self.responses if self.responses else None


@dataclass(frozen=True)
class OwnFeedback:
    period: Period
    score: Score
    trend: list[MonthFigures]
    commendations: list[Commendation]


def own_feedback(
    *, user: User, months: int = DEFAULT_PERIOD_MONTHS, now: dt.datetime | None = None
) -> OwnFeedback:
    """`user`'s own figures (ratings only, never comments), month by month, and
    their commendations. PermissionDenied unless `feedback.view_own_feedback`."""
    if not user.has_perm("feedback.view_own_feedback"):
        raise PermissionDenied
    period = period_for(months=months, now=now)
    score = officer_score(officer=user, period=period)
    monthly = (
        _responses(period)
        .filter(invitation__officer=user)
        .annotate(month=TruncMonth("created_at", tzinfo=LONDON))
        .values("month")
        .annotate(n=Count("pk"), sat=Count("pk", filter=SATISFIED), total=Sum("rating"))
        .order_by("month")
    )
    found = {}
    for row in monthly:
        month = row["month"]
        if isinstance(month, dt.datetime):
            month = month.astimezone(LONDON).date() if timezone.is_aware(month) else month.date()
        found[(month.year, month.month)] = row
    trend = []
    first, last = period.first_day, period.last_day
    index = first.year * 12 + first.month - 1
    while index <= last.year * 12 + last.month - 1:
        year, month0 = divmod(index, 12)
        row = found.get((year, month0 + 1), {})
        trend.append(
            MonthFigures(
                month=dt.date(year, month0 + 1, 1),
                responses=row.get("n", 0),
                satisfied=row.get("sat", 0),
                rating_sum=row.get("total") or 0,
            )
        )
        index += 1
    commendations = list(Commendation.objects.filter(officer=user).order_by("-created_at", "-pk"))
    return OwnFeedback(period=period, score=score, trend=trend, commendations=commendations)


def officer_score(*, officer: User, period: Period, reference: Reference | None = None) -> Score:
    """One officer's figures for the period (with the offence-mix adjustment). Checks no permission."""
    reference = reference or reference_for(period)
    tally = _officer_tallies(_responses(period).filter(invitation__officer=officer), reference).get(
        officer.pk, _Tally()
    )
    return tally.score(
        str(officer.pk),
        officer.full_name,
        force_share=reference.share,
        minimum=min_responses(),
        officer_id=officer.pk,
        collar_number=officer.collar_number,
    )


# --- Recognition -----------------------------------------------------------------------


@dataclass(frozen=True)
class Recognised:
    score: Score
    may_commend: bool
    last_commended: dt.datetime | None


@dataclass(frozen=True)
class Recognition:
    scores: Scores
    threshold: float
    officers: list[Recognised]


def is_recognised(score: Score, *, threshold: float | None = None) -> bool:
    """Enough responses and a raw Wilson lower bound above the threshold."""
    threshold = recognition_lower_bound() if threshold is None else threshold
    return score.enough and score.lower is not None and score.lower > threshold


def recognition_for_user(
    *, user: User, months: int = DEFAULT_PERIOD_MONTHS, now: dt.datetime | None = None
) -> Recognition:
    """Officers within `user`'s scope on the recognition list, best lower bound
    first, with whether `user` may commend each (their supervisors may)."""
    scores = scores_for_user(user=user, months=months, now=now)
    threshold = recognition_lower_bound()
    chosen = [
        s
        for s in scores.officers
        if s.officer_id is not None and is_recognised(s, threshold=threshold)
    ]
    ids = [s.officer_id for s in chosen]
    people = {u.pk: u for u in User.objects.select_related("organisation").filter(pk__in=ids)}
    last: dict[int, dt.datetime] = {}
    for officer_id, created_at in Commendation.objects.filter(officer_id__in=ids).values_list(
        "officer_id", "created_at"
    ):
        if officer_id not in last or created_at > last[officer_id]:
            last[officer_id] = created_at
    return Recognition(
        scores=scores,
        threshold=threshold,
        officers=[
            Recognised(
                score=s,
                may_commend=bool(user.has_perm("feedback.commend", people.get(s.officer_id))),
                last_commended=last.get(s.officer_id),  # type: ignore[arg-type]
            )
            for s in chosen
        ],
    )


def access_commendable_officer(*, user: User, officer_id: int) -> User:
    """The officer `user` may commend (a police officer they supervise); Http404
    for a missing officer and a forbidden one alike."""
    officer = (
        User.objects.select_related("organisation")
        .filter(pk=officer_id, is_active=True, role__in=[Role.OFFICER, Role.SUPERVISOR])
        .first()
    )
    if officer is None or not user.has_perm("feedback.commend", officer):
        raise Http404("No such officer.")
    return officer


def recent_commendation(*, officer: User, now: dt.datetime | None = None) -> Commendation | None:
    now = now or timezone.now()
    since = now - dt.timedelta(days=COMMENDATION_INTERVAL_DAYS)
    return (
        Commendation.objects.filter(officer=officer, created_at__gt=since)
        .order_by("-created_at")
        .first()
    )


@transaction.atomic
def commendation_record(
    *, actor: User, officer: User, reason: str, now: dt.datetime | None = None
) -> Commendation:
    """Record `actor`'s commendation of `officer` with the figures it rests on
    (the last 12 months, computed now, never taken from the form) and audit it.

    PermissionDenied unless `actor` supervises `officer`. ValidationError (and
    nothing written) for a blank reason or one over 500 characters, an officer
    not on the recognition list, or one commended in the last 30 days.
    """
    if not actor.has_perm("feedback.commend", officer):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [REASON_REQUIRED]})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError({"reason": [REASON_TOO_LONG]})
    now = now or timezone.now()
    # Serialise commendations of one officer (PostgreSQL row lock; SQLite's
    # immediate transactions already serialise writers).
    User.objects.select_for_update().filter(pk=officer.pk).first()
    if recent_commendation(officer=officer, now=now) is not None:
        raise ValidationError(COMMENDED_RECENTLY)
    score = officer_score(officer=officer, period=period_for(months=DEFAULT_PERIOD_MONTHS, now=now))
    if not is_recognised(score):
        raise ValidationError(NOT_ELIGIBLE)
    lower = score.lower or 0.0
    commendation = Commendation.objects.create(
        officer=officer,
        recorded_by=actor,
        reason=reason,
        responses=score.responses,
        satisfied=score.satisfied,
        lower_bound=lower,
        created_at=now,
    )
    audit_record(
        action=AuditAction.CREATE,
        actor=actor,
        object_type="feedback.commendation",
        object_id=commendation.pk,
        subject_type="accounts.user",
        subject_id=officer.pk,
        # No floats in audit details: the lower bound in basis points.
        detail={
            "responses": score.responses,
            "satisfied": score.satisfied,
            "lower_bound_bp": round(lower * 10000),
        },
    )
    return commendation
