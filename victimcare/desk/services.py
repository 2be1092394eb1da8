"""Writes of the desk console: the identity check and the call. Call backs are in
`services_call_backs`, escalations in `services_escalations` (re-exported here).

The identity check has no model of its own: it is an audit entry (who checked, how, the
outcome, with the person as subject) and, when it passed, a short-lived mark
in the agent's server-side session so that reloading the case view does not
ask again. The values the caller gave are never stored.
"""

from __future__ import annotations

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

from . import messages as msg
from .constants import SUMMARY_MAX, CallChannel, Caller, Topic
from .models import DeskCall
from .services_call_backs import (  # noqa: F401 (the desk's writes, in one place)
    call_back_assign,
    call_back_book,
    call_back_cancel,
    call_back_done,
    closed_message,
    offered_slots,
    slot_text,
)
from .services_escalations import escalation_close, escalation_raise  # noqa: F401

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
