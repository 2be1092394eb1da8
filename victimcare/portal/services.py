"""Writes for the portal: a complaint made (and acknowledged), and closed.

A complaint arrives from the public form with no account, so nobody signed in
is the actor: the journey event it records on a matched crime is written by
the system, as messaging's delivery hook does for a message that reached a
victim (duties.services.duty_complete_by_message): `recorded_by` None, for the
crime's team (the police own the complaint and its duty). `cases.services.
event_record` needs a member of staff who may view the crime, which a public
form does not have.

The acknowledgement message (decided in `_ack_decision`):

- nothing is sent unless the person gave an email address or a mobile number;
- if the crime reference matches a crime that is restricted for safe contact
  (messaging.safety.crime_is_restricted: restricted, domestic abuse, sexual
  offence, stalking) nothing is sent: the person may not be the victim, and an
  abuser may read the victim's phone or inbox;
- if it matches a crime any of whose victims has a safe-contact rule (no
  updates, contact only if they get in touch, safe hours, texts or emails not
  safe) nothing is sent either. We do not try to apply the messaging verdict
  to an address the victim never gave us: we cannot tell whether the person
  complaining is that victim, so the safe answer is to send nothing and let
  professional standards reply by a channel the victim has confirmed
  (`ack_withheld_reason` tells them why);
- otherwise one message is queued to the address the person gave, asking to
  be replied to there, as a "public" message about the matched crime: the
  outbox checks the crime again at send time (safety.public_verdict), so a
  rule added after the complaint still stops it. It holds only the reference
  and the deadline, never what the complaint says.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from victimcare.accounts.constants import OrganisationKind
from victimcare.accounts.models import Organisation, User
from victimcare.cases.constants import EventCode
from victimcare.cases.models import Crime, JourneyEvent
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction
from victimcare.duties.calendar import deadline_for
from victimcare.duties.constants import OWED_STATES
from victimcare.duties.models import Duty
from victimcare.duties.services import duties_complete, duties_for_event
from victimcare.messaging.constants import Channel, RecipientKind
from victimcare.messaging.safety import (
    crime_is_restricted,
    crime_victims_have_safe_contact_rules,
    is_mobile,
)
from victimcare.messaging.services import message_enqueue

from . import constants as c
from .constants import ComplaintState
from .i18n import portal_text
from .models import Complaint

EVENT_SUMMARY = "Complaint {reference} received through the victim portal."
RESPONDED_SUMMARY = "Complaint {reference} responded to by professional standards."
ACK_TEMPLATE = "portal_complaint_ack"
RESPONSE_REQUIRED = "Enter the response you sent to the person who complained."
RESPONSE_TOO_LONG = f"The response must be {c.RESPONSE_MAX_LENGTH:,} characters or fewer."
ALREADY_CLOSED = "This complaint has already been closed."


@dataclass(frozen=True)
class ComplaintInput:
    """What the form collected, cleaned (forms.ComplaintForm)."""

    details: str
    crn: str = ""
    name: str = ""
    reply_email: str = ""
    reply_phone: str = ""
    reply_address: str = ""
    about: str = ""
    language: str = "en"


def reference_new() -> str:
    """A fresh "CMP-XXXXXX" from the CSPRNG (uniqueness is the database's job)."""
    body = "".join(secrets.choice(c.REFERENCE_ALPHABET) for _ in range(c.REFERENCE_LENGTH))
    return c.REFERENCE_PREFIX + body


def complaint_force() -> Organisation | None:
    """The force whose queue takes complaints that match no crime: the one
    active police force of this deployment (the lowest id if there are several)."""
    return (
        Organisation.objects.filter(kind=OrganisationKind.POLICE_FORCE, active=True)
        .order_by("pk")
        .first()
    )


def _normal_crn(crn: str) -> str:
    return re.sub(r"\s+", "", crn or "").upper()


def crime_for_crn(crn: str) -> Crime | None:
    """The crime with this reference (spaces ignored, any case), if there is one."""
    crn = _normal_crn(crn)
    if not crn or len(crn) > c.CRN_MAX_LENGTH:
        return None
    return Crime.objects.select_related("offence", "team", "force").filter(crn=crn).first()


def _ack_decision(data: ComplaintInput, crime: Crime | None) -> tuple[str, str, str]:
    """(channel, recipient, "") to send the acknowledgement, or ("", "", why not)."""
    if crime is not None:
        if crime_is_restricted(crime):
            return "", "", c.ACK_RESTRICTED
        if crime_victims_have_safe_contact_rules(crime):
            return "", "", c.ACK_SAFE_CONTACT
    if data.reply_email:
        return Channel.EMAIL, data.reply_email, ""
    if data.reply_phone:
        if is_mobile(data.reply_phone):
            return Channel.SMS, data.reply_phone, ""
        return "", "", c.ACK_NOT_MOBILE
    return "", "", c.ACK_NOT_ASKED


def due_date_text(due_at: dt.datetime) -> str:
    """ "Friday 9 January 2026": the London day the response is due."""
    from victimcare.duties.calendar import LONDON

    return due_at.astimezone(LONDON).strftime("%A %-d %B %Y")


def _ack_body(complaint: Complaint) -> tuple[str, str]:
    text = portal_text(complaint.language)
    values = {"reference": complaint.reference, "due_date": due_date_text(complaint.due_at)}
    return text.plain("ack_subject", **values), text.plain("ack_body", **values)


def _complaint_event(*, complaint: Complaint, crime: Crime) -> JourneyEvent:
    """The complaint_received event on `crime`, by the system, and its duties."""
    key = f"complaint:{complaint.reference}"
    event = JourneyEvent.objects.filter(
        recording_organisation_id=crime.team_id, idempotency_key=key
    ).first()
    if event is not None:
        return event
    event = JourneyEvent.objects.create(
        crime=crime,
        code=EventCode.COMPLAINT_RECEIVED,
        occurred_at=complaint.created_at,
        received_at=complaint.created_at,
        recorded_at=timezone.now(),
        recorded_by=None,
        recording_organisation_id=crime.team_id,
        details={},
        summary=EVENT_SUMMARY.format(reference=complaint.reference),
        idempotency_key=key,
    )
    # Victims' Code Right 12: the duty to respond within 10 working days.
    duties_for_event(event=event)
    Crime.objects.filter(pk=crime.pk).update(updated_at=timezone.now())
    return event


def complaint_make(*, data: ComplaintInput, request: HttpRequest | None = None) -> Complaint:
    """Store a complaint, record it on the matched crime, acknowledge it.

    `data` is already validated by the form. Raises ValidationError only if
    no police force is configured (nowhere to route it)."""
    crime = crime_for_crn(data.crn)
    force = crime.force if crime is not None else complaint_force()
    if force is None:
        raise ValidationError("No police force is configured to receive complaints.")
    now = timezone.now()
    due = deadline_for(started=now, working_days=c.COMPLAINT_RESPONSE_WORKING_DAYS)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return _complaint_write(
                    data=data, crime=crime, force=force, now=now, due=due, request=request
                )
        except IntegrityError:
            # The one constraint a fresh row can break is the reference: draw again.
            continue
    raise RuntimeError("Could not draw an unused complaint reference.")


def _complaint_write(
    *,
    data: ComplaintInput,
    crime: Crime | None,
    force: Organisation,
    now: dt.datetime,
    due: dt.datetime,
    request: HttpRequest | None,
) -> Complaint:
    complaint = Complaint.objects.create(
        reference=reference_new(),
        force=force,
        crime=crime,
        about=data.about,
        language=data.language,
        details=data.details,
        crn_given=data.crn,
        name=data.name,
        reply_email=data.reply_email,
        reply_phone=data.reply_phone,
        reply_address=data.reply_address,
        created_at=now,
        due_at=due,
        # The confirmation page, with the reference and the deadline, is the
        # acknowledgement; a message repeats it where that is safe.
        acknowledged_at=now,
    )
    if crime is not None:
        complaint.event = _complaint_event(complaint=complaint, crime=crime)
    channel, recipient, withheld = _ack_decision(data, crime)
    if channel:
        subject, body = _ack_body(complaint)
        complaint.ack_message = message_enqueue(
            channel=channel,
            recipient_kind=RecipientKind.PUBLIC,
            recipient=recipient,
            subject=subject if channel == Channel.EMAIL else "",
            body=body,
            template_code=ACK_TEMPLATE,
            idempotency_key=f"portal:complaint-ack:{complaint.reference}",
            language=complaint.language,
            crime=crime,
        )
    complaint.ack_withheld_reason = withheld
    complaint.save(update_fields=["event", "ack_message", "ack_withheld_reason"])
    audit_record(
        action=AuditAction.CREATE,
        request=request,
        object_type="portal.complaint",
        object_id=complaint.pk,
        detail={
            "reference": complaint.reference,
            "crime_id": crime.pk if crime is not None else None,
            "event_id": complaint.event_id,
            "acknowledgement": channel or "none",
        },
    )
    return complaint


@transaction.atomic
def complaint_close(
    *, actor: User, complaint: Complaint, response: str, request: HttpRequest | None = None
) -> Complaint:
    """Record the response sent to the person and close the complaint.

    For people with `portal.handle_complaint` on it. The response text is
    encrypted; the audit entry names the complaint, never the words."""
    if not actor.has_perm("portal.handle_complaint", complaint):
        raise PermissionDenied
    live = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if live.state == ComplaintState.CLOSED:
        raise ValidationError({"response": [ALREADY_CLOSED]})
    response = (response or "").strip()
    if not response:
        raise ValidationError({"response": [RESPONSE_REQUIRED]})
    if len(response) > c.RESPONSE_MAX_LENGTH:
        raise ValidationError({"response": [RESPONSE_TOO_LONG]})
    now = timezone.now()
    live.response = response
    live.responded_at = now
    live.responded_by = actor
    live.state = ComplaintState.CLOSED
    live.save(update_fields=["response", "responded_at", "responded_by", "state"])
    completed = _complaint_duties_complete(complaint=live, actor=actor, now=now)
    audit_record(
        action=AuditAction.CHANGE,
        request=request,
        actor=actor,
        object_type="portal.complaint",
        object_id=live.pk,
        detail={
            "state": live.state,
            "on_time": now <= live.due_at,
            "duties_completed": completed,
        },
    )
    return live


def _complaint_duties_complete(*, complaint: Complaint, actor: User, now: dt.datetime) -> int:
    """Complete the Right 12 duties the complaint created on its crime.

    The response is recorded on the crime's timeline as a complaint_responded
    event (fixed words, no content), which completes the duties to respond that
    the complaint_received event created. Returns how many were completed."""
    if complaint.event_id is None:
        return 0
    owed = list(Duty.objects.filter(event_id=complaint.event_id, state__in=OWED_STATES))
    crime = Crime.objects.get(pk=complaint.event.crime_id)
    event = JourneyEvent.objects.create(
        crime=crime,
        code=EventCode.COMPLAINT_RESPONDED,
        occurred_at=now,
        received_at=now,
        recorded_at=now,
        recorded_by=actor,
        recording_organisation_id=crime.team_id,
        details={},
        summary=RESPONDED_SUMMARY.format(reference=complaint.reference),
        idempotency_key=f"complaint-responded:{complaint.reference}",
    )
    duties_complete(actor=actor, event=event, duties=owed)
    Crime.objects.filter(pk=crime.pk).update(updated_at=now)
    return len(owed)
