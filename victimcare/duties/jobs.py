"""Periodic jobs of the duties: marking overdue (with escalation) and reminders.

Both are idempotent: a duty moves from open to overdue once (a conditional
UPDATE), and a notification is unique per duty, person and kind, so running a
job twice, or on two workers at once, changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt

import structlog
from django.db import transaction
from django.utils import timezone

from victimcare.core.scheduler import periodic

from .constants import DutyState, NotificationKind
from .models import Duty, DutyNotification
from .services import supervisors_for

log = structlog.get_logger(__name__)
SWEEP_BATCH = 5000


@periodic("duties_overdue_sweep", every=dt.timedelta(minutes=15))
def duties_overdue_sweep(*, now: dt.datetime | None = None) -> int:
    """Mark open duties past their deadline overdue and escalate each to the
    supervisors of the organisation that owes it. Returns how many it marked."""
    now = now or timezone.now()
    marked = 0
    while True:
        with transaction.atomic():
            batch = list(
                Duty.objects.filter(state=DutyState.OPEN, due_at__lt=now)
                .order_by("due_at", "pk")
                .values_list("pk", "owner_organisation_id")[:SWEEP_BATCH]
            )
            if not batch:
                break
            ids = [pk for pk, _ in batch]
            # Conditional: a duty completed meanwhile stays done.
            changed = Duty.objects.filter(pk__in=ids, state=DutyState.OPEN).update(
                state=DutyState.OVERDUE, overdue_at=now
            )
            marked += changed
            supervisors = supervisors_for(organisation_ids={org for _, org in batch})
            DutyNotification.objects.bulk_create(
                [
                    DutyNotification(
                        duty_id=pk,
                        recipient_id=person,
                        kind=NotificationKind.ESCALATION,
                        created_at=now,
                    )
                    for pk, org in batch
                    for person in supervisors.get(org, [])
                ],
                ignore_conflicts=True,
                batch_size=1000,
            )
    if marked:
        log.info("duties.overdue_marked", count=marked)
    return marked
