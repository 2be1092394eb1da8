"""Automatic referral (VCOP Right 4: automatic unless the victim opts out).

Every 15 minutes, each Right 4 duty still owed is looked at: if its crime and
person do not need explicit consent first (gate.CONSENT_FIRST), the victim has
not declined and has no referral yet, they are referred to the best suggested
general victim support service — if the data-quality gate passes. If it does
not (or no general service covers the case), nothing is sent and the officer
in the case gets ONE contact task saying so, in rule words with no personal
data. A task already open for the duty means the job waits for the officer.

Idempotent: a referral, a decline or an open task each stop the next run
from doing anything for that duty. Logs carry counts only.
"""

from __future__ import annotations

import datetime as dt

import structlog
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.utils import timezone

from victimcare.core.scheduler import periodic
from victimcare.duties.constants import OWED_STATES
from victimcare.duties.models import Duty
from victimcare.messaging.constants import TaskKind, TaskState
from victimcare.messaging.dispatch import task_raise
from victimcare.messaging.models import ContactTask

from .constants import ServiceKind
from .directory import suggested_services
from .gate import consent_position
from .models import Referral, SupportService
from .services import ALREADY_REFERRED, RIGHT_4_RULE, referral_send

log = structlog.get_logger(__name__)

TASK_KIND = TaskKind.UNSAFE_TO_SEND
TASK_DETAILS_MISSING = (
    "Referral to support could not be sent automatically: details are missing. "
    "Open the referral page from the case to see what to fix."
)
TASK_NO_SERVICE = (
    "Referral to support could not be sent automatically: no general victim support "
    "service covers this case. Refer the victim from the case."
)


def best_general_service(*, crime, victim) -> SupportService | None:  # type: ignore[no-untyped-def]
    """The best suggested general victim support service for this person, if any."""
    return next(
        (
            s
            for s in suggested_services(crime=crime, victim=victim)
            if s.kind == ServiceKind.GENERAL
        ),
        None,
    )


def _waiting_on_officer(duty: Duty) -> bool:
    return ContactTask.objects.filter(
        kind=TASK_KIND, duty=duty, state=TaskState.OPEN, message__isnull=True
    ).exists()


def referral_attempt_automatic(*, duty: Duty) -> str:
    """Try the automatic referral for one owed Right 4 duty. Returns what happened:
    "skipped", "sent" or "task"."""
    crime, victim = duty.crime, duty.victim
    position = consent_position(crime=crime, victim=victim)
    if position.needs_explicit or position.declined:
        return "skipped"  # a person asks the victim first (or they said no)
    if Referral.objects.filter(crime=crime, victim=victim).exists():
        return "skipped"
    if _waiting_on_officer(duty):
        return "skipped"
    service = best_general_service(crime=crime, victim=victim)
    reason = TASK_NO_SERVICE
    if service is not None:
        try:
            referral_send(actor=None, crime=crime, victim=victim, service=service)
        except ValidationError as error:
            if ALREADY_REFERRED in error.messages:
                return "skipped"  # someone referred them a moment ago
            reason = TASK_DETAILS_MISSING
        else:
            return "sent"
    task_raise(
        crime_id=crime.pk,
        victim_id=victim.pk,
        kind=TASK_KIND,
        reason=reason,
        duty_id=duty.pk,
        assignee_id=crime.oic_id,
    )
    return "task"


AUTOMATIC_BATCH = 200


@periodic("referrals_automatic", every=dt.timedelta(minutes=15))
def referrals_automatic_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Refer automatically where the Code allows it; return counts by outcome."""
    now = now or timezone.now()
    referred = Referral.objects.filter(crime=OuterRef("crime"), victim=OuterRef("victim"))
    waiting = ContactTask.objects.filter(
        kind=TASK_KIND, duty=OuterRef("pk"), state=TaskState.OPEN, message__isnull=True
    )
    duties = (
        Duty.objects.filter(rule__code=RIGHT_4_RULE, state__in=OWED_STATES, started_at__lte=now)
        .exclude(Exists(referred))
        .exclude(Exists(waiting))
        .select_related("crime", "crime__offence", "crime__area", "crime__team", "victim")
        .order_by("due_at", "pk")
    )
    counts = {"sent": 0, "task": 0, "skipped": 0}
    # Oldest deadline first, a batch a run: a backlog (a worker that was down, a
    # new deployment) drains over a few runs instead of one long transaction each.
    for duty in list(duties[:AUTOMATIC_BATCH]):
        try:
            outcome = referral_attempt_automatic(duty=duty)
        except Exception as exc:
            # One bad case never stops the others; the error class is logged, no data.
            log.error("referrals.automatic_failed", duty_id=duty.pk, error=type(exc).__name__)
            outcome = "skipped"
        counts[outcome] += 1
    if counts["sent"] or counts["task"]:
        log.info("referrals.automatic", **counts)
    return counts
