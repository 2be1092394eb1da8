"""Officers' personal QR cards: issue, reissue, and a scan that opens a fresh invitation.

A card's code is long-lived and printed, so anyone may hold it: a scan never
reaches a response directly. Within limits it opens a new single-use invitation
(channel CARD, no contact event) and the scanner is sent on to /f/<token>/.
The limits, all per UTC day: per address (checked before the card is looked
up, so guessing codes costs the guesser), per device (a random id in a signed
cookie, set on the first scan) and per card. A refused scan is a 429 naming
only when to try again; an unknown, malformed or revoked code gets the same
404 page as a dead feedback link. Neither reveals the officer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from victimcare.accounts.models import User
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction
from victimcare.core.ratelimit import Decision, hit

from .constants import TOKEN_BYTES, TOKEN_PATTERN, InvitationChannel
from .models import OfficerCard
from .services import invitation_create

DAY_SECONDS = 24 * 60 * 60


def card_code_hash(code: str) -> str:
    """SHA-256 hex of a card code (128 random bits: a fast hash is enough)."""
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


def _card_new(*, officer: User, now: dt.datetime, replaces: int | None) -> OfficerCard:
    code = secrets.token_urlsafe(TOKEN_BYTES)
    card = OfficerCard.objects.create(
        officer=officer, code_hash=card_code_hash(code), code=code, created_at=now
    )
    audit_record(
        action=AuditAction.CREATE,
        actor=officer,
        object_type="feedback.officercard",
        object_id=card.pk,
        detail={"replaces": replaces} if replaces else {},
    )
    return card


def _lock_officer(officer: User) -> None:
    # Serialises issuing for one officer, so two first visits make one card.
    User.objects.select_for_update().filter(pk=officer.pk).values_list("pk", flat=True).first()


@transaction.atomic
def officer_card_get_or_create(*, officer: User, now: dt.datetime | None = None) -> OfficerCard:
    """The officer's active card, made (and audited) the first time it is asked for.

    Callers check the officer may have a card (`feedback.view_own_feedback`).
    """
    _lock_officer(officer)
    card = (
        OfficerCard.objects.filter(officer=officer, revoked_at__isnull=True)
        .order_by("-created_at", "-pk")
        .first()
    )
    if card is not None:
        return card
    return _card_new(officer=officer, now=now or timezone.now(), replaces=None)


@transaction.atomic
def officer_card_reissue(*, officer: User, now: dt.datetime | None = None) -> OfficerCard:
    """Revoke the officer's active card (its code stops working at once) and issue
    a new one. Invitations already opened from the old card keep working."""
    now = now or timezone.now()
    _lock_officer(officer)
    old = list(
        OfficerCard.objects.filter(officer=officer, revoked_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    OfficerCard.objects.filter(pk__in=old).update(revoked_at=now)
    for pk in old:
        audit_record(
            action=AuditAction.CHANGE,
            actor=officer,
            object_type="feedback.officercard",
            object_id=pk,
            detail={"revoked": True},
        )
    return _card_new(officer=officer, now=now, replaces=old[-1] if old else None)


@dataclass(frozen=True)
class CardScan:
    """What a scan led to: `token` for the new invitation (opened), or refused
    by a limit (`limited`, with the decision), or neither (unknown or revoked)."""

    token: str | None = None
    limited: Decision | None = None


def card_scan(
    *, code: str, device_id: str, client_ip: str | None, now: dt.datetime | None = None
) -> CardScan:
    """Open a fresh single-use invitation from a scan of card `code`.

    Anyone may call it (no sign-in). Order: the code's shape (a malformed code
    costs nothing), the address limit, the card lookup, then the device and
    card limits, so only scans of a working card count against them.
    """
    if not isinstance(code, str) or not TOKEN_PATTERN.match(code):
        return CardScan()
    address = hit(
        f"feedback:card:address:{client_ip or 'unknown'}",
        limit=settings.FEEDBACK_CARD_SCANS_PER_ADDRESS,
        window_seconds=DAY_SECONDS,
        now=now,
    )
    if not address.allowed:
        return CardScan(limited=address)
    card = (
        OfficerCard.objects.select_related("officer")
        .filter(code_hash=card_code_hash(code), revoked_at__isnull=True)
        .first()
    )
    if card is None or not card.officer.is_active:
        return CardScan()
    for key, limit in (
        (f"feedback:card:device:{device_id}", settings.FEEDBACK_CARD_SCANS_PER_DEVICE),
        (f"feedback:card:card:{card.pk}", settings.FEEDBACK_CARD_SCANS_PER_CARD),
    ):
        decision = hit(key, limit=limit, window_seconds=DAY_SECONDS, now=now)
        if not decision.allowed:
            return CardScan(limited=decision)
    _, token = invitation_create(
        officer=card.officer, channel=InvitationChannel.CARD, card=card, now=now
    )
    return CardScan(token=token)
