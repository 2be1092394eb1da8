"""Making a referral: consent, the data-quality gate, sending, and the Right 4 duty.

VCOP Right 4: the police refer the victim to support services within 2
working days of the crime being reported (automatic unless the victim opts
out; explicit consent first for sexual offences, domestic abuse and bereaved
relatives — gate.CONSENT_FIRST). The duty (rule
`crime-reported-support-referral`) is done when a referral is sent or the
victim declines one.

Every service is keyword-only and atomic; bad input raises ValidationError
with plain-English messages and changes nothing. `actor` None means the
system (the automatic referral job, jobs.py).

An attempt that fails the gate is remembered without a model of its own: an
audit entry (object type `referrals.referralattempt`, id
"<crime>-<victim>-<service>") records it, and a later successful referral to
the same service is marked `complete_first_time=False` when one exists. The
audit log is append-only, so the record cannot be lost or edited.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from victimcare.accounts.models import User
from victimcare.cases.constants import ConsentKind, ConsentMethod, EventCode
from victimcare.cases.models import ConsentRecord, Crime, CrimeVictim, JourneyEvent, Victim
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction
from victimcare.core.models import AuditEvent
from victimcare.duties import services as duty_services
from victimcare.duties.calendar import deadline_for
from victimcare.duties.constants import OWED_STATES
from victimcare.duties.models import Duty
from victimcare.messaging.constants import Channel, RecipientKind
from victimcare.messaging.services import message_enqueue

from .constants import (
    OPEN_STATES,
    REFERRAL_WORKING_DAYS,
    ConsentBasis,
    ReceiveBy,
    ReferralState,
)
from .gate import consent_position, gate_problems, latest_consent, victim_role
from .models import Referral, ReferralSnapshot, ReferralStatusEvent, SupportService
from .snapshot import snapshot_build, snapshot_dumps

# The Victims' Code duty a referral (or a decline) completes.
RIGHT_4_RULE = "crime-reported-support-referral"
MAKE_REFERRAL = "referrals.make_referral"
ATTEMPT_OBJECT = "referrals.referralattempt"

# Messages (tests import them).
ALREADY_REFERRED = (
    "This person already has an open referral to this service: see its progress below"
)
ALREADY_DECLINED = "The victim's decision not to be referred is already recorded"
METHOD_REQUIRED = "Say how the victim told you"
REFERRAL_SENT_SUMMARY = "Referred to {service}."
REFERRAL_SENT_AUTOMATIC = "Referred automatically to {service}."
REFERRAL_DECLINED_SUMMARY = "The victim did not want a referral to support services."
DISCLOSURE_PURPOSE = "Referral to a support service (Victims' Code Right 4)"
STATUS_NOTE_SENT = "Referral sent"
STATUS_NOTE_AUTOMATIC = "Referral sent automatically"

# The email that tells the organisation a referral arrived: no personal data,
# not even the crime reference (a shared mailbox can be read by many).
ARRIVED_TEMPLATE = "referral_arrived"
ARRIVED_SUBJECT = "A new referral has arrived"
ARRIVED_BODY = (
    "A new referral to {service} has arrived in victimcare.\n\n"
    "Sign in to see it and accept it: {url}\n\n"
    "This email does not contain the person's details."
)
NOTIFIED_BY = frozenset({ReceiveBy.VICTIMCARE, ReceiveBy.SECURE_EMAIL})


class GateFailed(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("referral gate failed")
        self.problems = problems


def _attempt_id(*, crime: Crime, victim: Victim, service: SupportService) -> str:
    return f"{crime.pk}-{victim.pk}-{service.pk}"


def attempt_failed_before(*, crime: Crime, victim: Victim, service: SupportService) -> bool:
    """Whether an attempt to refer this person on this crime to this service failed the gate."""
    return AuditEvent.objects.filter(
        object_type=ATTEMPT_OBJECT,
        object_id=_attempt_id(crime=crime, victim=victim, service=service),
    ).exists()


def _attempt_failed_record(
    *,
    actor: User | None,
    crime: Crime,
    victim: Victim,
    service: SupportService,
    problems: list[str],
    request: HttpRequest | None,
) -> None:
    # The gate read the person's details (a consultation); nothing was shared.
    audit_record(
        action=AuditAction.VIEW,
        request=request,
        actor=actor,
        object_type=ATTEMPT_OBJECT,
        object_id=_attempt_id(crime=crime, victim=victim, service=service),
        subject_type="cases.victim",
        subject_id=victim.pk,
        purpose=DISCLOSURE_PURPOSE,
        detail={
            "crime_id": crime.pk,
            "service_id": service.pk,
            "gate_failed": True,
            "problems": len(problems),
            "automatic": actor is None,
        },
    )


def owed_referral_duty(*, crime: Crime, victim: Victim) -> Duty | None:
    """The Right 4 duty still owed to this person on this crime, if any."""
    return (
        Duty.objects.filter(
            crime=crime, victim=victim, rule__code=RIGHT_4_RULE, state__in=OWED_STATES
        )
        .select_related("rule", "crime")
        .order_by("due_at", "pk")
        .first()
    )


def referral_deadline(*, crime: Crime, victim: Victim) -> dt.datetime:
    """When the referral is due: the Right 4 duty's deadline, else 2 working days
    from the crime being reported."""
    duty = (
        Duty.objects.filter(crime=crime, victim=victim, rule__code=RIGHT_4_RULE)
        .order_by("-created_at", "-pk")
        .first()
    )
    if duty is not None:
        return duty.due_at
    return deadline_for(started=crime.reported_at, working_days=REFERRAL_WORKING_DAYS)


def _event_write(
    *,
    actor: User | None,
    crime: Crime,
    victim: Victim,
    code: str,
    details: dict[str, Any],
    summary: str,
    now: dt.datetime,
) -> JourneyEvent:
    """A journey event written by this service (or the system): the duties it
    triggers are created as for any event, then owed Right 4 duties completed."""
    event = JourneyEvent.objects.create(
        crime=crime,
        code=code,
        occurred_at=now,
        received_at=now,
        recorded_at=now,
        recorded_by=actor,
        recording_organisation_id=(
            actor.organisation_id if actor is not None and actor.organisation_id else crime.team_id
        ),
        victim=victim,
        details=details,
        summary=summary,
    )
    duty_services.duties_for_event(event=event)
    duty = owed_referral_duty(crime=crime, victim=victim)
    if duty is not None:
        duty_services.duties_complete(actor=actor, event=event, duties=[duty])
    Crime.objects.filter(pk=crime.pk).update(updated_at=now)
    return event


def _check_actor(*, actor: User | None, crime: Crime, victim: Victim) -> None:
    if actor is not None and not actor.has_perm(MAKE_REFERRAL, crime):
        raise PermissionDenied
    if victim_role(crime=crime, victim=victim) is None:
        raise PermissionDenied


def _notify(*, referral: Referral, service: SupportService) -> None:
    if service.receive_by not in NOTIFIED_BY or not service.referral_email:
        return
    url = settings.VICTIMCARE_BASE_URL.rstrip("/") + "/referrals/inbox/"
    message = message_enqueue(
        channel=Channel.EMAIL,
        recipient_kind=RecipientKind.STAFF,
        recipient=service.referral_email,
        subject=ARRIVED_SUBJECT,
        body=ARRIVED_BODY.format(service=service.name, url=url),
        template_code=ARRIVED_TEMPLATE,
        idempotency_key=f"referral-arrived:{referral.pk}",
    )
    Referral.objects.filter(pk=referral.pk).update(notification=message)
    referral.notification = message


def _send(
    *,
    actor: User | None,
    crime: Crime,
    victim: Victim,
    service: SupportService,
    risk_level: str,
    request: HttpRequest | None,
) -> Referral:
    # One referral at a time per crime: a double submit, or the job racing an
    # officer, waits here and then finds the first referral.
    crime = Crime.objects.select_for_update().select_related("offence", "team").get(pk=crime.pk)
    service = SupportService.objects.select_related("organisation").get(pk=service.pk)
    if Referral.objects.filter(
        crime=crime, victim=victim, service=service, state__in=OPEN_STATES
    ).exists():
        raise ValidationError({"service": [ALREADY_REFERRED]})
    if actor is None and Referral.objects.filter(crime=crime, victim=victim).exists():
        # An officer referred them while the job was deciding: the job stands down.
        raise ValidationError({"service": [ALREADY_REFERRED]})
    consent = latest_consent(victim=victim)
    problems = gate_problems(
        crime=crime, victim=victim, service=service, risk_level=risk_level, consent=consent
    )
    if problems:
        raise GateFailed(problems)

    now = timezone.now()
    position = consent_position(crime=crime, victim=victim)
    basis = ConsentBasis.EXPLICIT if position.given else ConsentBasis.AUTOMATIC
    automatic = actor is None
    snapshot = snapshot_build(crime=crime, victim=victim, risk_level=risk_level)
    deadline = referral_deadline(crime=crime, victim=victim)
    duty = owed_referral_duty(crime=crime, victim=victim)
    event = _event_write(
        actor=actor,
        crime=crime,
        victim=victim,
        code=EventCode.REFERRAL_SENT,
        details={"service_id": service.pk, "automatic": automatic},
        summary=(REFERRAL_SENT_AUTOMATIC if automatic else REFERRAL_SENT_SUMMARY).format(
            service=service.name
        ),
        now=now,
    )
    referral = Referral.objects.create(
        crime=crime,
        victim=victim,
        service=service,
        organisation=service.organisation,
        state=ReferralState.SENT,
        consent_basis=basis,
        consent=consent if position.given else None,
        risk_level=risk_level,
        automatic=automatic,
        complete_first_time=not attempt_failed_before(crime=crime, victim=victim, service=service),
        snapshot=snapshot_dumps(snapshot),
        snapshot_version=1,
        event=event,
        sent_by=actor,
        sent_at=now,
        within_deadline=now <= deadline,
        state_changed_at=now,
    )
    ReferralSnapshot.objects.create(
        referral=referral, version=1, data=referral.snapshot, taken_at=now, changed_fields=[]
    )
    ReferralStatusEvent.objects.create(
        referral=referral,
        from_state="",
        to_state=ReferralState.SENT,
        by=actor,
        at=now,
        note=STATUS_NOTE_AUTOMATIC if automatic else STATUS_NOTE_SENT,
    )
    _notify(referral=referral, service=service)
    # DPA 2018 s.62: a disclosure to another organisation, with its recipient.
    # Ids only: what was shared is on the referral, never copied into the log.
    audit_record(
        action=AuditAction.DISCLOSE,
        request=request,
        actor=actor,
        object_type="referrals.referral",
        object_id=referral.pk,
        subject_type="cases.victim",
        subject_id=victim.pk,
        purpose=DISCLOSURE_PURPOSE,
        detail={
            "crime_id": crime.pk,
            "service_id": service.pk,
            "organisation_id": service.organisation_id,
            "consent_basis": basis,
            "automatic": automatic,
            "snapshot_version": 1,
            "duty_id": duty.pk if duty is not None else None,
            "event_id": event.pk,
        },
    )
    return referral


def referral_send(
    *,
    actor: User | None,
    crime: Crime,
    victim: Victim,
    service: SupportService,
    risk_level: str = "",
    request: HttpRequest | None = None,
) -> Referral:
    """Refer `victim` on `crime` to `service`, if the data-quality gate passes.

    For people who may make referrals on the crime (`referrals.make_referral`),
    or the system (`actor` None). Refused with ValidationError, nothing sent,
    when the person already has an open referral to the service or the gate
    finds problems (the error lists every one; the failed attempt is recorded).
    Otherwise, in one transaction: the snapshot of what is shared (version 1),
    the referral and its first status, a `referral_sent` journey event that
    completes the owed Right 4 duty, an email to the organisation's mailbox
    (no personal data) and a DISCLOSE audit entry (ids only)."""
    _check_actor(actor=actor, crime=crime, victim=victim)
    risk_level = (risk_level or "").strip()
    try:
        with transaction.atomic():
            return _send(
                actor=actor,
                crime=crime,
                victim=victim,
                service=service,
                risk_level=risk_level,
                request=request,
            )
    except GateFailed as failed:
        with transaction.atomic():
            _attempt_failed_record(
                actor=actor,
                crime=crime,
                victim=victim,
                service=service,
                problems=failed.problems,
                request=request,
            )
        raise ValidationError(failed.problems) from None


@transaction.atomic
def referral_consent_record(
    *,
    actor: User,
    crime: Crime,
    victim: Victim,
    method: str,
    request: HttpRequest | None = None,
) -> ConsentRecord:
    """Record that the victim consented to a referral now (a new ConsentRecord).

    For people who may make referrals on the crime. Refused without a valid
    method. Writes a CREATE audit entry (ids only)."""
    _check_actor(actor=actor, crime=crime, victim=victim)
    if method not in ConsentMethod.values:
        raise ValidationError({"method": [METHOD_REQUIRED]})
    record = ConsentRecord.objects.create(
        victim=victim,
        kind=ConsentKind.REFERRAL,
        given=True,
        method=method,
        recorded_at=timezone.now(),
        recorded_by=actor,
    )
    audit_record(
        action=AuditAction.CREATE,
        request=request,
        actor=actor,
        object_type="cases.consentrecord",
        object_id=record.pk,
        subject_type="cases.victim",
        subject_id=victim.pk,
        detail={"crime_id": crime.pk, "kind": ConsentKind.REFERRAL, "given": True},
    )
    return record


@transaction.atomic
def referral_decline_record(
    *,
    actor: User,
    crime: Crime,
    victim: Victim,
    method: str,
    request: HttpRequest | None = None,
) -> ConsentRecord:
    """Record that the victim does not want a referral to support services.

    For people who may make referrals on the crime. A ConsentRecord
    (referral, given=False) and a `referral_declined` journey event that
    completes the owed Right 4 duty (VCOP Right 4: the duty is met when the
    victim declines). Refused without a valid method, or if the latest
    decision recorded is already a decline. Referrals already sent are left to
    the receiving organisation (they mark them withdrawn)."""
    _check_actor(actor=actor, crime=crime, victim=victim)
    errors: dict[str, list[str]] = {}
    if method not in ConsentMethod.values:
        errors["method"] = [METHOD_REQUIRED]
    latest = latest_consent(victim=victim)
    if latest is not None and not latest.given:
        errors["victim"] = [ALREADY_DECLINED]
    if errors:
        raise ValidationError(errors)
    crime = Crime.objects.select_for_update().get(pk=crime.pk)
    now = timezone.now()
    record = ConsentRecord.objects.create(
        victim=victim,
        kind=ConsentKind.REFERRAL,
        given=False,
        method=method,
        recorded_at=now,
        recorded_by=actor,
    )
    duty = owed_referral_duty(crime=crime, victim=victim)
    event = _event_write(
        actor=actor,
        crime=crime,
        victim=victim,
        code=EventCode.REFERRAL_DECLINED,
        details={"consent_id": record.pk},
        summary=REFERRAL_DECLINED_SUMMARY,
        now=now,
    )
    audit_record(
        action=AuditAction.CREATE,
        request=request,
        actor=actor,
        object_type="cases.consentrecord",
        object_id=record.pk,
        subject_type="cases.victim",
        subject_id=victim.pk,
        detail={
            "crime_id": crime.pk,
            "kind": ConsentKind.REFERRAL,
            "given": False,
            "event_id": event.pk,
            "duty_id": duty.pk if duty is not None else None,
        },
    )
    return record


def crime_victim_ids(*, crime: Crime) -> list[int]:
    return list(
        CrimeVictim.objects.filter(crime=crime).order_by("pk").values_list("victim_id", flat=True)
    )
