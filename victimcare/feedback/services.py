"""Feedback writes: create an invitation, look a token up, record a response."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from victimcare.accounts.models import User
from victimcare.cases.constants import CONTACT_EVENTS, AgeBand, DisabilityAnswer, Ethnicity
from victimcare.cases.models import JourneyEvent
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction

from . import messages as msg
from .constants import (
    COMMENT_MAX_LENGTH,
    DEFAULT_INVITATION_DAYS,
    FEEDBACK_EVENTS,
    RATING_MAX,
    RATING_MIN,
    TOKEN_BYTES,
    TOKEN_PATTERN,
    InvitationChannel,
    NeedsRecognised,
    ResponseSource,
)
from .models import Invitation, OfficerCard, Response
from .review import comments_screen, response_followup


def token_hash(token: str) -> str:
    """SHA-256 hex of a token: what the database keeps instead of the token.

    A fast hash is enough: the token has 128 bits of entropy, so it cannot be
    guessed offline (unlike a password)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def invitation_days() -> int:
    return int(getattr(settings, "FEEDBACK_INVITATION_DAYS", DEFAULT_INVITATION_DAYS))


@transaction.atomic
def invitation_create(
    *,
    officer: User,
    channel: str,
    contact_event: JourneyEvent | None = None,
    card: OfficerCard | None = None,
    now: dt.datetime | None = None,
) -> tuple[Invitation, str]:
    """Create an invitation for `officer`'s contact and return it with its token.

    The token is returned once and only its hash is stored. For a contact event
    the crime and victim come from the event, and any earlier unused invitation
    for the same event and officer is expired now (a fresh QR code replaces the
    old one, since the old token cannot be shown again). Without an event it is
    a personal-card invitation. Callers check the officer may invite for the
    event (views: the recording officer or the OIC).
    """
    # A QR code or card is for a contact; a text or email may follow any officer
    # contact in FEEDBACK_EVENTS (feedback.dispatch: a statement taken too).
    automated = channel in (InvitationChannel.SMS, InvitationChannel.EMAIL)
    events = FEEDBACK_EVENTS if automated else CONTACT_EVENTS
    if contact_event is not None and contact_event.code not in events:
        raise ValidationError(msg.CONTACT_EVENT_NOT_CONTACT)
    now = now or timezone.now()
    if contact_event is not None:
        Invitation.objects.filter(
            contact_event=contact_event, officer=officer, used_at__isnull=True, expires_at__gt=now
        ).update(expires_at=now)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    invitation = Invitation.objects.create(
        token_hash=token_hash(token),
        channel=channel,
        officer=officer,
        contact_event=contact_event,
        card=card,
        crime_id=contact_event.crime_id if contact_event else None,
        victim_id=contact_event.victim_id if contact_event else None,
        # The page opens in the victim's language (views.feedback); English otherwise.
        language=(contact_event.victim.language or "en")
        if contact_event and contact_event.victim_id
        else "en",
        created_at=now,
        expires_at=now + dt.timedelta(days=invitation_days()),
    )
    audit_record(
        action=AuditAction.CREATE,
        actor=officer,
        object_type="feedback.invitation",
        object_id=invitation.pk,
        subject_type="cases.victim" if invitation.victim_id else "",
        subject_id=invitation.victim_id or "",
        detail={"channel": channel, "crime_id": invitation.crime_id},
    )
    return invitation, token


def invitation_for_token(
    token: str, *, now: dt.datetime | None = None, lock: bool = False
) -> Invitation | None:
    """The open invitation for `token`, or None if it is malformed, unknown, used
    or expired (the caller cannot tell which). A malformed token never reaches
    the database; a well-formed one costs one indexed lookup by hash whatever
    the outcome. `lock`: SELECT … FOR UPDATE of the invitation row only (inside
    the caller's transaction), as response_store needs."""
    if not isinstance(token, str) or not TOKEN_PATTERN.match(token):
        return None
    rows = Invitation.objects.select_related("officer")
    if lock:
        rows = rows.select_for_update(of=("self",))
    invitation = rows.filter(token_hash=token_hash(token)).first()
    if invitation is None or not invitation.is_open(now=now or timezone.now()):
        return None
    return invitation


def _comment(value: str, field: str, errors: dict[str, list[str]]) -> str:
    value = (value or "").replace("\r\n", "\n").strip()
    if len(value) > COMMENT_MAX_LENGTH:
        errors.setdefault(field, []).append(msg.COMMENT_TOO_LONG)
    return value


def response_record(*, token: str, now: dt.datetime | None = None, **answers: Any) -> Response:
    """Store the one response to the invitation behind `token` and mark it used;
    `answers` are response_store's (rating, comments, equality answers…).

    Anyone holding the token may call it (no sign-in). Raises ValidationError
    with LINK_UNAVAILABLE, and nothing else, for a malformed, unknown, used or
    expired token (checked first, so bad answers on a dead link reveal nothing);
    with field errors for a rating outside 1–5 or a comment over 2,000
    characters. The invitation row is locked and the response is one-to-one, so
    two concurrent posts store one response.
    """
    now = now or timezone.now()
    if not isinstance(token, str) or not TOKEN_PATTERN.match(token):
        raise ValidationError(msg.LINK_UNAVAILABLE)
    try:
        with transaction.atomic():
            invitation = (
                Invitation.objects.select_for_update().filter(token_hash=token_hash(token)).first()
            )
            return response_store(invitation=invitation, now=now, **answers)
    except IntegrityError as exc:
        # A concurrent post stored the one response first (the one-to-one).
        raise ValidationError(msg.LINK_UNAVAILABLE) from exc


def response_store(
    *,
    invitation: Invitation | None,
    rating: int | None,
    went_well: str = "",
    could_be_better: str = "",
    age_band: str = "",
    ethnicity: str = "",
    disability: str = "",
    needs_recognised: str = "",
    contact_back: bool = False,
    victim_voice_forum: bool = False,
    language: str = "en",
    source: str = ResponseSource.WEB,
    now: dt.datetime | None = None,
) -> Response:
    """Check and store the response to `invitation` (locked by the caller with
    select_for_update, inside the caller's transaction), mark it used, and follow
    it up (the safeguarding screen, stored in the same INSERT; then
    review.response_followup: review lists, contact back).

    The token page and SMS replies both come here. Raises ValidationError with
    LINK_UNAVAILABLE for a missing, used or expired invitation, else field errors
    (before anything is written). A duplicate response raises IntegrityError,
    which aborts the caller's transaction: callers turn it into LINK_UNAVAILABLE
    outside it (no savepoint per response: one round trip fewer each way).
    """
    if transaction.get_autocommit():
        raise RuntimeError("response_store must run inside a transaction (the invitation locked).")
    now = now or timezone.now()
    if invitation is None or not invitation.is_open(now=now):
        raise ValidationError(msg.LINK_UNAVAILABLE)

    errors: dict[str, list[str]] = {}
    if rating is None:
        errors["rating"] = [msg.RATING_REQUIRED]
    elif (
        isinstance(rating, bool)
        or not isinstance(rating, int)
        or not (RATING_MIN <= rating <= RATING_MAX)
    ):
        errors["rating"] = [msg.RATING_INVALID]
    choices = {
        "age_band": (age_band, AgeBand.values),
        "ethnicity": (ethnicity, Ethnicity.values),
        "disability": (disability, DisabilityAnswer.values),
        "needs_recognised": (needs_recognised, NeedsRecognised.values),
    }
    for field, (value, allowed) in choices.items():
        if value and value not in allowed:
            errors[field] = [msg.ANSWER_INVALID]
    went_well = _comment(went_well, "went_well", errors)
    could_be_better = _comment(could_be_better, "could_be_better", errors)
    if errors:
        raise ValidationError(errors)

    screened = comments_screen(
        went_well=went_well, could_be_better=could_be_better, language=language
    )
    response = Response.objects.create(
        invitation=invitation,
        rating=rating,
        went_well=went_well,
        could_be_better=could_be_better,
        age_band=age_band,
        ethnicity=ethnicity,
        disability=disability,
        needs_recognised=needs_recognised,
        contact_back=contact_back,
        victim_voice_forum=victim_voice_forum,
        language=language,
        source=source,
        risk_categories=screened.categories,
        urgent=screened.urgent,
        created_at=now,
    )
    invitation.used_at = now
    invitation.save(update_fields=["used_at"])
    response_followup(response=response, now=now, screened=screened)
    return response
