"""Track your case without the link: /track/ with a crime reference number and
a date of birth (issue 7, item 7: "or CRN + date of birth + code").

`tracking_start` looks for a person on the crime (`services.crime_for_crn`:
spaces ignored, any case) whose date of birth is the one typed. Dates of birth
are encrypted, so they are compared here, in Python, among that crime's people
only. A code is sent only when all of these hold:

- the crime reference and date of birth match one person on the crime;
- they have a safe channel now (`tracking.safe_channel`, the rules a link
  follows: never an unsafe channel; nothing for "contact only if they get in
  touch", "no updates" or a restricted crime without a confirmed safe channel);
- their current link for the crime is not locked (three wrong codes in a row:
  starting again here must not undo a lock; the desk can send a new link);
- the crime has had fewer than PORTAL_TRACK_START_CODES_PER_CRIME codes from
  this page today (codes cost money, and each new link gives three more guesses).

Then a new link is made for them (revoking the older ones, as sending a link
does; it is never sent, its token is thrown away) and a one-time code goes to
the safe channel. The caller gets the link's id or None and MUST answer the
person the same way in both cases: nothing on the page says whether anything
matched. Every attempt is audited without what was typed.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from victimcare.cases.models import Crime, CrimeVictim, Victim
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction
from victimcare.core.ratelimit import hit
from victimcare.messaging.safety import recipient_for

from .models import TrackingLink
from .services import crime_for_crn
from .tracking import (
    CodeNotSent,
    code_seconds,
    recipient_hash,
    safe_channel,
    session_seconds,
    token_hash,
    tracking_code_send,
)

DAY_SECONDS = 24 * 60 * 60


def codes_per_crime() -> int:
    return int(getattr(settings, "PORTAL_TRACK_START_CODES_PER_CRIME", 3))


def _person(crime: Crime, date_of_birth: dt.date) -> CrimeVictim | None:
    """The first person on `crime` (victim, or the relative who is the contact)
    born on `date_of_birth`. Decrypts only this crime's people."""
    wanted = date_of_birth.isoformat()
    for link in CrimeVictim.objects.filter(crime=crime).select_related("victim").order_by("pk"):
        recorded = (link.victim.date_of_birth or "").strip()
        if recorded and hmac.compare_digest(recorded, wanted):
            return link
    return None


def _locked(*, victim_id: int, crime_id: int) -> bool:
    newest = (
        TrackingLink.objects.filter(
            victim_id=victim_id,
            crime_id=crime_id,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .order_by("-created_at", "-pk")
        .first()
    )
    return newest is not None and newest.locked_at is not None


def _audit(
    *,
    request: HttpRequest | None,
    outcome: str,
    crime: Crime | None = None,
    victim_id: int | None = None,
    link_id: int | None = None,
) -> None:
    """One entry per attempt: ids and the outcome only, never the reference or
    date typed. A failed match has no subject (nobody's data was found)."""
    detail: dict[str, object] = {"page": "portal.track-start", "outcome": outcome}
    if crime is not None:
        detail["crime_id"] = crime.pk
    audit_record(
        action=AuditAction.SEARCH,
        request=request,
        actor=None,
        object_type="portal.tracking_link" if link_id else "",
        object_id=link_id or "",
        subject_type="cases.victim" if victim_id else "",
        subject_id=victim_id or "",
        detail=detail,
    )


@transaction.atomic
def tracking_start(
    *, crn: str, date_of_birth: dt.date, request: HttpRequest | None = None
) -> int | None:
    """Make a tracking link for the person on crime `crn` born on
    `date_of_birth` and send its one-time code to their safe channel.

    Public (no account): the view limits requests per address first. Returns
    the new link's id when a code was sent, else None; the caller answers both
    the same way. Audited either way (outcome and ids only)."""
    crime = crime_for_crn(crn)
    person = _person(crime, date_of_birth) if crime is not None else None
    if crime is None or person is None:
        _audit(request=request, outcome="no_match")
        return None
    victim = Victim.objects.select_for_update().get(pk=person.victim_id)
    channel, _reason = safe_channel(victim=victim, crime=crime)
    if not channel:
        _audit(request=request, outcome="no_safe_channel", crime=crime, victim_id=victim.pk)
        return None
    if _locked(victim_id=victim.pk, crime_id=crime.pk):
        _audit(request=request, outcome="locked", crime=crime, victim_id=victim.pk)
        return None
    allowed = hit(
        f"portal:track:start-crime:{crime.pk}",
        limit=codes_per_crime(),
        window_seconds=DAY_SECONDS,
    ).allowed
    if not allowed:
        _audit(request=request, outcome="crime_limit", crime=crime, victim_id=victim.pk)
        return None
    now = timezone.now()
    TrackingLink.objects.filter(victim=victim, crime=crime, revoked_at__isnull=True).update(
        revoked_at=now
    )
    link = TrackingLink.objects.create(
        victim=victim,
        crime=crime,
        # Never sent: only the code is. A random token keeps the column unique.
        token_hash=token_hash(secrets.token_urlsafe(32)),
        channel=channel,
        recipient_hash=recipient_hash(recipient_for(victim=victim, channel=channel)),
        created_at=now,
        created_by=None,
        # Long enough to type the code and use the session it opens, no longer.
        expires_at=now + dt.timedelta(seconds=code_seconds() + session_seconds()),
    )
    try:
        tracking_code_send(tracking=link, request=request)
    except CodeNotSent:
        link.revoked_at = now
        link.save(update_fields=["revoked_at"])
        _audit(request=request, outcome="not_sent", crime=crime, victim_id=victim.pk)
        return None
    _audit(request=request, outcome="sent", crime=crime, victim_id=victim.pk, link_id=link.pk)
    return link.pk
