"""The feed-health sweep: notice feeds gone quiet, alert people, flag cases.

`feeds_sweep` runs every 15 minutes (jobs_feeds) and on `victimcare feeds
check`. For each active feed that is silent (feeds.py: the rule) and has no
open outage, `outage_open` does all of this in one transaction:

1. creates the FeedOutage. The partial unique constraint (one open outage per
   feed) is the lock: when two schedulers race, the second INSERT fails and
   that scheduler does nothing more, so nobody is alerted twice;
2. flags the affected open cases for manual checks: every crime not closed
   that the feed's organisation is involved with (shared with it, with a duty
   it still owes, or with an event it recorded) gets one open FEED_CHECK
   contact task for the officer in the case (`messaging.dispatch.task_raise`;
   a FEED_CHECK task still open on the case is the same flag, not a new one).
   A crime with no victim linked has no one to contact and is not flagged;
3. emails (through the outbox) the oversight body's analysts and
   administrators and the owning organisation's supervisors (or the nearest
   ancestor's; when there are none, its active members): which feed, silent
   since when, how many cases were flagged, a link to the feed's page. No
   personal data: no crime reference numbers, no names;
4. writes one audit entry with counts only.
"""

from __future__ import annotations

import datetime as dt

import structlog
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from victimcare.accounts.constants import OrganisationKind, Role
from victimcare.accounts.models import User
from victimcare.cases.constants import CrimeStatus
from victimcare.cases.models import CaseShare, Crime, CrimeVictim, JourneyEvent
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction
from victimcare.duties.constants import OWED_STATES
from victimcare.duties.models import Duty
from victimcare.duties.services import supervisors_for
from victimcare.messaging.constants import Channel, RecipientKind, TaskKind
from victimcare.messaging.dispatch import task_raise
from victimcare.messaging.services import message_enqueue

from .feeds import feed_is_silent, last_heard, when_text
from .models import Feed, FeedOutage

log = structlog.get_logger(__name__)

EMAIL_TEMPLATE = "staff_feed_outage"
EMAIL_SUBJECT = "Partner feed gone quiet: {feed}"
EMAIL_BODY = (
    "The partner feed '{feed}' from {organisation} has sent nothing since {since}, "
    "longer than its expected rhythm allows.\n\n"
    "Victims' updates from it may be missing. {flagged} open {cases} involving "
    "{organisation} {have} been flagged for a manual check by the officer in the case.\n\n"
    "See the feed: {url}"
)
TASK_REASON = (
    "Partner feed '{feed}' has been quiet since {since}: check this case's updates by hand"
)
VICTIM_BATCH = 500


def affected_crimes(*, organisation_id: int) -> list[tuple[int, int]]:
    """(crime id, officer in the case id) of open crimes the organisation is
    involved with: shared with it, with a duty it still owes, or with an event
    it recorded. Ordered by crime id."""
    shared = CaseShare.objects.filter(crime=OuterRef("pk"), organisation_id=organisation_id)
    owes = Duty.objects.filter(
        crime=OuterRef("pk"), owner_organisation_id=organisation_id, state__in=OWED_STATES
    )
    recorded = JourneyEvent.objects.filter(
        crime=OuterRef("pk"), recording_organisation_id=organisation_id
    )
    return list(
        Crime.objects.exclude(status=CrimeStatus.CLOSED)
        .filter(Q(Exists(shared)) | Q(Exists(owes)) | Q(Exists(recorded)))
        .order_by("pk")
        .values_list("pk", "oic_id")
    )


def _first_victims(crime_ids: list[int]) -> dict[int, int]:
    """Each crime's primary contact (else its first linked person), by crime id."""
    first: dict[int, int] = {}
    for start in range(0, len(crime_ids), VICTIM_BATCH):
        rows = (
            CrimeVictim.objects.filter(crime_id__in=crime_ids[start : start + VICTIM_BATCH])
            .order_by("crime_id", "-is_primary_contact", "pk")
            .values_list("crime_id", "victim_id")
        )
        for crime_id, victim_id in rows:
            first.setdefault(crime_id, victim_id)
    return first


def alert_recipients(*, organisation_id: int) -> list[User]:
    """Who is told about an outage of a feed of the organisation (see the module docstring)."""
    oversight = Q(
        organisation__kind=OrganisationKind.OVERSIGHT_BODY,
        role__in=(Role.ANALYST, Role.ADMINISTRATOR),
    )
    owners = supervisors_for(organisation_ids=[organisation_id]).get(organisation_id, [])
    owning = Q(pk__in=owners) if owners else Q(organisation_id=organisation_id)
    return list(
        User.objects.filter(oversight | owning, is_active=True)
        .exclude(email="")
        .order_by("pk")
        .only("pk", "email")
    )


def feed_url(feed: Feed) -> str:
    path = reverse("integrations:feed-detail", args=[feed.pk])
    return settings.VICTIMCARE_BASE_URL.rstrip("/") + path


def _flag_cases(feed: Feed, since: str) -> int:
    crimes = affected_crimes(organisation_id=feed.organisation_id)
    victims = _first_victims([pk for pk, _ in crimes])
    reason = TASK_REASON.format(feed=feed.name, since=since)
    flagged = 0
    for crime_id, oic_id in crimes:
        victim_id = victims.get(crime_id)
        if victim_id is None:
            continue
        task_raise(
            crime_id=crime_id,
            victim_id=victim_id,
            kind=TaskKind.FEED_CHECK,
            reason=reason,
            assignee_id=oic_id,
        )
        flagged += 1
    return flagged


def _alert(feed: Feed, outage: FeedOutage, since: str) -> int:
    organisation = feed.organisation.name
    flagged = outage.cases_flagged
    body = EMAIL_BODY.format(
        feed=feed.name,
        organisation=organisation,
        since=since,
        flagged=flagged,
        cases="case" if flagged == 1 else "cases",
        have="has" if flagged == 1 else "have",
        url=feed_url(feed),
    )
    people = alert_recipients(organisation_id=feed.organisation_id)
    for person in people:
        message_enqueue(
            channel=Channel.EMAIL,
            recipient_kind=RecipientKind.STAFF,
            recipient=person.email,
            subject=EMAIL_SUBJECT.format(feed=feed.name),
            body=body,
            template_code=EMAIL_TEMPLATE,
            idempotency_key=f"feed-outage:{outage.pk}:{person.pk}",
        )
    return len(people)


@transaction.atomic
def outage_open(*, feed: Feed, now: dt.datetime) -> FeedOutage | None:
    """Open an outage of a silent feed, flag its cases and alert people, once.

    Returns None (and does nothing) when the feed already has an open outage,
    e.g. because another scheduler opened it a moment ago."""
    since_at = last_heard(feed)
    try:
        with transaction.atomic():
            outage = FeedOutage.objects.create(feed=feed, silent_since=since_at, detected_at=now)
    except IntegrityError:
        return None
    since = when_text(since_at)
    outage.cases_flagged = _flag_cases(feed, since)
    outage.save(update_fields=["cases_flagged"])
    told = _alert(feed, outage, since)
    audit_record(
        action=AuditAction.CREATE,
        object_type="integrations.feedoutage",
        object_id=outage.pk,
        detail={"feed": feed.pk, "cases_flagged": outage.cases_flagged, "people_told": told},
    )
    log.info(
        "feeds.outage_opened",
        feed=feed.pk,
        outage=outage.pk,
        cases_flagged=outage.cases_flagged,
        people_told=told,
    )
    return outage


def feeds_sweep(*, now: dt.datetime | None = None) -> list[FeedOutage]:
    """Open an outage for every silent active feed without one; return those opened.

    Idempotent: a feed with an open outage is skipped, and a race on the same
    feed is settled by the one-open-outage constraint."""
    now = now or timezone.now()
    open_outage = FeedOutage.objects.filter(feed=OuterRef("pk"), resolved_at__isnull=True)
    candidates = (
        Feed.objects.filter(active=True)
        .exclude(Exists(open_outage))
        .select_related("organisation")
        .order_by("pk")
    )
    opened = []
    for feed in candidates:
        if feed_is_silent(feed, now=now):
            outage = outage_open(feed=feed, now=now)
            if outage is not None:
                opened.append(outage)
    return opened
