"""Feed health (issue 10, item 6): is each partner feed keeping its rhythm?

A Feed is a partner system's stream of journey events (a court's results, a
Witness Care Unit's case system). It is *heard* whenever its organisation
records an event whose code is one of the feed's `event_codes` (any code when
the list is empty): `feed_heard` runs inside every event's transaction.

The silence rule. Let L be when the feed was last heard (`last_received_at`,
or `created_at` if it has never been heard) and n its `tolerance`. Periods are
counted in the England and Wales calendar (Europe/London):

- WORKING_DAY: a period is one working day of the project's working-day
  calendar (`duties.calendar`: Monday to Friday, not a bank holiday, not a
  local closure). Let W be the n-th working day after the local day of L (the
  day of L itself never counts). The feed is silent from 00:00 on the day after
  W: n whole working days have passed with nothing. Weekends and bank holidays
  in between do not count.
  Example: heard Monday 10:00, n = 2 → silent from Thursday 00:00 (Tuesday and
  Wednesday were quiet); heard Friday 10:00 → silent from Wednesday 00:00.
- DAY: a period is a calendar day: silent from 00:00 on the (n + 1)-th day
  after the local day of L.
- WEEK: a period is a calendar week, Monday to Sunday: silent from 00:00 on
  the Monday (n + 1) weeks after the Monday of L's week.

A silent, active feed without an open outage gets one (`feeds_sweep`); hearing
it again resolves that outage.
"""

from __future__ import annotations

import datetime as dt

import structlog
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone

from victimcare.cases.models import JourneyEvent
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction
from victimcare.duties.calendar import LONDON, add_working_days, local_day

from .constants import Rhythm
from .models import Feed, FeedOutage

log = structlog.get_logger(__name__)

STATUS_HEALTHY = "Healthy"
STATUS_SILENT = "Silent since {when}"
STATUS_NEVER_HEARD = "Never heard"
STATUS_PAUSED = "Not monitored"
NEVER = "Never"
RHYTHM_TEXT = {
    Rhythm.WORKING_DAY: "Something every working day",
    Rhythm.DAY: "Something every day",
    Rhythm.WEEK: "Something every week",
}
PERIOD_NAMES = {
    Rhythm.WORKING_DAY: ("working day", "working days"),
    Rhythm.DAY: ("day", "days"),
    Rhythm.WEEK: ("week", "weeks"),
}


def feed_heard(*, event: JourneyEvent) -> None:
    """Note that the recording organisation's feeds delivering `event` are alive.

    Called by `integrations.hooks.event_recorded` inside the event's
    transaction, for every event, so it costs one indexed query when the
    organisation has no feed. Every active feed of the organisation whose
    `event_codes` include the event's code (or are empty) gets
    `last_received_at` moved forward (never back); its open outage, if any, is
    resolved. Never fails the event: a database error is rolled back to a
    savepoint and logged.
    """
    try:
        with transaction.atomic():
            _heard(event)
    except DatabaseError:
        log.exception("feeds.heard_failed", event_id=event.pk)


def _heard(event: JourneyEvent) -> None:
    candidates = Feed.objects.filter(
        organisation_id=event.recording_organisation_id, active=True
    ).values_list("pk", "event_codes")
    ids = [pk for pk, codes in candidates if not codes or event.code in codes]
    if not ids:
        return
    heard_at = event.recorded_at or timezone.now()
    Feed.objects.filter(
        Q(last_received_at__isnull=True) | Q(last_received_at__lt=heard_at), pk__in=ids
    ).update(last_received_at=heard_at)
    open_outages = list(
        FeedOutage.objects.filter(feed_id__in=ids, resolved_at__isnull=True).values_list(
            "pk", "feed_id"
        )
    )
    for outage_id, feed_id in open_outages:
        resolved = FeedOutage.objects.filter(pk=outage_id, resolved_at__isnull=True).update(
            resolved_at=heard_at
        )
        if resolved:
            audit_record(
                action=AuditAction.CHANGE,
                object_type="integrations.feedoutage",
                object_id=outage_id,
                detail={"feed": feed_id, "resolved": True},
            )
            log.info("feeds.outage_resolved", feed=feed_id, outage=outage_id)


# --- The silence rule -----------------------------------------------------------------


def start_of_day(day: dt.date) -> dt.datetime:
    """00:00 Europe/London on `day` (GMT or BST as it falls)."""
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=LONDON)


def silent_from(*, rhythm: str, tolerance: int, last_heard: dt.datetime) -> dt.datetime:
    """The moment a feed last heard at `last_heard` becomes silent (see the module docstring)."""
    day = local_day(last_heard)
    if rhythm == Rhythm.WORKING_DAY:
        return start_of_day(add_working_days(day, tolerance) + dt.timedelta(days=1))
    if rhythm == Rhythm.DAY:
        return start_of_day(day + dt.timedelta(days=tolerance + 1))
    if rhythm == Rhythm.WEEK:
        monday = day - dt.timedelta(days=day.weekday())
        return start_of_day(monday + dt.timedelta(weeks=tolerance + 1))
    raise ValueError(f"Unknown rhythm: {rhythm}")


def last_heard(feed: Feed) -> dt.datetime:
    """When the feed was last heard, or created if never."""
    return feed.last_received_at or feed.created_at


def feed_silent_from(feed: Feed) -> dt.datetime:
    return silent_from(rhythm=feed.rhythm, tolerance=feed.tolerance, last_heard=last_heard(feed))


def feed_is_silent(feed: Feed, *, now: dt.datetime | None = None) -> bool:
    """Whether the feed has been quiet beyond its rhythm at `now` (active or not)."""
    return (now or timezone.now()) >= feed_silent_from(feed)


# --- Words for pages and emails -------------------------------------------------------


def when_text(value: dt.datetime | None) -> str:
    """A moment in London time, like "Mon 3 Mar 2025 at 10:00"; "Never" for None."""
    if value is None:
        return NEVER
    return value.astimezone(LONDON).strftime("%a %-d %b %Y at %H:%M")


def feed_status(feed: Feed, *, now: dt.datetime | None = None) -> str:
    """The feed's state in words: Healthy, Silent since …, Never heard, Not monitored."""
    if not feed.active:
        return STATUS_PAUSED
    if feed_is_silent(feed, now=now):
        return STATUS_SILENT.format(when=when_text(last_heard(feed)))
    if feed.last_received_at is None:
        return STATUS_NEVER_HEARD
    return STATUS_HEALTHY


def rhythm_text(feed: Feed) -> str:
    """E.g. "Something every working day; alert after 2 quiet working days"."""
    one, many = PERIOD_NAMES[Rhythm(feed.rhythm)]
    periods = one if feed.tolerance == 1 else many
    return f"{RHYTHM_TEXT[Rhythm(feed.rhythm)]}; alert after {feed.tolerance} quiet {periods}"
