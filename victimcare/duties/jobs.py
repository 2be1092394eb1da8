"""Periodic jobs of the duties: marking overdue (with escalation) and reminders.

Both are idempotent and set-based. Each works in batches of SWEEP_BATCH rows:
it claims a batch with SELECT … FOR UPDATE SKIP LOCKED (PostgreSQL; SQLite
serialises writers anyway), changes the batch with one conditional UPDATE and
writes the notifications with one bulk INSERT. A duty moves from open to
overdue once and is reminded once (`reminded_at`), and a notification is unique
per duty, person and kind, so running a job twice, or on two workers at once,
changes nothing the second time. Logs carry counts only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import structlog
from django.db import transaction
from django.utils import timezone

from victimcare.core.scheduler import periodic

from .calendar import add_working_days, end_of_day, local_day
from .constants import DutyState, NotificationKind
from .models import Duty, DutyNotification
from .services import supervisors_for

log = structlog.get_logger(__name__)
SWEEP_BATCH = 5000
NOTIFICATION_BATCH = 1000


class _Supervisors:
    """supervisors_for, asked once per organisation during one run of a job."""

    def __init__(self) -> None:
        self._known: dict[int, list[int]] = {}

    def of(self, organisation_ids: Iterable[int]) -> dict[int, list[int]]:
        missing = set(organisation_ids) - set(self._known)
        if missing:
            self._known.update(supervisors_for(organisation_ids=missing))
        return self._known


def _notify(rows: Iterable[tuple[int, int]], *, kind: str, now: dt.datetime) -> None:
    DutyNotification.objects.bulk_create(
        [
            DutyNotification(duty_id=duty_id, recipient_id=person, kind=kind, created_at=now)
            for duty_id, person in rows
        ],
        ignore_conflicts=True,
        batch_size=NOTIFICATION_BATCH,
    )


@periodic("duties_overdue_sweep", every=dt.timedelta(minutes=15))
def duties_overdue_sweep(*, now: dt.datetime | None = None) -> int:
    """Mark open duties past their deadline overdue and escalate each to the
    supervisors of the organisation that owes it (its own, else the nearest
    ancestor's). Returns how many it marked."""
    now = now or timezone.now()
    supervisors = _Supervisors()
    marked = 0
    while True:
        with transaction.atomic():
            # Locked rows are ours and still open (a duty completed meanwhile no
            # longer matches); rows another worker holds are skipped, not waited on.
            batch = list(
                Duty.objects.select_for_update(skip_locked=True)
                .filter(state=DutyState.OPEN, due_at__lt=now)
                .order_by("due_at", "pk")
                .values_list("pk", "owner_organisation_id")[:SWEEP_BATCH]
            )
            if not batch:
                break
            changed = Duty.objects.filter(
                pk__in=[pk for pk, _ in batch], state=DutyState.OPEN
            ).update(state=DutyState.OVERDUE, overdue_at=now, updated_at=timezone.now())
            marked += changed
            by_org = supervisors.of(org for _, org in batch)
            _notify(
                ((pk, person) for pk, org in batch for person in by_org.get(org, [])),
                kind=NotificationKind.ESCALATION,
                now=now,
            )
    if marked:
        log.info("duties.overdue_marked", count=marked)
    return marked


def reminder_cutoff(*, now: dt.datetime) -> dt.datetime:
    """The end (23:59:59 London) of the next working day after today in London.

    VCOP duties are reminded "the working day before a deadline": on a Friday
    a duty due on Monday is reminded; on the day before a bank holiday
    weekend, a duty due on the first working day after it."""
    return end_of_day(add_working_days(local_day(now), 1))


@periodic("duties_reminder_sweep", every=dt.timedelta(minutes=30))
def duties_reminder_sweep(*, now: dt.datetime | None = None) -> int:
    """Remind the owner of every open duty due by the end of the next working day.

    For open duties not yet reminded whose deadline is at or before
    `reminder_cutoff(now)`: a REMINDER notification to the assignee or, for an
    unassigned duty (Witness Care, CPS, probation), to the supervisors of the
    owner organisation (or of the nearest ancestor that has any). `reminded_at`
    is set even when nobody can be told, so the duty is not looked at again.
    A duty already past its deadline is not reminded, even before the overdue
    sweep has marked it (it is escalated instead). Returns how many duties it
    reminded.
    """
    now = now or timezone.now()
    cutoff = reminder_cutoff(now=now)
    supervisors = _Supervisors()
    reminded = nobody = 0
    while True:
        with transaction.atomic():
            batch = list(
                Duty.objects.select_for_update(skip_locked=True)
                .filter(
                    state=DutyState.OPEN,
                    reminded_at__isnull=True,
                    due_at__gte=now,
                    due_at__lte=cutoff,
                )
                .order_by("due_at", "pk")
                .values_list("pk", "assignee_id", "owner_organisation_id")[:SWEEP_BATCH]
            )
            if not batch:
                break
            reminded += Duty.objects.filter(
                pk__in=[pk for pk, _, _ in batch], state=DutyState.OPEN, reminded_at__isnull=True
            ).update(reminded_at=now, updated_at=timezone.now())
            by_org = supervisors.of(org for _, assignee, org in batch if assignee is None)
            rows: list[tuple[int, int]] = []
            for pk, assignee, org in batch:
                people = [assignee] if assignee is not None else by_org.get(org, [])
                if not people:
                    nobody += 1
                rows.extend((pk, person) for person in people)
            _notify(rows, kind=NotificationKind.REMINDER, now=now)
    if reminded:
        log.info("duties.reminded", count=reminded, without_recipient=nobody)
    return reminded
