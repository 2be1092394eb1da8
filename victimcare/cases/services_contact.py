"""Changing a victim's contact details and safe-contact rules after they were recorded.

Until now these were set only when a person was added to a crime
(services._victim_write). `victim_contact_update` changes any of them later,
checked by the same rules (validation.victim_errors: a valid number, a
preferred channel that is safe, both safe times or neither, …). The staff page
(views_contact.py, behind step-up re-authentication) and the partner API
(api/views_updates.py) both call it.

A change that makes contact stricter (a way of contacting them no longer safe,
no more updates, safe hours, contact only if they get in touch) or that changes
where messages go (phone, email, address) re-checks the victim's queued
messages at once with the outbox's own send-time rules
(messaging.safety.send_time_verdict); those no longer safe are cancelled and
blanked with messaging.services.message_withdraw, and their safety reason is
kept so the outbox raises the usual "unsafe to send" contact task. The worker
would refuse them at send time anyway; cancelling now means an unsafe message
never sits in the outbox holding an address the victim says is no longer safe.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from victimcare.accounts.models import User
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction

from . import messages as msg
from .models import Crime, CrimeVictim, Victim
from .services import VictimInput
from .validation import Errors, add, phone_e164, raise_if, victim_errors

# Free text, stored encrypted; "" clears it.
TEXT_FIELDS = ("phone", "email", "address", "code_word")
CHOICE_FIELDS = ("preferred_channel", "language", "accessible_format")
# The safe-contact flags: True is "safe" / "allowed", as on the model.
SAFE_FLAGS = (
    "wants_updates",
    "safe_to_call",
    "safe_to_text",
    "safe_to_email",
    "safe_for_letters",
    "voicemail_allowed",
)
BOOLEAN_FIELDS = (*SAFE_FLAGS, "interpreter_needed", "contact_only_if_victim_initiates")
TIME_FIELDS = ("safe_from", "safe_until")
CONTACT_FIELDS = frozenset((*TEXT_FIELDS, *CHOICE_FIELDS, *BOOLEAN_FIELDS, *TIME_FIELDS))
# Where an automated message goes: a change re-checks queued messages too.
RECIPIENT_FIELDS = frozenset({"phone", "email", "address"})

FIELD_NOT_CHANGEABLE = "This detail cannot be changed here"
VALUE_NOT_TEXT = "Enter this as text"
VALUE_NOT_BOOLEAN = "Answer this with yes or no"
VALUE_NOT_TIME = "Enter a time, for example 14:30"


@dataclass(frozen=True)
class ContactUpdate:
    """What `victim_contact_update` did: the victim as now stored, the names of
    the fields that changed (empty: nothing did, nothing was written), whether
    contact became stricter, and the ids of queued messages it cancelled."""

    victim: Victim
    changed: tuple[str, ...]
    stricter: bool
    cancelled_message_ids: tuple[str, ...]


def _type_errors(changes: Mapping[str, Any]) -> Errors:
    errors: Errors = {}
    for name, value in changes.items():
        if name not in CONTACT_FIELDS:
            add(errors, str(name), FIELD_NOT_CHANGEABLE)
        elif name in TEXT_FIELDS or name in CHOICE_FIELDS:
            if not isinstance(value, str):
                add(errors, name, VALUE_NOT_TEXT)
        elif name in BOOLEAN_FIELDS:
            if not isinstance(value, bool):
                add(errors, name, VALUE_NOT_BOOLEAN)
        elif name in TIME_FIELDS and value is not None and not isinstance(value, dt.time):
            add(errors, name, VALUE_NOT_TIME)
    return errors


def _as_input(victim: Victim, role: str) -> VictimInput:
    """The victim's current contact details as the VictimInput the rules check."""
    return VictimInput(
        full_name=victim.full_name or "",
        phone=victim.phone or "",
        email=victim.email or "",
        address=victim.address or "",
        role=role,
        preferred_channel=victim.preferred_channel,
        language=victim.language,
        interpreter_needed=victim.interpreter_needed,
        accessible_format=victim.accessible_format,
        wants_updates=victim.wants_updates,
        safe_to_call=victim.safe_to_call,
        safe_to_text=victim.safe_to_text,
        safe_to_email=victim.safe_to_email,
        safe_for_letters=victim.safe_for_letters,
        voicemail_allowed=victim.voicemail_allowed,
        safe_from=victim.safe_from,
        safe_until=victim.safe_until,
        code_word=victim.code_word or "",
        contact_only_if_victim_initiates=victim.contact_only_if_victim_initiates,
    )


def _stored(name: str, value: Any) -> Any:
    """A checked value as the model stores it (texts stripped, empty as None, E.164)."""
    if name in TEXT_FIELDS:
        text = value.strip()
        if not text:
            return None
        return phone_e164(text) if name == "phone" else text
    return value


def _stricter(old: Victim, new: dict[str, Any]) -> bool:
    """Whether the new rules allow less contact than the old ones."""
    if any(getattr(old, flag) and not new[flag] for flag in SAFE_FLAGS):
        return True
    if new["contact_only_if_victim_initiates"] and not old.contact_only_if_victim_initiates:
        return True
    hours = (new["safe_from"], new["safe_until"])
    return hours != (old.safe_from, old.safe_until) and hours != (None, None)


def _cancel_unsafe_messages(victim: Victim) -> tuple[str, ...]:
    """Cancel this victim's queued messages that the send-time rules now refuse."""
    # Imported here: messaging builds on cases.
    from victimcare.messaging.constants import RecipientKind, Status
    from victimcare.messaging.models import OutboundMessage
    from victimcare.messaging.safety import send_time_verdict
    from victimcare.messaging.services import message_withdraw

    queued = list(
        OutboundMessage.objects.select_for_update()
        .filter(
            victim=victim,
            recipient_kind=RecipientKind.VICTIM,
            status__in=(Status.PENDING, Status.TEMPORARY_FAILURE),
        )
        .order_by("created_at")
    )
    cancelled = []
    for message in queued:
        verdict = send_time_verdict(message=message)
        if verdict.allowed:
            continue  # still safe (perhaps later, inside the new safe hours)
        reason = (verdict.reason or "not safe to send")[:200]
        if message_withdraw(message_id=message.pk, reason=f"safe contact: {reason}"[:200]):
            # The reason the worker would have recorded: the outbox's status hook
            # then reopens the duty and raises an "unsafe to send" contact task.
            OutboundMessage.objects.filter(pk=message.pk, status=Status.CANCELLED).update(
                safety_reason=reason
            )
            cancelled.append(str(message.pk))
    return tuple(cancelled)


@transaction.atomic
def victim_contact_update(
    *,
    actor: User,
    crime: Crime,
    victim: Victim,
    changes: Mapping[str, Any],
    request: HttpRequest | None = None,
) -> ContactUpdate:
    """Change some of a victim's contact details and safe-contact rules.

    For people who may edit the crime's needs (`cases.edit_needs`: the police,
    the desk, Witness Care, the CPS, on a crime they may see); the victim must
    be linked to `crime`. `changes` maps field names (CONTACT_FIELDS) to new
    values: texts as str ("" clears), flags as bool, safe times as time or
    None. Everything is checked first, against the victim's details as they
    will be (validation.victim_errors), and a ValidationError {field:
    [message]} changes nothing. Otherwise: the changed fields are saved with a
    new `updated_at` on the victim and on each of their crimes (so partner
    systems syncing crimes see a change); queued messages no longer safe are
    cancelled (module docstring); one CHANGE audit entry names the fields that
    changed, never their values. Nothing changed: nothing is written."""
    if not actor.has_perm("cases.edit_needs", crime):
        raise PermissionDenied
    link = CrimeVictim.objects.filter(crime=crime, victim_id=victim.pk).first()
    if link is None:
        raise ValidationError({"victim": [msg.VICTIM_NOT_ON_CRIME]})
    raise_if(_type_errors(changes))

    # Checked and written under the victim's row lock: two people changing the
    # same victim's details one after the other each see the other's change.
    current = Victim.objects.select_for_update().get(pk=victim.pk)
    data = dataclasses.replace(_as_input(current, link.role), **dict(changes))
    raise_if(
        {field: texts for field, texts in victim_errors(data).items() if field in CONTACT_FIELDS}
    )

    new = {name: _stored(name, getattr(data, name)) for name in CONTACT_FIELDS}
    changed = tuple(sorted(name for name in CONTACT_FIELDS if new[name] != getattr(current, name)))
    if not changed:
        return ContactUpdate(victim=current, changed=(), stricter=False, cancelled_message_ids=())
    stricter = _stricter(current, new)
    now = timezone.now()
    for name in changed:
        setattr(current, name, new[name])
    current.updated_at = now
    # save() (not update()) so the encrypted fields and blind indexes are written.
    current.save(update_fields=[*changed, *_index_fields(changed), "updated_at"])
    Crime.objects.filter(victim_links__victim=current).update(updated_at=now)
    cancelled: tuple[str, ...] = ()
    if stricter or RECIPIENT_FIELDS.intersection(changed):
        cancelled = _cancel_unsafe_messages(current)
    audit_record(
        action=AuditAction.CHANGE,
        request=request,
        actor=actor,
        object_type="cases.victim",
        object_id=current.pk,
        subject_type="cases.victim",
        subject_id=current.pk,
        detail={
            "part": "contact",
            "crime_id": crime.pk,
            "fields": list(changed),
            "stricter": stricter,
            "cancelled_messages": len(cancelled),
        },
    )
    return ContactUpdate(
        victim=current, changed=changed, stricter=stricter, cancelled_message_ids=cancelled
    )


def _index_fields(changed: tuple[str, ...]) -> list[str]:
    """The blind-index columns kept in step with changed encrypted fields."""
    return [f"{name}_index" for name in ("phone", "email") if name in changed]
