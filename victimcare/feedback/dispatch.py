"""Automated feedback invitations: a text or email after an officer's contact (issue 6, item 1b).

`invitations_for_event` is called for every recorded journey event, inside the
event's transaction (cases.services._event_write), right after the event's
duties and messages. It runs in a savepoint and swallows every error (logged
by type and ids only): a feedback invitation is optional, so nothing here may
ever roll back or fail the event.

Decisions (who gets an automated invitation, and when):

- Only events in FEEDBACK_EVENTS that name a victim and were recorded by a
  police officer or supervisor (the officer rated is `event.recorded_by`). A
  correction (an event that supersedes another) is not a new contact.
  `crime_reported` is written before the crime's victims exist, so in practice
  it names no victim and invites nobody.
- The victim's preferred channel only, and only text or email. A victim who
  prefers calls or letters gets no automated invitation (the officer can still
  show them the QR code); a channel is never swapped for one they did not choose.
- Safe contact first: `messaging.safety.enqueue_verdict` decides, exactly as for
  case messages (a restricted case — domestic abuse, sexual offences,
  stalking… — gets nothing until a safe channel is confirmed with the victim;
  no updates wanted; contact only if the victim initiates; channel unsafe).
  When it says no, nothing is written at all — no invitation, no message and
  no contact task: feedback is optional, and a task would send an officer to
  contact a victim only to ask for a rating. The outbox checks again at send
  time (a message cancelled or failed then raises no task either:
  messaging.dispatch.NO_TASK_TEMPLATES).
- Survey fatigue: at most one automated invitation per person per
  FEEDBACK_INVITE_MIN_DAYS (default 28), counted from the invitations created
  (a queued one counts even if the outbox later cancels it). The person's row
  is locked while checking, so two events committing at once invite once.
- Children: no automated invitation goes to a victim under 16 (age at the
  contact from their date of birth, or the under-16 band in their equality
  data; unknown age counts as adult). Cases model a child's contact as another
  person on the crime with the role "parent or guardian": the invitation goes
  to that person (the primary contact first), about the same contact, under
  their own safe-contact rules, language and 28-day limit. No such person: no
  invitation. A parent named on the event is invited directly.
- Idempotent: one automated invitation per event and person (checked before
  anything is written), and the outbox key `feedback-invitation:<event>:<person>`.
- A text invitation keeps `reply_key`, the blind index (HMAC-SHA256 keyed by
  BLIND_INDEX_KEY, core.crypto) of the normalised mobile number, so an SMS
  reply can be matched (feedback.sms) without storing or searching the number
  in clear. It equals the number's `Victim.phone_index`/`InboundSms.from_number_index`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import structlog
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from victimcare.accounts.constants import POLICE_KINDS, Role
from victimcare.cases.constants import AgeBand, VictimRole
from victimcare.cases.models import Crime, CrimeVictim, EqualityData, JourneyEvent, Victim
from victimcare.core.crypto import blind_index
from victimcare.messaging import dispatch as messaging_dispatch
from victimcare.messaging import wording
from victimcare.messaging.constants import Channel
from victimcare.messaging.safety import enqueue_verdict, recipient_for

from . import services
from .constants import FEEDBACK_EVENTS, InvitationChannel
from .models import Invitation

log = structlog.get_logger(__name__)

INVITATION_TEMPLATE = "feedback_invitation"
DEFAULT_INVITE_MIN_DAYS = 28
CHILD_AGE = 16
# The victim's preferred channel → the invitation's channel (others: no automated invitation).
AUTOMATED = {Channel.SMS: InvitationChannel.SMS, Channel.EMAIL: InvitationChannel.EMAIL}
AUTOMATED_CHANNELS = tuple(AUTOMATED.values())
INVITING_ROLES = frozenset({Role.OFFICER, Role.SUPERVISOR})


def invite_min_days() -> int:
    return int(getattr(settings, "FEEDBACK_INVITE_MIN_DAYS", DEFAULT_INVITE_MIN_DAYS))


def feedback_url(token: str) -> str:
    """The absolute address of the public feedback page for `token`."""
    base = str(settings.VICTIMCARE_BASE_URL).rstrip("/")
    return base + reverse("feedback:respond", kwargs={"token": token})


def reply_key_for(number: str | None) -> str:
    """The blind index of a mobile number ("" for none or no digits)."""
    try:
        return blind_index(number, kind="phone") if number else ""
    except ValueError:
        return ""


def invitations_for_event(*, event: JourneyEvent) -> Invitation | None:
    """Invite the person an officer's contact was with to rate it, by text or
    email, when it is safe and not too soon (module docstring). Returns the
    invitation created, if any.

    Called by the case record for every event, inside the event's transaction.
    Never raises and never rolls the event back: it works in a savepoint and
    logs any error by its type and ids only (no personal data)."""
    if event.code not in FEEDBACK_EVENTS or event.victim_id is None:
        return None
    try:
        with transaction.atomic():
            return _invite(event=event)
    except Exception as error:
        log.error(
            "feedback.invitation_failed",
            event_id=event.pk,
            crime_id=event.crime_id,
            error=type(error).__name__,
        )
        return None


def _is_police_officer(user: Any) -> bool:
    if user is None or not user.is_active or user.role not in INVITING_ROLES:
        return False
    organisation = user.organisation
    return organisation is not None and organisation.kind in POLICE_KINDS


def _under_16(*, victim: Victim, on: dt.date) -> bool:
    if EqualityData.objects.filter(victim=victim, age_band=AgeBand.UNDER_16).exists():
        return True
    try:
        born = dt.date.fromisoformat(victim.date_of_birth) if victim.date_of_birth else None
    except ValueError:
        born = None
    if born is None:
        return False
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return age < CHILD_AGE


def _recipient(*, event: JourneyEvent, crime: Crime) -> Victim | None:
    """Who is invited for `event`: its victim, or for a child their parent or guardian."""
    victim = Victim.objects.get(pk=event.victim_id)
    on = timezone.localtime(event.occurred_at).date()
    if not _under_16(victim=victim, on=on):
        return victim
    links = (
        CrimeVictim.objects.filter(crime=crime, role=VictimRole.PARENT_OR_GUARDIAN)
        .exclude(victim=victim)
        .select_related("victim")
        .order_by("-is_primary_contact", "pk")
    )
    for link in links:
        if not _under_16(victim=link.victim, on=on):
            return link.victim
    return None


def _invite(*, event: JourneyEvent) -> Invitation | None:
    if event.supersedes_id is not None:
        return None  # a correction of an earlier record, not another contact
    officer = event.recorded_by
    if not _is_police_officer(officer):
        return None
    crime = Crime.objects.select_related("offence", "oic").get(pk=event.crime_id)
    person = _recipient(event=event, crime=crime)
    if person is None:
        log.info("feedback.invitation_skipped", event_id=event.pk, why="child_without_guardian")
        return None
    # Lock the person's row: two events committing at once must not both invite.
    person = Victim.objects.select_for_update().get(pk=person.pk)
    channel = AUTOMATED.get(person.preferred_channel)
    if channel is None:
        return None  # prefers calls or letters: the officer can show the QR code
    if Invitation.objects.filter(
        contact_event=event, victim=person, channel__in=AUTOMATED_CHANNELS
    ).exists():
        return None  # this event has invited them already
    now = timezone.now()
    since = now - dt.timedelta(days=invite_min_days())
    if Invitation.objects.filter(
        victim=person, channel__in=AUTOMATED_CHANNELS, created_at__gt=since
    ).exists():
        log.info("feedback.invitation_skipped", event_id=event.pk, why="invited_recently")
        return None
    verdict = enqueue_verdict(victim=person, channel=channel, crime=crime)
    if not verdict.allowed:
        # Optional: not sent, and no task (module docstring).
        log.info("feedback.invitation_skipped", event_id=event.pk, why="not_safe")
        return None
    language = wording.base_language(person.language or "en")
    invitation, token = services.invitation_create(
        officer=officer, channel=channel, contact_event=event, now=now
    )
    context = wording.message_context(crime=crime, victim=person, event=event)
    context["feedback_link"] = feedback_url(token)
    rendered = wording.message_render(
        template_code=INVITATION_TEMPLATE, channel=channel, language=language, context=context
    )
    prepared = messaging_dispatch.Prepared(
        rendered=rendered, channel=channel, recipient=recipient_for(victim=person, channel=channel)
    )
    message = messaging_dispatch._enqueue(
        prepared=prepared,
        crime=crime,
        victim=person,
        idempotency_key=f"feedback-invitation:{event.pk}:{person.pk}",
        duty=None,
        event=event,
    )
    invitation.victim = person  # the parent, for a child's contact
    invitation.language = language
    invitation.message = message
    invitation.reply_key = reply_key_for(person.phone) if channel == InvitationChannel.SMS else ""
    invitation.save(update_fields=["victim", "language", "message", "reply_key"])
    log.info(
        "feedback.invitation_queued",
        event_id=event.pk,
        invitation_id=invitation.pk,
        channel=channel,
    )
    return invitation
