"""Writes to the case record: crimes, victims, needs assessments, journey events, shares.

Every service is keyword-only and atomic. Bad input raises
django.core.exceptions.ValidationError with a dict {field: [message]}
(messages from messages.py; a person's fields in crime_create are named
"victims[0].phone", "victims[0].needs.enhanced_reasons", …) after checking
everything, so nothing is saved and every problem is reported at once. An
actor who may not do the thing gets PermissionDenied (views and the API
fetch the crime with selectors.access_crime first, which answers 404).
Each change writes its audit entry in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone

from victimcare.accounts.constants import POLICE_KINDS, OrganisationKind
from victimcare.accounts.models import Area, Organisation, User
from victimcare.accounts.selectors import organisation_subtree_ids
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction
from victimcare.duties import services as duty_services

from . import messages as msg
from .constants import AgeBand, Channel, CrimeStatus, EventCode, VictimRole
from .models import (
    CaseShare,
    ConsentRecord,
    Crime,
    CrimeVictim,
    EqualityData,
    JourneyEvent,
    NeedsAssessment,
    NeedsAssessmentVersion,
    Offence,
    Victim,
)
from .permissions import may_record_event, organisation_chain, viewer_for
from .validation import (
    Errors,
    add,
    aware,
    event_details_errors,
    needs_errors,
    phone_e164,
    prefixed,
    raise_if,
    victim_errors,
)

# A force without its own CRN format still gets a sane one: letters, digits,
# "/" and "-", starting with a letter or digit.
DEFAULT_CRN_PATTERN = r"^[A-Z0-9][A-Z0-9/\-]{2,39}$"
DEFAULT_CRN_EXAMPLE = "4412345/26"
RESTRICTED_REASON_MAX = 200

# No crime or event on record happened before this: older dates are typing
# mistakes (1026 for 2026), and dates before time zones were standard cannot
# even be written in ISO 8601 (London then was 1 minute 15 seconds off UTC).
EARLIEST_DATE = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)


@dataclass
class NeedsInput:
    """A needs assessment as answered ("tell us once"). Codes from constants."""

    vulnerabilities: list[str] = field(default_factory=list)
    communication_needs: str = ""
    special_measures: list[str] = field(default_factory=list)
    support_wanted: list[str] = field(default_factory=list)
    enhanced: bool = False
    enhanced_reasons: list[str] = field(default_factory=list)
    # Contact plan (VCOP Right 6): days between regular updates; None = the rule's default.
    update_interval_days: int | None = None


@dataclass
class ConsentInput:
    kind: str
    given: bool
    method: str


@dataclass
class EqualityInput:
    """Self-declared equality data; optional, kept apart, used only for statistics."""

    age_band: str = AgeBand.NOT_SAID
    sex: str = ""
    ethnicity: str = ""
    disability: str = ""


@dataclass
class VictimInput:
    """A person linked to a crime, their safe-contact rules, needs and consents."""

    full_name: str
    date_of_birth: dt.date | None = None
    phone: str = ""
    email: str = ""
    address: str = ""
    role: str = VictimRole.VICTIM
    preferred_channel: str = Channel.PHONE
    language: str = "en"
    interpreter_needed: bool = False
    accessible_format: str = ""
    wants_updates: bool = True
    safe_to_call: bool = True
    safe_to_text: bool = True
    safe_to_email: bool = True
    safe_for_letters: bool = True
    voicemail_allowed: bool = True
    safe_from: dt.time | None = None
    safe_until: dt.time | None = None
    code_word: str = ""
    contact_only_if_victim_initiates: bool = False
    needs: NeedsInput | None = None
    consents: list[ConsentInput] = field(default_factory=list)
    equality: EqualityInput | None = None


# Crime status an event moves the case to. Status only moves forward
# (open → suspect charged → in court → closed).
STATUS_AFTER_EVENT: dict[str, str] = {
    EventCode.CHARGED: CrimeStatus.SUSPECT_CHARGED,
    EventCode.HEARING_SCHEDULED: CrimeStatus.IN_COURT,
    EventCode.HEARING_CHANGED: CrimeStatus.IN_COURT,
    EventCode.BAIL_HEARING_OUTCOME: CrimeStatus.IN_COURT,
    EventCode.WITNESS_REQUIRED: CrimeStatus.IN_COURT,
    EventCode.VERDICT: CrimeStatus.IN_COURT,
    EventCode.SENTENCED: CrimeStatus.IN_COURT,
    EventCode.CASE_CLOSED: CrimeStatus.CLOSED,
}
STATUS_ORDER = [
    CrimeStatus.OPEN,
    CrimeStatus.SUSPECT_CHARGED,
    CrimeStatus.IN_COURT,
    CrimeStatus.CLOSED,
]


# --- Internal writers (no permission checks: callers have checked) ------------------


def _touch(crime: Crime, *, now: dt.datetime, **changes: Any) -> None:
    Crime.objects.filter(pk=crime.pk).update(updated_at=now, **changes)
    crime.updated_at = now
    for name, value in changes.items():
        setattr(crime, name, value)


def _event_write(
    *,
    actor: User,
    crime: Crime,
    code: str,
    occurred_at: dt.datetime,
    received_at: dt.datetime,
    victim: Victim | None = None,
    details: dict[str, Any] | None = None,
    summary: str = "",
    supersedes: JourneyEvent | None = None,
    idempotency_key: str | None = None,
    now: dt.datetime,
) -> JourneyEvent:
    event = JourneyEvent.objects.create(
        crime=crime,
        code=code,
        occurred_at=occurred_at,
        received_at=received_at,
        recorded_at=now,
        recorded_by=actor,
        recording_organisation_id=actor.organisation_id,
        victim=victim,
        details=details or {},
        summary=summary,
        supersedes=supersedes,
        idempotency_key=idempotency_key,
    )
    # Victims' Code: every event creates the duties it triggers, in this transaction.
    duty_services.duties_for_event(event=event)
    # Rate your contact (issue 6): a text or email invitation; never fails the event.
    from victimcare.feedback.dispatch import invitations_for_event

    invitations_for_event(event=event)
    # Partner integration (issue 10): webhook deliveries and feed health, in this transaction.
    from victimcare.integrations.hooks import event_recorded

    event_recorded(event=event)
    return event


def _needs_version_write(
    *, actor: User, victim: Victim, needs: NeedsInput, now: dt.datetime
) -> tuple[NeedsAssessmentVersion, NeedsAssessmentVersion | None]:
    """A new version of the victim's needs assessment, plus its timeline events on
    every crime the victim is linked to. Returns (new version, previous version)."""
    assessment, _ = NeedsAssessment.objects.select_for_update().get_or_create(victim=victim)
    previous = assessment.current
    latest = assessment.versions.aggregate(top=Max("version"))["top"] or 0
    version = NeedsAssessmentVersion.objects.create(
        assessment=assessment,
        version=latest + 1,
        vulnerabilities=list(needs.vulnerabilities),
        communication_needs=(needs.communication_needs or "").strip(),
        special_measures=list(needs.special_measures),
        support_wanted=list(needs.support_wanted),
        enhanced=needs.enhanced,
        # Reasons without eligibility mean nothing: they are not kept.
        enhanced_reasons=list(needs.enhanced_reasons) if needs.enhanced else [],
        update_interval_days=needs.update_interval_days,
        decided_by=actor,
        decided_by_organisation_id=actor.organisation_id,
        decided_at=now,
    )
    assessment.current = version
    assessment.save(update_fields=["current"])

    # VCOP: eligibility for enhanced rights can change during a case; once one
    # agency identifies it, every agency on every case of this victim must know.
    eligibility_changed = previous is not None and previous.enhanced != version.enhanced
    for crime in Crime.objects.filter(victim_links__victim=victim):
        _event_write(
            actor=actor,
            crime=crime,
            code=EventCode.NEEDS_ASSESSED,
            occurred_at=now,
            received_at=now,
            victim=victim,
            details={},
            now=now,
        )
        if eligibility_changed:
            _event_write(
                actor=actor,
                crime=crime,
                code=EventCode.ENHANCED_ELIGIBILITY_CHANGED,
                occurred_at=now,
                received_at=now,
                victim=victim,
                details={"enhanced": version.enhanced, "reasons": version.enhanced_reasons},
                now=now,
            )
        _touch(crime, now=now)
    return version, previous


def _victim_write(
    *,
    actor: User,
    crime: Crime,
    data: VictimInput,
    is_primary_contact: bool,
    now: dt.datetime,
    request: HttpRequest | None,
    added_later: bool = False,
) -> Victim:
    phone = data.phone.strip()
    victim = Victim.objects.create(
        force_id=crime.force_id,
        full_name=data.full_name.strip(),
        date_of_birth=data.date_of_birth.isoformat() if data.date_of_birth else None,
        phone=phone_e164(phone) if phone else None,
        email=data.email.strip() or None,
        address=data.address.strip() or None,
        preferred_channel=data.preferred_channel,
        language=data.language,
        interpreter_needed=data.interpreter_needed,
        accessible_format=data.accessible_format,
        wants_updates=data.wants_updates,
        safe_to_call=data.safe_to_call,
        safe_to_text=data.safe_to_text,
        safe_to_email=data.safe_to_email,
        safe_for_letters=data.safe_for_letters,
        voicemail_allowed=data.voicemail_allowed,
        safe_from=data.safe_from,
        safe_until=data.safe_until,
        code_word=data.code_word.strip() or None,
        contact_only_if_victim_initiates=data.contact_only_if_victim_initiates,
        created_at=now,
        updated_at=now,
    )
    CrimeVictim.objects.create(
        crime=crime,
        victim=victim,
        role=data.role,
        is_primary_contact=is_primary_contact,
        added_at=now,
    )
    version = None
    if data.needs is not None:
        version, _ = _needs_version_write(actor=actor, victim=victim, needs=data.needs, now=now)
    ConsentRecord.objects.bulk_create(
        [
            ConsentRecord(
                victim=victim,
                kind=consent.kind,
                given=consent.given,
                method=consent.method,
                recorded_at=now,
                recorded_by=actor,
            )
            for consent in data.consents
        ]
    )
    if data.equality is not None:
        EqualityData.objects.create(
            victim=victim,
            age_band=data.equality.age_band,
            sex=data.equality.sex.strip(),
            ethnicity=data.equality.ethnicity.strip(),
            disability=data.equality.disability,
            recorded_at=now,
        )
    _duties_for_new_person(
        crime=crime, victim=victim, role=data.role, added_later=added_later, now=now
    )
    audit_record(
        action=AuditAction.CREATE,
        request=request,
        actor=actor,
        object_type="cases.crime",
        object_id=crime.pk,
        subject_type="cases.victim",
        subject_id=victim.pk,
        detail={
            "role": data.role,
            "needs_version": version.version if version else None,
            "consents": [c.kind for c in data.consents],
            "equality_data": data.equality is not None,
        },
    )
    return victim


def _duties_for_new_person(
    *, crime: Crime, victim: Victim, role: str, added_later: bool, now: dt.datetime
) -> None:
    """The duties of the crime's report, for a victim just linked to it.

    Parents and nominated contacts receive the victim's duties, so they get
    none of their own, unless nobody else on the crime is owed them. A victim
    added after the crime was recorded is owed them from now: the police
    learned of them now.
    """
    owed = duty_services.OWED_ROLES
    if (
        role not in owed
        and CrimeVictim.objects.filter(crime=crime, role__in=owed).exclude(victim=victim).exists()
    ):
        return
    reported = (
        JourneyEvent.objects.filter(crime=crime, code=EventCode.CRIME_REPORTED)
        .order_by("occurred_at", "pk")
        .first()
    )
    if reported is not None:
        duty_services.duties_for_event(
            event=reported, victims=[victim], started_at=now if added_later else None
        )


def _share_write(
    *,
    actor: User,
    crime: Crime,
    organisation: Organisation,
    reason: str,
    automatic: bool,
    now: dt.datetime,
    request: HttpRequest | None,
) -> CaseShare:
    existing = CaseShare.objects.filter(crime=crime, organisation=organisation).first()
    if existing is not None:
        return existing
    share = CaseShare.objects.create(
        crime=crime, organisation=organisation, shared_by=actor, shared_at=now, reason=reason
    )
    _event_write(
        actor=actor,
        crime=crime,
        code=EventCode.CASE_SHARED,
        occurred_at=now,
        received_at=now,
        details={"organisation_id": organisation.pk, "automatic": automatic},
        now=now,
    )
    # DPA 2018 s.62: a disclosure of each person's data to another organisation.
    victim_ids = list(crime.victim_links.values_list("victim_id", flat=True)) or [None]
    for victim_id in victim_ids:
        audit_record(
            action=AuditAction.DISCLOSE,
            request=request,
            actor=actor,
            object_type="cases.crime",
            object_id=crime.pk,
            subject_type="cases.victim" if victim_id else "",
            subject_id=victim_id or "",
            purpose=reason,
            detail={"organisation_id": organisation.pk, "automatic": automatic},
        )
    return share


# --- Crimes ---------------------------------------------------------------------


def _crime_errors(
    *,
    force: Organisation,
    crn: str,
    offence: Offence,
    occurred_at: dt.datetime,
    reported_at: dt.datetime,
    area: Area,
    oic: User,
    restricted_by_officer: bool,
    restricted_reason: str,
    now: dt.datetime,
) -> Errors:
    errors: Errors = {}
    if not crn:
        add(errors, "crn", msg.CRN_REQUIRED)
    elif not re.fullmatch(force.crn_pattern or DEFAULT_CRN_PATTERN, crn):
        add(
            errors,
            "crn",
            msg.CRN_FORMAT.format(example=force.crn_example or DEFAULT_CRN_EXAMPLE),
        )
    elif Crime.objects.filter(force=force, crn=crn).exists():
        add(errors, "crn", msg.CRN_TAKEN)
    if not offence.active:
        add(errors, "offence", msg.OFFENCE_INACTIVE)
    if occurred_at > now:
        add(errors, "occurred_at", msg.OCCURRED_IN_FUTURE)
    elif occurred_at < EARLIEST_DATE:
        add(errors, "occurred_at", msg.OCCURRED_TOO_EARLY)
    if reported_at > now:
        add(errors, "reported_at", msg.REPORTED_IN_FUTURE)
    elif reported_at < EARLIEST_DATE:
        add(errors, "reported_at", msg.REPORTED_TOO_EARLY)
    elif occurred_at <= now and reported_at < occurred_at:
        add(errors, "reported_at", msg.REPORTED_BEFORE_OCCURRED)
    if area.bcu is None or force.pk not in {o.pk for o in organisation_chain(area.bcu)}:
        add(errors, "area", msg.AREA_NOT_IN_FORCE)
    oic_viewer = viewer_for(oic)
    if oic_viewer is None or not oic_viewer.is_police or oic_viewer.force_id != force.pk:
        add(errors, "oic", msg.OIC_NOT_OFFICER)
    if restricted_by_officer and not restricted_reason:
        add(errors, "restricted_reason", msg.RESTRICTED_REASON_REQUIRED)
    elif len(restricted_reason) > RESTRICTED_REASON_MAX:
        add(errors, "restricted_reason", msg.RESTRICTED_REASON_TOO_LONG)
    return errors


def _restriction(
    *, offence: Offence, domestic_abuse: bool, restricted_by_officer: bool, reason: str
) -> tuple[bool, str]:
    # Issue 3: sexual offences (and other offences the list marks), domestic
    # abuse, and anything an officer marks are restricted cases.
    if restricted_by_officer:
        return True, reason
    if offence.restricted:
        return True, f"Restricted offence: {offence.name}"[:RESTRICTED_REASON_MAX]
    if domestic_abuse:
        return True, "Domestic abuse"
    return False, ""


@transaction.atomic
def crime_create(
    *,
    actor: User,
    crn: str,
    offence: Offence,
    occurred_at: dt.datetime,
    reported_at: dt.datetime | None = None,
    area: Area,
    oic: User | None = None,
    domestic_abuse: bool = False,
    hate_crime: bool = False,
    restricted_by_officer: bool = False,
    restricted_reason: str = "",
    victims: Sequence[VictimInput] = (),
    request: HttpRequest | None = None,
) -> Crime:
    """Record a crime and its victims (with their needs and consents).

    For officers and supervisors of a police force (`cases.create_crime`);
    the OIC defaults to the actor and must be an officer or supervisor of the
    same force; the crime's team is the OIC's organisation. Guarantees: the
    CRN matches the force's format and is new in the force; no date is in the
    future; each person's details are valid and their safe-contact rules
    consistent. A restricted crime is shared at once with the specialist
    team(s) of its BCU. Writes a crime_reported event and audit entries for
    the crime, each person, and each share.
    """
    if not actor.has_perm("cases.create_crime"):
        raise PermissionDenied(msg.NO_POLICE_FORCE)
    viewer = viewer_for(actor)
    force = (
        Organisation.objects.filter(pk=viewer.force_id, kind=OrganisationKind.POLICE_FORCE).first()
        if viewer is not None and viewer.force_id
        else None
    )
    if force is None:
        raise PermissionDenied(msg.NO_POLICE_FORCE)
    now = timezone.now()
    crn = (crn or "").strip().upper()
    occurred_at = aware(occurred_at)
    reported_at = aware(reported_at) if reported_at is not None else now
    oic = oic or actor
    restricted_reason = (restricted_reason or "").strip()

    errors = _crime_errors(
        force=force,
        crn=crn,
        offence=offence,
        occurred_at=occurred_at,
        reported_at=reported_at,
        area=area,
        oic=oic,
        restricted_by_officer=restricted_by_officer,
        restricted_reason=restricted_reason,
        now=now,
    )
    for i, data in enumerate(victims):
        errors.update(prefixed(f"victims[{i}]", victim_errors(data)))
    raise_if(errors)

    restricted, reason = _restriction(
        offence=offence,
        domestic_abuse=domestic_abuse,
        restricted_by_officer=restricted_by_officer,
        reason=restricted_reason,
    )
    crime = Crime(
        force=force,
        crn=crn,
        offence=offence,
        domestic_abuse=domestic_abuse,
        hate_crime=hate_crime,
        occurred_at=occurred_at,
        reported_at=reported_at,
        area=area,
        oic=oic,
        team_id=oic.organisation_id,
        restricted=restricted,
        restricted_reason=reason,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    try:
        with transaction.atomic():
            crime.save()
    except IntegrityError as exc:
        # Another officer recorded the same CRN a moment ago.
        raise ValidationError({"crn": [msg.CRN_TAKEN]}) from exc

    # VCOP Right 2: the crime is recorded; the duties engine starts from this event.
    _event_write(
        actor=actor,
        crime=crime,
        code=EventCode.CRIME_REPORTED,
        occurred_at=reported_at,
        received_at=reported_at,
        now=now,
    )
    victim_ids = [
        _victim_write(
            actor=actor,
            crime=crime,
            data=data,
            is_primary_contact=(i == 0),
            now=now,
            request=request,
        ).pk
        for i, data in enumerate(victims)
    ]
    audit_record(
        action=AuditAction.CREATE,
        request=request,
        actor=actor,
        object_type="cases.crime",
        object_id=crime.pk,
        detail={
            "offence_id": offence.pk,
            "restricted": restricted,
            "oic_id": oic.pk,
            "victim_ids": victim_ids,
        },
    )
    if restricted:
        for team in _specialist_teams(crime):
            _share_write(
                actor=actor,
                crime=crime,
                organisation=team,
                reason="Restricted case: specialist team",
                automatic=True,
                now=now,
                request=request,
            )
    return crime


def _specialist_teams(crime: Crime) -> list[Organisation]:
    """Active specialist teams under the BCU of the crime's team (else of its area)."""
    chain = organisation_chain(crime.team)
    bcu_id = next((o.pk for o in chain if o.kind == OrganisationKind.BCU), crime.area.bcu_id)
    if bcu_id is None:
        return []
    return list(
        Organisation.objects.filter(
            pk__in=organisation_subtree_ids(organisation_id=bcu_id),
            is_specialist=True,
            active=True,
        ).order_by("pk")
    )


# --- Victims and needs ----------------------------------------------------------


@transaction.atomic
def victim_add(
    *, actor: User, crime: Crime, data: VictimInput, request: HttpRequest | None = None
) -> Victim:
    """Link another person (a victim, bereaved relative, parent or nominated
    contact) to a crime. For people who may edit the crime's needs
    (`cases.edit_needs`). The first person linked is the primary contact."""
    if not actor.has_perm("cases.edit_needs", crime):
        raise PermissionDenied
    raise_if(victim_errors(data))
    now = timezone.now()
    victim = _victim_write(
        actor=actor,
        crime=crime,
        data=data,
        is_primary_contact=not crime.victim_links.exists(),
        now=now,
        request=request,
        added_later=True,
    )
    _touch(crime, now=now)
    return victim


@transaction.atomic
def needs_assessment_record(
    *,
    actor: User,
    victim: Victim,
    needs: NeedsInput,
    crime: Crime | None = None,
    request: HttpRequest | None = None,
) -> NeedsAssessmentVersion:
    """Record a new version of the victim's needs assessment ("tell us once").

    For people who may edit needs on `crime` (or, without `crime`, on any
    crime the victim is linked to). The previous version is kept. Every crime
    of the victim gets a needs_assessed event, and an
    enhanced_eligibility_changed event when eligibility changed.
    """
    if crime is not None:
        if not actor.has_perm("cases.edit_needs", crime):
            raise PermissionDenied
        if not CrimeVictim.objects.filter(crime=crime, victim=victim).exists():
            raise ValidationError({"victim": [msg.VICTIM_NOT_ON_CRIME]})
    else:
        linked = Crime.objects.filter(victim_links__victim=victim).select_related("team")
        if not any(actor.has_perm("cases.edit_needs", c) for c in linked):
            raise PermissionDenied
    raise_if(needs_errors(needs))
    now = timezone.now()
    version, previous = _needs_version_write(actor=actor, victim=victim, needs=needs, now=now)
    audit_record(
        action=AuditAction.CHANGE if previous is not None else AuditAction.CREATE,
        request=request,
        actor=actor,
        object_type="cases.needsassessment",
        object_id=version.assessment_id,
        subject_type="cases.victim",
        subject_id=victim.pk,
        detail={
            "version": version.version,
            "enhanced": version.enhanced,
            "enhanced_changed": previous is not None and previous.enhanced != version.enhanced,
            "crime_id": crime.pk if crime is not None else None,
        },
    )
    # Open referrals get the corrected needs (a new snapshot version).
    # Imported here: referrals builds on cases.
    from victimcare.referrals.inbox import referrals_refresh_for_victim

    referrals_refresh_for_victim(victim_id=victim.pk, actor=actor, request=request)
    return version


# --- Journey events -------------------------------------------------------------


@transaction.atomic
def event_record(
    *,
    actor: User,
    crime: Crime,
    code: str,
    occurred_at: dt.datetime,
    received_at: dt.datetime | None = None,
    victim: Victim | None = None,
    details: dict[str, Any] | None = None,
    summary: str = "",
    supersedes: JourneyEvent | None = None,
    idempotency_key: str | None = None,
    fulfils: Sequence[int] = (),
    request: HttpRequest | None = None,
) -> tuple[JourneyEvent, bool]:
    """Record one event on the crime's timeline; return (event, created).

    For people who may view the crime, and only codes their organisation
    records (`permissions.recordable_event_codes`). `received_at` defaults to
    `occurred_at`. The same `idempotency_key` from the same organisation
    returns the event already stored and False (a retried request is safe).
    Moves the crime's status forward where the event implies it
    (STATUS_AFTER_EVENT) and touches `updated_at`. A contact (visit, call,
    letter, message) may fulfil owed duties of the crime (`fulfils`, duty ids):
    they are marked done by it, on time or late. Creates the duties the event
    triggers (duties.services).
    """
    if not actor.has_perm("cases.view_crime", crime):
        raise PermissionDenied
    key = (idempotency_key or "").strip() or None
    if key is not None:
        if len(key) > JourneyEvent._meta.get_field("idempotency_key").max_length:
            raise ValidationError({"idempotency_key": [msg.IDEMPOTENCY_KEY_TOO_LONG]})
        existing = _event_by_key(organisation_id=actor.organisation_id, key=key, crime=crime)
        if existing is not None:
            return existing, False

    now = timezone.now()
    errors: Errors = {}
    clean_details: dict[str, Any] = {}
    if code not in EventCode.values:
        add(errors, "code", msg.EVENT_CODE_UNKNOWN)
    elif not may_record_event(user=actor, crime=crime, code=code):
        add(errors, "code", msg.EVENT_CODE_NOT_ALLOWED)
    else:
        clean_details, detail_errors = event_details_errors(code, details)
        errors.update(detail_errors)
    occurred_at = aware(occurred_at)
    received = aware(received_at) if received_at is not None else occurred_at
    if occurred_at > now:
        add(errors, "occurred_at", msg.EVENT_IN_FUTURE)
    elif occurred_at < EARLIEST_DATE:
        add(errors, "occurred_at", msg.EVENT_TOO_EARLY)
    if received_at is not None and received > now:
        add(errors, "received_at", msg.RECEIVED_IN_FUTURE)
    elif received_at is not None and received < EARLIEST_DATE:
        add(errors, "received_at", msg.RECEIVED_TOO_EARLY)
    elif received < occurred_at:
        add(errors, "received_at", msg.RECEIVED_BEFORE_OCCURRED)
    summary = (summary or "").strip()
    if len(summary) > JourneyEvent._meta.get_field("summary").max_length:
        add(errors, "summary", msg.SUMMARY_TOO_LONG)
    if victim is not None and not CrimeVictim.objects.filter(crime=crime, victim=victim).exists():
        add(errors, "victim", msg.VICTIM_NOT_ON_CRIME)
    if supersedes is not None and supersedes.crime_id != crime.pk:
        add(errors, "supersedes", msg.SUPERSEDES_OTHER_CRIME)
    fulfilled, fulfil_errors = duty_services.fulfil_errors(
        actor=actor, crime=crime, code=code, victim=victim, duty_ids=fulfils
    )
    errors.update(fulfil_errors)
    raise_if(errors)

    try:
        with transaction.atomic():
            event = _event_write(
                actor=actor,
                crime=crime,
                code=code,
                occurred_at=occurred_at,
                received_at=received,
                victim=victim,
                details=clean_details,
                summary=summary,
                supersedes=supersedes,
                idempotency_key=key,
                now=now,
            )
    except IntegrityError:
        # A concurrent retry with the same key won the race: answer as a retry.
        existing = (
            _event_by_key(organisation_id=actor.organisation_id, key=key, crime=crime)
            if key
            else None
        )
        if existing is None:
            raise
        return existing, False

    duty_services.duties_complete(actor=actor, event=event, duties=fulfilled)
    changes: dict[str, Any] = {}
    target = STATUS_AFTER_EVENT.get(code)
    if target is not None and STATUS_ORDER.index(target) > STATUS_ORDER.index(crime.status):
        changes["status"] = target
        if target == CrimeStatus.CLOSED:
            changes["outcome"] = clean_details["outcome"]
        if crime.status == CrimeStatus.OPEN:
            # VCOP Right 6: regular updates run while the investigation is open.
            duty_services.duties_close_regular_updates(crime=crime, now=now)
    _touch(crime, now=now, **changes)
    audit_record(
        action=AuditAction.CREATE,
        request=request,
        actor=actor,
        object_type="cases.crime",
        object_id=crime.pk,
        subject_type="cases.victim" if victim is not None else "",
        subject_id=victim.pk if victim is not None else "",
        detail={
            "event_id": event.pk,
            "code": code,
            "status": crime.status,
            "fulfilled_duty_ids": [d.pk for d in fulfilled],
        },
    )
    return event, True


def _event_by_key(*, organisation_id: int | None, key: str, crime: Crime) -> JourneyEvent | None:
    existing = JourneyEvent.objects.filter(
        recording_organisation_id=organisation_id, idempotency_key=key
    ).first()
    if existing is not None and existing.crime_id != crime.pk:
        raise ValidationError({"idempotency_key": [msg.IDEMPOTENCY_KEY_REUSED]})
    return existing


# --- Sharing --------------------------------------------------------------------


def _shareable(organisation: Organisation) -> bool:
    if not organisation.active or organisation.kind == OrganisationKind.OVERSIGHT_BODY:
        return False
    # Within the police a case is shared with a specialist team, never with a
    # whole force or BCU (that would undo the restriction).
    if organisation.kind in POLICE_KINDS:
        return organisation.kind == OrganisationKind.TEAM and organisation.is_specialist
    return True


@transaction.atomic
def case_share(
    *,
    actor: User,
    crime: Crime,
    organisation: Organisation,
    reason: str = "",
    request: HttpRequest | None = None,
) -> CaseShare:
    """Share the crime with a partner organisation or specialist team, so its
    members see the case (restricted or not) and its needs assessment.

    For the OIC or a supervisor who may view it (`cases.share_crime`). Sharing
    again with the same organisation returns the existing share and writes
    nothing. Writes a case_shared event and a DISCLOSE audit entry per person.
    """
    if not actor.has_perm("cases.share_crime", crime):
        raise PermissionDenied
    reason = (reason or "").strip()
    errors: Errors = {}
    if not _shareable(organisation):
        add(errors, "organisation", msg.SHARE_ORGANISATION_INVALID)
    if len(reason) > CaseShare._meta.get_field("reason").max_length:
        add(errors, "reason", msg.SHARE_REASON_TOO_LONG)
    raise_if(errors)
    now = timezone.now()
    # Two first shares of one crime at once (two pages, or a page and a partner
    # system) queue on the crime's row, so the second finds the first's share
    # instead of meeting the unique constraint.
    list(Crime.objects.select_for_update().filter(pk=crime.pk).values_list("pk", flat=True))
    existing = CaseShare.objects.filter(crime=crime, organisation=organisation).first()
    if existing is not None:
        return existing
    share = _share_write(
        actor=actor,
        crime=crime,
        organisation=organisation,
        reason=reason,
        automatic=False,
        now=now,
        request=request,
    )
    _touch(crime, now=now)
    return share
