"""Reads for the desk console, composed from the case record, duties and messaging.

The search goes through `cases.selectors.crime_search` (which scopes it to the
cases the agent may see and writes the SEARCH audit entry with the purpose); it
then lists the people on those cases who match. The list shows no names or
contact details. Reading the values an identity check compares against (name,
date of birth, code word) and the plain-language case view are each a VIEW
audit entry with the victim as subject (DPA 2018 s.62). Call backs, escalations
and urgent texts are read in `selectors_follow_ups`, the workload figures in
`selectors_workload`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.http import Http404, HttpRequest

from victimcare.accounts.models import User
from victimcare.cases.constants import CONTACT_EVENTS, EventCode, VictimRole
from victimcare.cases.models import Crime, CrimeVictim, JourneyEvent
from victimcare.cases.selectors import (
    access_crime,
    crime_search,
    victim_ids_matching,
)
from victimcare.cases.validation import phone_e164
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction
from victimcare.core.crypto import blind_index
from victimcare.duties.constants import OWED_STATES
from victimcare.duties.models import Duty
from victimcare.messaging.constants import RecipientKind, Status
from victimcare.messaging.models import OutboundMessage

LAST_TOLD_ROWS = 5
# Messages that reached (or were handed over towards) the victim.
TOLD_STATUSES = (Status.SENT, Status.DELIVERED)


@dataclass(frozen=True)
class VictimResult:
    """One person on one case found by a search: ids, a label without their name,
    and the case's CRN, offence and borough."""

    crime: Crime
    victim_id: int
    label: str


def desk_search(
    *,
    user: User,
    purpose: str,
    crn: str = "",
    name: str = "",
    date_of_birth: dt.date | None = None,
    phone: str = "",
    email: str = "",
    request: HttpRequest | None = None,
) -> list[VictimResult]:
    """The people on cases `user` may view who match the search, newest case first.

    Raises ValidationError for bad input (from crime_search). With only a CRN,
    every person on the case is listed; with a name, phone or email, only the
    people who match. Audited by crime_search (SEARCH, with the purpose)."""
    crimes = crime_search(
        user=user,
        purpose=purpose,
        crn=crn,
        name=name,
        date_of_birth=date_of_birth,
        phone=phone,
        email=email,
        request=request,
    )
    if not crimes:
        return []
    # Imported here: duties.views imports the case views, which are heavy.
    from victimcare.duties.views import victim_labels

    links = list(
        CrimeVictim.objects.filter(crime__in=crimes)
        .order_by("crime_id", "-is_primary_contact", "added_at", "pk")
        .values_list("crime_id", "victim_id")
    )
    wanted: set[int] | None = None
    if name or phone or email:
        # crime_search has checked the phone and email already.
        wanted = set(
            victim_ids_matching(
                name=name,
                date_of_birth=date_of_birth,
                phone_index=blind_index(phone_e164(phone), kind="phone") if phone else None,
                email_index=blind_index(email, kind="email") if email else None,
                among={v for _, v in links},
            )
        )
    labels = victim_labels(c.pk for c in crimes)
    by_crime: dict[int, list[int]] = {}
    for crime_id, victim_id in links:
        if wanted is None or victim_id in wanted:
            by_crime.setdefault(crime_id, []).append(victim_id)
    return [
        VictimResult(crime=crime, victim_id=v, label=labels.get((crime.pk, v), "Victim"))
        for crime in crimes
        for v in by_crime.get(crime.pk, [])
    ]


def access_victim_on_crime(*, user: User, crime_id: int, victim_id: int) -> CrimeVictim:
    """The person's link to the crime (victim and crime loaded) if `user` may view
    the crime and the person is on it; Http404 for anything else."""
    crime = access_crime(user=user, crime_id=crime_id)
    link = (
        CrimeVictim.objects.select_related("victim")
        .filter(crime=crime, victim_id=victim_id)
        .first()
    )
    if link is None:
        raise Http404("No such person.")
    link.crime = crime
    return link


@dataclass(frozen=True)
class IdentityFacts:
    """What the agent checks a caller against. Personal data: read once, audited."""

    crn: str
    full_name: str
    role_label: str
    date_of_birth: dt.date | None
    code_word: str
    contacts: list[tuple[int, str]] = field(default_factory=list)


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def identity_facts(
    *, user: User, link: CrimeVictim, purpose: str, request: HttpRequest | None = None
) -> IdentityFacts:
    """The name, date of birth and code word of the person, and the other people
    recorded on the case (parents, relatives, nominated contacts) with their roles.

    Writes one VIEW entry for the person and one for each other person shown."""
    crime = link.crime
    others = list(
        CrimeVictim.objects.select_related("victim")
        .filter(crime=crime)
        .exclude(victim_id=link.victim_id)
        .exclude(role=VictimRole.VICTIM)
        .order_by("-is_primary_contact", "added_at", "pk")
    )
    for victim_id, fields in [
        (link.victim_id, ["full_name", "date_of_birth", "code_word"]),
        *((o.victim_id, ["full_name"]) for o in others),
    ]:
        audit_record(
            action=AuditAction.VIEW,
            request=request,
            actor=user,
            object_type="cases.crime",
            object_id=crime.pk,
            subject_type="cases.victim",
            subject_id=victim_id,
            purpose=purpose,
            detail={"page": "desk.identity_check", "fields": fields},
        )
    victim = link.victim
    return IdentityFacts(
        crn=crime.crn,
        full_name=victim.full_name,
        role_label=str(link.get_role_display()),
        date_of_birth=_date(victim.date_of_birth),
        code_word=victim.code_word or "",
        contacts=[(o.victim_id, f"{o.victim.full_name} ({o.get_role_display()})") for o in others],
    )


# Where the case is, in plain words, from the latest event that moves it on.
STAGE_TEXT: dict[str, str] = {
    EventCode.CRIME_REPORTED: "Reported. The police are looking into what happened.",
    EventCode.STATEMENT_TAKEN: "Being investigated. A statement has been taken.",
    EventCode.DECISION_NOT_TO_INVESTIGATE: "The police have decided not to investigate further.",
    EventCode.SUSPECT_ARRESTED: "Being investigated. A suspect has been arrested.",
    EventCode.SUSPECT_INTERVIEWED: "Being investigated. A suspect has been interviewed.",
    EventCode.RELEASED_NO_FURTHER_ACTION: "The suspect was released with no further action.",
    EventCode.RELEASED_ON_BAIL: "Being investigated. The suspect was released on bail.",
    EventCode.RELEASED_UNDER_INVESTIGATION: (
        "Being investigated. The suspect was released while the police keep investigating."
    ),
    EventCode.BAIL_CONDITIONS_CHANGED: "Being investigated. The suspect's bail conditions changed.",
    EventCode.BAIL_CANCELLED: "Being investigated. The suspect's bail was cancelled.",
    EventCode.CHARGED: "A suspect has been charged. The case is going to court.",
    EventCode.OUT_OF_COURT_DISPOSAL: "Dealt with out of court.",
    EventCode.DECISION_NOT_TO_PROSECUTE: "A decision was made not to prosecute.",
    EventCode.CHARGE_DROPPED: "A charge was dropped.",
    EventCode.CHARGE_ALTERED: "A charge was changed.",
    EventCode.VRR_REQUESTED: "The victim asked for the decision to be reviewed.",
    EventCode.HEARING_SCHEDULED: "Going to court. A hearing is booked.",
    EventCode.HEARING_CHANGED: "Going to court. The hearing has changed.",
    EventCode.BAIL_HEARING_OUTCOME: "In court. A bail hearing has taken place.",
    EventCode.WARRANT_ISSUED: "In court. A warrant has been issued.",
    EventCode.WITNESS_REQUIRED: "Going to trial. The victim may be needed as a witness.",
    EventCode.VERDICT: "The court has reached a verdict.",
    EventCode.SENTENCED: "The offender has been sentenced.",
    EventCode.APPEAL_LODGED: "An appeal has been made.",
    EventCode.VCS_REFERRAL_RECEIVED: "Referred to the probation Victim Contact Scheme.",
    EventCode.OFFENDER_RELEASED: "The offender has been released from custody.",
    EventCode.CASE_CLOSED: "The case is closed.",
}


@dataclass(frozen=True)
class Told:
    """Something the victim was told: a recorded contact or a message that was sent."""

    at: dt.datetime
    what: str
    detail: str = ""


@dataclass(frozen=True)
class DeskCase:
    """The plain-language case view for one person on one case."""

    crime: Crime
    link: CrimeVictim
    stage: str
    stage_event: JourneyEvent | None
    told: list[Told]
    duties: list[Duty]
    needs: Any


def _stage(events: list[JourneyEvent]) -> tuple[str, JourneyEvent | None]:
    superseded = {e.supersedes_id for e in events if e.supersedes_id}
    for event in events:  # newest first
        if event.pk not in superseded and event.code in STAGE_TEXT:
            return STAGE_TEXT[event.code], event
    return "Reported. The police are looking into what happened.", None


def _told(crime: Crime, victim_id: int) -> list[Told]:
    # Imported here: messaging's views import the case views.
    from victimcare.messaging.views import _purposes

    contacts = (
        JourneyEvent.objects.filter(crime=crime, victim_id=victim_id, code__in=CONTACT_EVENTS)
        .exclude(superseded_by__isnull=False)
        .order_by("-occurred_at", "-pk")[:LAST_TOLD_ROWS]
    )
    rows = [Told(at=e.occurred_at, what=e.get_code_display(), detail=e.summary) for e in contacts]
    purposes = _purposes()
    messages = (
        OutboundMessage.objects.filter(
            crime=crime,
            victim_id=victim_id,
            recipient_kind=RecipientKind.VICTIM,
            status__in=TOLD_STATUSES,
        )
        .defer("recipient", "subject", "body")
        .order_by("-created_at", "-pk")[:LAST_TOLD_ROWS]
    )
    for message in messages:
        rows.append(
            Told(
                at=message.sent_at or message.created_at,
                what=f"{message.get_channel_display()}: "
                + purposes.get(message.template_code, message.template_code),
                detail=message.get_status_display(),
            )
        )
    rows.sort(key=lambda r: r.at, reverse=True)
    return rows[:LAST_TOLD_ROWS]


def desk_case(
    *, user: User, link: CrimeVictim, purpose: str, request: HttpRequest | None = None
) -> DeskCase:
    """Where the case is, what the person was last told and when, the duties still
    owed to them (soonest deadline first) and their needs. Writes one VIEW audit
    entry with the person as subject."""
    crime = link.crime
    if not user.has_perm("cases.view_crime", crime):
        raise Http404("No such crime.")
    events = list(
        JourneyEvent.objects.filter(crime=crime)
        .prefetch_related("superseded_by")
        .order_by("-occurred_at", "-pk")
    )
    stage, stage_event = _stage(events)
    duties = list(
        Duty.objects.filter(crime=crime, victim_id=link.victim_id, state__in=OWED_STATES)
        .select_related("rule", "owner_organisation")
        .order_by("due_at", "pk")
    )
    assessment = getattr(link.victim, "needs", None)
    audit_record(
        action=AuditAction.VIEW,
        request=request,
        actor=user,
        object_type="cases.crime",
        object_id=crime.pk,
        subject_type="cases.victim",
        subject_id=link.victim_id,
        purpose=purpose,
        detail={"page": "desk.case"},
    )
    return DeskCase(
        crime=crime,
        link=link,
        stage=stage,
        stage_event=stage_event,
        told=_told(crime, link.victim_id),
        duties=duties,
        needs=assessment.current if assessment is not None else None,
    )
