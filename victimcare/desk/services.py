"""Writes of the desk console: the identity check, the call, call backs, escalation.

The identity check has no model of its own: it is an audit entry (who checked, how, the
outcome, with the person as subject) and, when it passed, a short-lived mark
in the agent's server-side session so that reloading the case view does not
ask again. The values the caller gave are never stored.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from victimcare.accounts.models import User
from victimcare.cases.constants import EventCode
from victimcare.cases.models import CrimeVictim
from victimcare.cases.services import event_record
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction
from victimcare.messaging.desk import desk_is_open, next_open_slots

from . import messages as msg
from .constants import (
    CALL_BACK_HORIZON,
    CALL_BACK_WINDOW,
    OFFERED_SLOTS,
    OUTCOME_MAX,
    REASON_MAX,
    SUMMARY_MAX,
    CallBackReason,
    CallBackSource,
    CallBackState,
    CallChannel,
    Caller,
    EscalateTo,
    Topic,
)
from .models import CallBack, DeskCall, Escalation

IDENTITY_SESSION_KEY = "desk.identity"
IDENTITY_SECONDS = 30 * 60
KEPT_CHECKS = 50


@transaction.atomic
def identity_check_record(
    *,
    user: User,
    link: CrimeVictim,
    method: str,
    passed: bool,
    caller_id: int | None,
    purpose: str,
    request: HttpRequest,
) -> None:
    """Record that `user` checked a caller's identity for the person on `link`.

    For desk staff who may view the crime (the view checks). Writes one CREATE
    audit entry (object "desk.identity_check") holding only the method, the
    outcome and, for a contact calling on the victim's behalf, that contact's
    id. A pass is remembered in the session for IDENTITY_SECONDS; a failure
    forgets any earlier pass for the person."""
    detail: dict[str, object] = {
        "method": method,
        "outcome": "passed" if passed else "failed",
        "crime_id": link.crime_id,
    }
    if caller_id is not None:
        detail["caller_id"] = caller_id
    audit_record(
        action=AuditAction.CREATE,
        request=request,
        actor=user,
        object_type="desk.identity_check",
        object_id=link.crime_id,
        subject_type="cases.victim",
        subject_id=link.victim_id,
        purpose=purpose,
        detail=detail,
    )
    checks = dict(request.session.get(IDENTITY_SESSION_KEY, {}))
    checks.pop(str(link.victim_id), None)
    if passed:
        checks[str(link.victim_id)] = time.time()
    request.session[IDENTITY_SESSION_KEY] = dict(list(checks.items())[-KEPT_CHECKS:])


def identity_passed(*, request: HttpRequest, victim_id: int) -> bool:
    """Whether an identity check for the person passed in this session, recently."""
    at = request.session.get(IDENTITY_SESSION_KEY, {}).get(str(victim_id))
    return at is not None and time.time() - float(at) <= IDENTITY_SECONDS


# --- Recording a call ------------------------------------------------------------------


CHANNEL_WORDS = {
    CallChannel.PHONE_IN: "they rang the desk",
    CallChannel.PHONE_OUT: "the desk rang them",
    CallChannel.CALL_BACK: "a call back they asked for",
    CallChannel.RELAY: "by relay service or interpreter line",
}
CALLER_WORDS = {
    Caller.VICTIM: "",
    Caller.CONTACT: " with their recorded contact",
    Caller.THIRD_PARTY: " with someone not recorded on the case",
}


def _timeline_summary(*, channel: str, caller: str, topics: Sequence[str]) -> str:
    """The journey event's summary, in fixed words only (partners see the timeline)."""
    text = f"Victim Focus Desk call{CALLER_WORDS[caller]} ({CHANNEL_WORDS[channel]})."
    told = [Topic(t).label for t in Topic.values if t in set(topics)]
    if told:
        listed = told[0] if len(told) == 1 else ", ".join(told[:-1]) + " and " + told[-1]
        text += f" Told them about {listed}."
    return text


@transaction.atomic
def call_record(
    *,
    user: User,
    link: CrimeVictim,
    channel: str,
    caller: str,
    contact_id: int | None,
    topics: Sequence[str],
    summary: str,
    told: str,
    fulfils: Sequence[int],
    idempotency_key: str,
    request: HttpRequest | None = None,
) -> DeskCall:
    """Record a call with the person on `link` (or someone calling for them).

    For desk staff who may view the crime and passed the identity check (the
    view checks both). Writes one contact_call journey event through
    `cases.services.event_record` (which checks and completes the `fulfils`
    duties and writes its CREATE audit entry), the desk's encrypted note of the
    call and a CREATE audit entry for it (ids only). Raises ValidationError and
    writes nothing on bad input. The same `idempotency_key` records once."""
    errors: dict[str, list[str]] = {}
    summary = (summary or "").strip()
    told = (told or "").strip()
    if channel not in CallChannel.values:
        errors.setdefault("channel", []).append(msg.CHANNEL_REQUIRED)
    if caller not in Caller.values:
        errors.setdefault("caller", []).append(msg.CALLER_KIND_REQUIRED)
    if not summary:
        errors.setdefault("summary", []).append(msg.SUMMARY_REQUIRED)
    elif len(summary) > SUMMARY_MAX:
        errors.setdefault("summary", []).append(msg.SUMMARY_TOO_LONG)
    if len(told) > SUMMARY_MAX:
        errors.setdefault("told", []).append(msg.TOLD_TOO_LONG)
    if any(t not in Topic.values for t in topics):
        errors.setdefault("topics", []).append(msg.TOPIC_INVALID)
    if caller == Caller.CONTACT and not (
        contact_id is not None
        and contact_id != link.victim_id
        and CrimeVictim.objects.filter(crime_id=link.crime_id, victim_id=contact_id).exists()
    ):
        errors.setdefault("contact", []).append(msg.CONTACT_NOT_ON_CASE)
    if caller == Caller.THIRD_PARTY and fulfils:
        errors.setdefault("fulfils", []).append(msg.THIRD_PARTY_FULFILS)
    if errors:
        raise ValidationError(errors)
    existing = DeskCall.objects.filter(
        event__recording_organisation_id=user.organisation_id,
        event__idempotency_key=idempotency_key,
    ).first()
    if existing is not None:
        return existing
    now = timezone.now()
    event, created = event_record(
        actor=user,
        crime=link.crime,
        code=EventCode.CONTACT_CALL,
        occurred_at=now,
        victim=link.victim,
        summary=_timeline_summary(channel=channel, caller=caller, topics=topics),
        idempotency_key=idempotency_key,
        fulfils=list(fulfils),
        request=request,
    )
    if not created and hasattr(event, "desk_call"):
        return event.desk_call
    call = DeskCall.objects.create(
        event=event,
        crime_id=link.crime_id,
        victim_id=link.victim_id,
        channel=channel,
        caller=caller,
        caller_contact_id=contact_id if caller == Caller.CONTACT else None,
        topics=[t for t in Topic.values if t in set(topics)],
        summary=summary,
        told=told,
        recorded_by=user,
        recorded_at=now,
    )
    audit_record(
        action=AuditAction.CREATE,
        request=request,
        actor=user,
        object_type="desk.call",
        object_id=call.pk,
        subject_type="cases.victim",
        subject_id=link.victim_id,
        detail={"crime_id": link.crime_id, "event_id": event.pk, "channel": channel},
    )
    return call


# --- Call backs ------------------------------------------------------------------------


def slot_text(at: dt.datetime) -> str:
    """A time offered to the victim: "Sunday 6 December 08:00" (London time)."""
    from victimcare.messaging.desk import LONDON

    local = at.astimezone(LONDON)
    return f"{local:%A} {local.day} {local:%B %H:%M}"


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


# --- Escalation ------------------------------------------------------------------------


@transaction.atomic
def escalation_raise(
    *,
    user: User,
    link: CrimeVictim,
    to: str,
    reason: str,
    call: DeskCall | None = None,
    request: HttpRequest | None = None,
) -> Escalation:
    """Ask the officer in the case, or a supervisor of the officer's team (else the
    nearest one above it), to act, with a reason (encrypted). Writes a CREATE audit
    entry (ids only). ValidationError when there is nobody to escalate to."""
    from victimcare.duties.services import supervisors_for

    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if to not in EscalateTo.values:
        errors["to"] = [msg.ESCALATE_TO_REQUIRED]
    if not reason:
        errors["reason"] = [msg.ESCALATE_REASON_REQUIRED]
    elif len(reason) > REASON_MAX:
        errors["reason"] = [msg.ESCALATE_REASON_TOO_LONG]
    crime = link.crime
    assignee_id: int | None = None
    if to == EscalateTo.OIC:
        assignee_id = crime.oic_id
        if assignee_id is None:
            errors["to"] = [msg.NO_OIC]
    elif to == EscalateTo.SUPERVISOR:
        organisation_id = crime.oic.organisation_id if crime.oic_id else crime.team_id
        found = sorted(supervisors_for(organisation_ids=[organisation_id]).get(organisation_id, []))
        if not found:
            errors["to"] = [msg.NO_SUPERVISOR]
        else:
            assignee_id = found[0]
    if errors:
        raise ValidationError(errors)
    escalation = Escalation.objects.create(
        crime=crime,
        victim_id=link.victim_id,
        to=to,
        assignee_id=assignee_id,
        reason=reason,
        call=call,
        raised_by=user,
    )
    audit_record(
        action=AuditAction.CREATE,
        request=request,
        actor=user,
        object_type="desk.escalation",
        object_id=escalation.pk,
        subject_type="cases.victim",
        subject_id=link.victim_id,
        detail={"crime_id": crime.pk, "to": to, "assignee_id": assignee_id},
    )
    return escalation
