"""Closing a review item with an outcome."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction
from victimcare.feedback.constants import ReviewKind, ReviewOutcome, ReviewState
from victimcare.feedback.models import Review

if TYPE_CHECKING:
    from victimcare.accounts.models import User


NOTE_MAX = 1000
OUTCOME_REQUIRED = "Select the outcome"
OUTCOME_INVALID = "Select one of the outcomes listed"
OUTCOME_URGENT_ONLY = "Safeguarding action taken can only be recorded for urgent feedback"
NOTE_TOO_LONG = f"The note must be {NOTE_MAX:,} characters or fewer"
ALREADY_CLOSED = "This feedback has already been closed"


def outcome_choices(kind: str) -> list[tuple[str, str]]:
    """The outcomes an item of `kind` may close with (safeguarding action: urgent only)."""
    return [
        (value, label)
        for value, label in ReviewOutcome.choices
        if value != ReviewOutcome.SAFEGUARDING_ACTION or kind == ReviewKind.URGENT
    ]


@transaction.atomic
def review_close(
    *,
    actor: User,
    review: Review,
    outcome: str,
    note: str = "",
    request: HttpRequest | None = None,
    now: dt.datetime | None = None,
) -> Review:
    """Close an open item with an outcome and an optional note (≤ 1,000 characters).

    For people with `feedback.review` on it (PermissionDenied otherwise).
    ValidationError, nothing changed, for a missing or unknown outcome, one
    not allowed for the kind, an over-long note, or an item already closed
    (a conditional update, so two people closing at once close it once).
    Writes a CHANGE audit entry (ids and the outcome; never the note)."""
    if not actor.has_perm("feedback.review", review):
        raise PermissionDenied
    now = now or timezone.now()
    note = (note or "").replace("\r\n", "\n").strip()
    errors: dict[str, list[str]] = {}
    allowed = {value for value, _ in outcome_choices(review.kind)}
    if not outcome:
        errors["outcome"] = [OUTCOME_REQUIRED]
    elif outcome == ReviewOutcome.SAFEGUARDING_ACTION and outcome not in allowed:
        errors["outcome"] = [OUTCOME_URGENT_ONLY]
    elif outcome not in allowed:
        errors["outcome"] = [OUTCOME_INVALID]
    if len(note) > NOTE_MAX:
        errors["note"] = [NOTE_TOO_LONG]
    if errors:
        raise ValidationError(errors)
    changed = Review.objects.filter(pk=review.pk, state=ReviewState.OPEN).update(
        state=ReviewState.CLOSED, outcome=outcome, outcome_note=note, closed_at=now, closed_by=actor
    )
    if not changed:
        raise ValidationError(ALREADY_CLOSED)
    victim_id = review.response.invitation.victim_id
    audit_record(
        action=AuditAction.CHANGE,
        request=request,
        actor=actor,
        object_type="feedback.review",
        object_id=review.pk,
        subject_type="cases.victim" if victim_id else "",
        subject_id=victim_id or "",
        detail={"state": ReviewState.CLOSED, "outcome": outcome, "kind": review.kind},
    )
    review.refresh_from_db()
    return review
