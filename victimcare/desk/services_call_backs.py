"""Writes of the desk's call backs: book (only when the desk is open, with the
next open times offered otherwise), take, mark done, cancel. Each change is a
conditional update on the row's state, so a second (or concurrent) attempt
changes nothing, and writes one audit entry (ids and fixed codes only)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from victimcare.accounts.models import User
from victimcare.cases.models import CrimeVictim
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction
from victimcare.messaging.desk import LONDON, desk_is_open, next_open_slots

from . import messages as msg
from .constants import (
    CALL_BACK_HORIZON,
    CALL_BACK_WINDOW,
    OFFERED_SLOTS,
    OUTCOME_MAX,
    CallBackCancelReason,
    CallBackReason,
    CallBackSource,
    CallBackState,
)
from .models import CallBack, DeskCall


def slot_text(at: dt.datetime) -> str:
    """A time offered to the victim: "Sunday 6 December 08:00" (London time)."""
    local = at.astimezone(LONDON)
    return f"{local:%A} {local.day} {local:%B %H:%M}"


def offered_slots(after: dt.datetime, count: int = OFFERED_SLOTS) -> list[dt.datetime]:
    """The next times the desk is open at or after `after` that can still be booked
    (in the future, within CALL_BACK_HORIZON): the choices offered for a closed time."""
    now = timezone.now()
    return [
        s for s in next_open_slots(max(after, now), count) if now < s <= now + CALL_BACK_HORIZON
    ]


def closed_message(after: dt.datetime) -> str:
    """What to say when the desk is closed at `after`: the next times it is open."""
    slots = next_open_slots(after, OFFERED_SLOTS)
    if not slots:
        return msg.DESK_CLOSED_NO_SLOTS
    return msg.DESK_CLOSED.format(slots=", ".join(slot_text(s) for s in slots))


@transaction.atomic
def call_back_book(
    *,
    user: User | None,
    link: CrimeVictim,
    requested_for: dt.datetime,
    reason: str,
    source: str = CallBackSource.DESK,
    call: DeskCall | None = None,
    request: HttpRequest | None = None,
) -> CallBack:
    """Book a call back to the person on `link` for `requested_for`, due within
    CALL_BACK_WINDOW of it. Only a time when the desk is open, in the future and
    within CALL_BACK_HORIZON: otherwise ValidationError (for a closed desk, the
    message offers the next open times). `user` None: asked for on the portal.
    Writes a CREATE audit entry (ids only)."""
    now = timezone.now()
    errors: dict[str, list[str]] = {}
    if reason not in CallBackReason.values:
        errors["reason"] = [msg.CALL_BACK_REASON_REQUIRED]
    if requested_for <= now:
        errors["requested_for"] = [msg.CALL_BACK_IN_PAST]
    elif requested_for > now + CALL_BACK_HORIZON:
        errors["requested_for"] = [msg.CALL_BACK_TOO_FAR]
    elif not desk_is_open(requested_for):
        errors["requested_for"] = [closed_message(requested_for)]
    if errors:
        raise ValidationError(errors)
    call_back = CallBack.objects.create(
        crime_id=link.crime_id,
        victim_id=link.victim_id,
        requested_for=requested_for,
        due_at=requested_for + CALL_BACK_WINDOW,
        reason=reason,
        source=source,
        requested_by=user,
        call=call,
        created_at=now,
    )
    audit_record(
        action=AuditAction.CREATE,
        request=request,
        actor=user,
        object_type="desk.call_back",
        object_id=call_back.pk,
        subject_type="cases.victim",
        subject_id=link.victim_id,
        detail={"crime_id": link.crime_id, "source": source},
    )
    return call_back


def call_back_assign(*, user: User, call_back: CallBack) -> bool:
    """Take an open call back (`user` becomes its assignee). False if it is no
    longer open. The view checks that `user` may see it."""
    return bool(
        CallBack.objects.filter(pk=call_back.pk, state=CallBackState.OPEN).update(assignee=user)
    )


@transaction.atomic
def call_back_done(
    *, user: User, call_back: CallBack, outcome: str, request: HttpRequest | None = None
) -> None:
    """Mark an open call back done with what happened, once: a conditional update,
    so a second (or concurrent) attempt raises ValidationError and changes nothing."""
    outcome = (outcome or "").strip()
    if not outcome:
        raise ValidationError({"outcome": [msg.CALL_BACK_OUTCOME_REQUIRED]})
    if len(outcome) > OUTCOME_MAX:
        raise ValidationError({"outcome": [msg.OUTCOME_TOO_LONG]})
    now = timezone.now()
    changed = CallBack.objects.filter(pk=call_back.pk, state=CallBackState.OPEN).update(
        state=CallBackState.DONE, done_at=now, done_by=user, outcome=outcome
    )
    if not changed:
        raise ValidationError({"outcome": [msg.CALL_BACK_CLOSED]})
    audit_record(
        action=AuditAction.CHANGE,
        request=request,
        actor=user,
        object_type="desk.call_back",
        object_id=call_back.pk,
        subject_type="cases.victim",
        subject_id=call_back.victim_id,
        detail={"crime_id": call_back.crime_id, "state": CallBackState.DONE},
    )


@transaction.atomic
def call_back_cancel(
    *, user: User, call_back: CallBack, reason: str, request: HttpRequest | None = None
) -> None:
    """Cancel an open call back with a reason from CallBackCancelReason, once.

    For desk staff who may view its case (the view checks). A conditional update:
    a call back already cancelled, or already done, raises ValidationError (with
    a message saying which) and changes nothing. Writes a CHANGE audit entry
    (ids and the reason's code)."""
    if reason not in CallBackCancelReason.values:
        raise ValidationError({"reason": [msg.CANCEL_REASON_REQUIRED]})
    now = timezone.now()
    changed = CallBack.objects.filter(pk=call_back.pk, state=CallBackState.OPEN).update(
        state=CallBackState.CANCELLED, done_at=now, done_by=user, cancel_reason=reason
    )
    if not changed:
        state = CallBack.objects.filter(pk=call_back.pk).values_list("state", flat=True).first()
        raise ValidationError(
            {
                "reason": [
                    msg.CALL_BACK_ALREADY_CANCELLED
                    if state == CallBackState.CANCELLED
                    else msg.CALL_BACK_ALREADY_DONE
                ]
            }
        )
    audit_record(
        action=AuditAction.CHANGE,
        request=request,
        actor=user,
        object_type="desk.call_back",
        object_id=call_back.pk,
        subject_type="cases.victim",
        subject_id=call_back.victim_id,
        detail={
            "crime_id": call_back.crime_id,
            "state": CallBackState.CANCELLED,
            "reason": reason,
        },
    )
