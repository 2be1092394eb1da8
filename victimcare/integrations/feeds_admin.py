"""Reading and changing partner feeds: selectors scoped by the permission
policy (permissions_feeds) and the services behind the create and edit pages.

Feeds and their outages hold no personal data (names of systems, counts), so
reading them is not audited; creating and changing a feed is.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from victimcare.accounts.constants import PARTNER_KINDS
from victimcare.accounts.models import Organisation, User
from victimcare.cases.constants import EventCode
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction

from .constants import Rhythm
from .models import Feed, FeedOutage
from .permissions_feeds import MANAGE_FEEDS, VIEW_FEEDS, sees_all_feeds

ORGANISATION_INVALID = "Select the partner organisation that sends the feed"
NAME_MISSING = "Enter a name for the feed"
NAME_TOO_LONG = "The name must be 100 characters or fewer"
NAME_TAKEN = "This organisation already has a feed with that name"
CODES_INVALID = "Select only events from the list"
RHYTHM_INVALID = "Select how often the feed is expected to send something"
TOLERANCE_INVALID = "Enter a whole number of quiet periods from 1 to 30"
TOLERANCE_MIN = 1
TOLERANCE_MAX = 30
NAME_MAX = 100


def partner_organisations() -> QuerySet[Organisation]:
    """Organisations a feed may belong to: Witness Care Units, CPS, courts, probation."""
    return Organisation.objects.filter(kind__in=PARTNER_KINDS).order_by("name", "pk")


def feeds_for_user(*, user: User) -> QuerySet[Feed]:
    """The feeds `user` may see (all, or their own organisation's), by organisation and name."""
    if not user.has_perm(VIEW_FEEDS):
        return Feed.objects.none()
    feeds = Feed.objects.select_related("organisation").order_by("organisation__name", "name", "pk")
    if sees_all_feeds(user):
        return feeds
    return feeds.filter(organisation_id=user.organisation_id)


def access_feed(*, user: User, feed_id: int) -> Feed:
    """The feed if `user` may see it; Http404 for missing and forbidden alike."""
    feed = feeds_for_user(user=user).filter(pk=feed_id).first()
    if feed is None:
        raise Http404("No such feed.")
    return feed


def feed_outages(*, feed: Feed) -> list[FeedOutage]:
    """The feed's outages, newest first."""
    return list(feed.outages.order_by("-detected_at", "-pk"))


@dataclass(frozen=True)
class FeedInput:
    organisation_id: int | None
    name: str
    event_codes: list[str]
    rhythm: str
    tolerance: int | None


def _check(data: FeedInput, *, feed: Feed | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not partner_organisations().filter(pk=data.organisation_id).exists():
        errors["organisation"] = [ORGANISATION_INVALID]
    name = data.name.strip()
    if not name:
        errors["name"] = [NAME_MISSING]
    elif len(name) > NAME_MAX:
        errors["name"] = [NAME_TOO_LONG]
    elif "organisation" not in errors:
        same = Feed.objects.filter(organisation_id=data.organisation_id, name__iexact=name)
        if feed is not None:
            same = same.exclude(pk=feed.pk)
        if same.exists():
            errors["name"] = [NAME_TAKEN]
    if any(code not in EventCode.values for code in data.event_codes):
        errors["event_codes"] = [CODES_INVALID]
    if data.rhythm not in Rhythm.values:
        errors["rhythm"] = [RHYTHM_INVALID]
    if data.tolerance is None or not TOLERANCE_MIN <= data.tolerance <= TOLERANCE_MAX:
        errors["tolerance"] = [TOLERANCE_INVALID]
    return errors


def _codes(data: FeedInput) -> list[str]:
    # In the order of EventCode, without repeats.
    return [code for code in EventCode.values if code in set(data.event_codes)]


@transaction.atomic
def feed_create(*, actor: User, data: FeedInput, request: HttpRequest | None = None) -> Feed:
    """Create a feed (for force and oversight administrators). Its clock starts now:
    never heard, it is silent once its rhythm has passed since its creation."""
    if not actor.has_perm(MANAGE_FEEDS):
        raise Http404("No such page.")
    errors = _check(data, feed=None)
    if errors:
        raise ValidationError(errors)
    feed = Feed.objects.create(
        organisation_id=data.organisation_id,
        name=data.name.strip(),
        event_codes=_codes(data),
        rhythm=data.rhythm,
        tolerance=data.tolerance,
        created_at=timezone.now(),
    )
    audit_record(
        action=AuditAction.CREATE,
        request=request,
        actor=actor,
        object_type="integrations.feed",
        object_id=feed.pk,
        detail={"organisation": feed.organisation_id, "rhythm": feed.rhythm},
    )
    return feed


@transaction.atomic
def feed_update(
    *, actor: User, feed: Feed, data: FeedInput, request: HttpRequest | None = None
) -> Feed:
    """Change a feed (for force and oversight administrators). An open outage
    stays open until the feed is heard again."""
    if not actor.has_perm(MANAGE_FEEDS):
        raise Http404("No such page.")
    errors = _check(data, feed=feed)
    if errors:
        raise ValidationError(errors)
    feed = Feed.objects.select_for_update().get(pk=feed.pk)
    feed.organisation_id = data.organisation_id
    feed.name = data.name.strip()
    feed.event_codes = _codes(data)
    feed.rhythm = data.rhythm
    feed.tolerance = data.tolerance or TOLERANCE_MIN
    feed.save(update_fields=["organisation", "name", "event_codes", "rhythm", "tolerance"])
    audit_record(
        action=AuditAction.CHANGE,
        request=request,
        actor=actor,
        object_type="integrations.feed",
        object_id=feed.pk,
        detail={"organisation": feed.organisation_id, "rhythm": feed.rhythm},
    )
    return feed
