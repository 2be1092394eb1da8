"""Reading duties: worklists, a team's duties, a crime's duties, one duty.

Worklists are one indexed query each, so they stay fast with millions of duties
(benchmarks/duties_bench.py). They return only owed duties the person is
responsible for; a duty of a crime the person may not view never appears
(restricted cases belong to their specialist team and the OIC).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from victimcare.accounts.models import User
from victimcare.accounts.selectors import organisation_subtree_ids
from victimcare.cases.constants import EventCode
from victimcare.cases.models import Crime

from .calendar import LONDON, end_of_day, explain_days, local_day
from .constants import OWED_STATES, DeadlineKind, DutyState
from .models import Duty, DutyNotification

WORKLIST_LIMIT = 200


# Only what the worklist pages show: never the victim's (encrypted) columns.
_ROW_FIELDS = (
    "id",
    "crime_id",
    "victim_id",
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
    "crime__id",
    "crime__crn",
    "crime__offence__name",
    "crime__oic_id",
    "crime__team_id",
    "crime__area_id",
    "crime__force_id",
    "crime__restricted",
    "crime__domestic_abuse",
    "crime__status",
    "rule__id",
    "rule__code",
    "rule__duty",
    "rule__clock",
    "assignee__id",
    "assignee__full_name",
)


def _owed_in_order(queries: list[QuerySet[Duty]], *, limit: int) -> list[Duty]:
    """Overdue first, then by deadline, from index-ordered slices.

    Each query is read once per state with `ORDER BY due_at, id LIMIT n`, which
    the (…, state, due_at) indexes answer without sorting every owed duty (an
    officer with a large backlog owes thousands); the slices are then merged."""
    rows: list[Duty] = []
    for state in (DutyState.OVERDUE, DutyState.OPEN):
        batch: list[Duty] = []
        for queryset in queries:
            batch.extend(
                queryset.filter(state=state)
                .select_related("crime", "crime__offence", "rule", "assignee")
                .only(*_ROW_FIELDS)
                .order_by("due_at", "pk")[: limit - len(rows)]
            )
        batch.sort(key=lambda d: (d.due_at, d.pk))
        rows.extend(batch[: limit - len(rows)])
        if len(rows) >= limit:
            break
    return rows


def worklist_for_user(*, user: User, limit: int = WORKLIST_LIMIT) -> list[Duty]:
    """ "Owed to victims": the person's owed duties, overdue first, then by deadline.

    A person's own duties (police duties of the crimes they are OIC of) and the
    unassigned duties of their organisation (Witness Care, CPS, probation).
    Each row carries its crime, rule and assignee; the victim is not loaded (its
    columns are encrypted personal data the worklist does not show).
    """
    if not user.is_authenticated or user.organisation_id is None:
        return []
    rows = _owed_in_order(
        [
            Duty.objects.filter(assignee=user),
            Duty.objects.filter(assignee__isnull=True, owner_organisation_id=user.organisation_id),
        ],
        limit=limit,
    )
    return [d for d in rows if user.has_perm("cases.view_crime", d.crime)]


@dataclass(frozen=True)
class TeamDuties:
    open_count: int
    due_today_count: int
    overdue_count: int
    rows: list[Duty]


def team_duties(
    *, user: User, now: dt.datetime | None = None, limit: int = WORKLIST_LIMIT
) -> TeamDuties:
    """A supervisor's view: owed duties of their organisation and every one below it,
    with counts of open, due today and overdue. Raises Http404 for anyone else."""
    if not user.has_perm("duties.view_team_duties"):
        raise Http404
    now = now or timezone.now()
    orgs = organisation_subtree_ids(organisation_id=user.organisation_id)
    owed = Duty.objects.filter(owner_organisation_id__in=orgs, state__in=OWED_STATES)
    today_end = end_of_day(local_day(now))
    counts = owed.aggregate(
        open_count=_count(Q(state=DutyState.OPEN)),
        due_today_count=_count(Q(state=DutyState.OPEN, due_at__lte=today_end)),
        overdue_count=_count(Q(state=DutyState.OVERDUE)),
    )
    rows = _owed_in_order([Duty.objects.filter(owner_organisation_id__in=orgs)], limit=limit)
    return TeamDuties(rows=rows, **{k: v or 0 for k, v in counts.items()})


def _count(condition: Q) -> Count:
    return Count("pk", filter=condition)


def crime_duties(*, user: User, crime: Crime) -> list[Duty]:
    """Every duty of a crime, owed and finished, for someone who may view it."""
    if not user.has_perm("cases.view_crime", crime):
        raise Http404
    return list(
        Duty.objects.filter(crime=crime)
        .select_related("rule", "rule__rule_set", "event", "owner_organisation")
        .order_by("due_at", "pk")
    )


def access_duty(*, user: User, duty_id: int) -> Duty:
    """The duty, if the person may view its crime; Http404 for missing and forbidden alike."""
    duty = (
        Duty.objects.select_related(
            "crime",
            "crime__offence",
            "crime__team",
            "victim",
            "rule",
            "rule__rule_set",
            "event",
            "owner_organisation",
            "assignee",
            "completed_event",
            "replaced_by",
            "previous",
        )
        .filter(pk=duty_id)
        .first()
    )
    if duty is None or not user.has_perm("duties.view_duty", duty):
        raise Http404
    return duty


def duty_history(*, duty: Duty) -> list[Duty]:
    """The duties this one replaced or was replaced by (enhanced tightening), oldest first."""
    chain = [duty]
    seen = {duty.pk}
    current = duty
    while (earlier := Duty.objects.filter(replaced_by=current).first()) and earlier.pk not in seen:
        chain.insert(0, earlier)
        seen.add(earlier.pk)
        current = earlier
    current = duty
    while current.replaced_by_id and current.replaced_by_id not in seen:
        current = Duty.objects.get(pk=current.replaced_by_id)
        chain.append(current)
        seen.add(current.pk)
    return chain


def unread_notifications(*, user: User, limit: int = 50) -> list[DutyNotification]:
    """The person's unread reminders and escalations, newest first."""
    if not user.is_authenticated:
        return []
    return list(
        DutyNotification.objects.filter(recipient=user, read_at__isnull=True)
        .select_related("duty", "duty__crime")
        .order_by("-created_at", "-pk")[:limit]
    )


def duty_explain(*, duty: Duty) -> dict[str, Any]:
    """Why the duty exists and how its deadline was counted, as plain data.

    Which event (code, label, when it happened and was received), which rule
    and edition (with its right, source and whether it is confirmed), whether
    the enhanced deadline applied, when the clock started (day 0) and the days
    skipped while counting working days, each with why. Shown on the duty page
    and returned by the API. Holds no personal data.
    """
    event = duty.event
    rule = duty.rule
    started_day = local_day(duty.started_at)
    skipped = (
        explain_days(started_day, duty.deadline_amount)
        if duty.deadline_kind == DeadlineKind.WORKING_DAYS
        else []
    )
    return {
        "event": {
            "id": event.pk,
            "code": event.code,
            "label": EventCode(event.code).label,
            "occurred_at": event.occurred_at.astimezone(LONDON).isoformat(),
            "received_at": event.received_at.astimezone(LONDON).isoformat(),
        },
        "rule": {
            "code": rule.code,
            "edition": rule.rule_set.edition,
            "edition_title": rule.rule_set.title,
            "right": rule.right,
            "source": rule.source,
            "confirmed": rule.confirmed,
            "clock": rule.clock,
        },
        "enhanced": duty.enhanced,
        "deadline": {"kind": duty.deadline_kind, "amount": duty.deadline_amount},
        "started_at": duty.started_at.astimezone(LONDON).isoformat(),
        "started_day": started_day.isoformat(),
        "due_at": duty.due_at.astimezone(LONDON).isoformat(),
        "skipped_days": [{"date": d.isoformat(), "reason": r} for d, r in skipped],
        "periodic_after_duty_id": duty.previous_id,
        "replaced_by_duty_id": duty.replaced_by_id,
    }
