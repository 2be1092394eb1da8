"""Creating, completing and closing the duties the Victims' Code owes victims.

Every journey event goes through `duties_for_event` (called by the case
record's event writer, in the same transaction): for each victim of the crime,
each rule in force for the event's code whose conditions the case meets becomes
a Duty with an exact deadline. Recording the same event again never creates a
second duty (a partial unique constraint backs this up).

A duty is done when a contact with the victim that fulfils it is recorded
(`duties_complete`, called by `cases.services.event_record`), not applicable
when a person says so with a reason (`duty_not_applicable`), and replaced when
the victim becomes eligible for enhanced rights and a tighter deadline applies
(`duties_tighten`). A periodic update duty, when done, starts the next one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from victimcare.accounts.constants import OrganisationKind, Role
from victimcare.accounts.models import Organisation, User
from victimcare.cases.constants import CrimeStatus, EventCode, OffenceGroup, VictimRole
from victimcare.cases.models import Crime, CrimeVictim, JourneyEvent, NeedsAssessment, Victim
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction
from victimcare.messaging.dispatch import messages_for_event

from . import messages
from .calendar import deadline_for
from .conditions import conditions_hold
from .constants import (
    OWED_STATES,
    REASON_INVESTIGATION_CLOSED,
    Clock,
    DeadlineKind,
    DutyState,
    Owner,
)
from .models import Duty, DutyNotification, Rule
from .rules import rules_in_force

# Facts the rule conditions read (conditions.py), derived from the case record.
VIOLENT_WITH_INJURY_GROUPS = frozenset({OffenceGroup.HOMICIDE, OffenceGroup.VIOLENCE_WITH_INJURY})
SPECIFIED_GROUPS = frozenset(
    {
        OffenceGroup.HOMICIDE,
        OffenceGroup.VIOLENCE_WITH_INJURY,
        OffenceGroup.SEXUAL_OFFENCES,
        OffenceGroup.ROBBERY,
    }
)
# People the Code owes duties to; parents and nominated contacts receive them on
# the victim's behalf (a contact with them fulfils the victim's duties).
OWED_ROLES = frozenset({VictimRole.VICTIM, VictimRole.BEREAVED_RELATIVE})
# Which kind of organisation holds a duty of each non-police owner.
OWNER_KINDS = {
    Owner.CPS: OrganisationKind.CPS,
    Owner.WCU: OrganisationKind.WITNESS_CARE_UNIT,
    Owner.PROBATION: OrganisationKind.PROBATION,
}
NOT_APPLICABLE_REASON_MAX = 500


# --- Facts and ownership ------------------------------------------------------------


def case_facts(*, crime: Crime, event: JourneyEvent) -> dict[str, Any]:
    """The facts about the case that rule conditions read, at the time of `event`."""
    group = crime.offence.group
    facts: dict[str, Any] = {
        "offence_group": group,
        "violent_with_injury": group in VIOLENT_WITH_INJURY_GROUPS,
        "investigation_open": crime.status == CrimeStatus.OPEN,
        "decided_by": "cps"
        if event.recording_organisation.kind == OrganisationKind.CPS
        else "police",
    }
    if event.code == EventCode.SENTENCED:
        details = event.details or {}
        # What the court gave, as the Witness Care Unit recorded it; a sentence
        # recorded without custody is no custody, not an unknown.
        facts["custody_months"] = details.get("custody_months") or 0
        facts["hospital_order"] = bool(details.get("hospital_order", False))
        facts["specified_violent_or_sexual"] = bool(
            details.get("specified_offence", group in SPECIFIED_GROUPS)
        )
    return facts


def victim_enhanced(*, crime: Crime, victim: Victim) -> bool:
    """Whether the victim is owed enhanced-rights deadlines on this crime.

    VCOP: victims of the most serious crime (the offence list marks them),
    domestic abuse and hate crime are eligible automatically; others when the
    needs assessment says so.
    """
    if crime.offence.enhanced or crime.domestic_abuse or crime.hate_crime:
        return True
    current = (
        NeedsAssessment.objects.filter(victim=victim)
        .values_list("current__enhanced", flat=True)
        .first()
    )
    return bool(current)


def _owner_organisation(*, owner: str, crime: Crime, event: JourneyEvent) -> Organisation:
    """The organisation whose worklist holds a duty: the crime's team for police
    duties; for a partner's duty the partner that recorded the event, else the
    partner of that kind the case is shared with, else whoever recorded it."""
    if owner == Owner.POLICE:
        return crime.team
    recorder = event.recording_organisation
    kind = OWNER_KINDS.get(owner)
    if kind is None or recorder.kind == kind:
        return recorder
    shared = (
        Organisation.objects.filter(shared_crimes__crime=crime, kind=kind).order_by("pk").first()
    )
    return shared or recorder


def _victims_owed(*, crime: Crime, event: JourneyEvent) -> list[Victim]:
    if event.victim_id is not None:
        return [event.victim]
    links = list(CrimeVictim.objects.filter(crime=crime).select_related("victim").order_by("pk"))
    owed = [link.victim for link in links if link.role in OWED_ROLES]
    return owed or [link.victim for link in links]


def _interval_days(*, victim: Victim) -> int | None:
    return (
        NeedsAssessment.objects.filter(victim=victim)
        .values_list("current__update_interval_days", flat=True)
        .first()
    )


def _deadline(
    *, rule: Rule, enhanced: bool, started: dt.datetime, interval: int | None
) -> tuple[str, int, dt.datetime]:
    kind, amount = rule.deadline(enhanced=enhanced)
    if kind == DeadlineKind.CADENCE_DAYS and interval:
        amount = interval  # the contact plan the victim agreed
    return kind.value, amount, deadline_for(started=started, **{kind.value: amount})


# --- Creating ---------------------------------------------------------------------


def duties_for_event(
    *,
    event: JourneyEvent,
    victims: Sequence[Victim] | None = None,
    started_at: dt.datetime | None = None,
) -> list[Duty]:
    """Create the duties `event` triggers; return those created (none twice).

    Called inside the transaction that writes the event. `victims` limits them
    to some people (a victim added to the case later); `started_at` starts
    their clock at that moment instead of the event's (the police learned of
    that victim then). Enhanced eligibility changing to yes tightens open
    duties; the investigation closing ends the regular updates.
    """
    crime = Crime.objects.select_related("offence", "team", "oic").get(pk=event.crime_id)
    if event.code == EventCode.ENHANCED_ELIGIBILITY_CHANGED:
        return []  # the needs_assessed event written with it has done the work
    if (
        event.code == EventCode.NEEDS_ASSESSED
        and event.victim_id
        and victim_enhanced(crime=crime, victim=event.victim)
    ):
        # Eligibility recognised (first assessment or a change): tighten what is owed.
        duties_tighten(crime=crime, victim=event.victim, now=event.recorded_at)
    rule_set = rules_in_force(event.occurred_at)
    if rule_set is None:
        return []
    rules = list(rule_set.rules.filter(trigger=event.code, retired=False).order_by("position"))
    if not rules:
        return []
    facts = case_facts(crime=crime, event=event)
    people = list(victims) if victims is not None else _victims_owed(crime=crime, event=event)
    created: list[Duty] = []
    for victim in people:
        enhanced = victim_enhanced(crime=crime, victim=victim)
        for rule in rules:
            if conditions_hold(rule.conditions, facts) is not True:
                continue
            if rule.standard_cadence_days or rule.enhanced_cadence_days:
                # One chain of regular updates per victim: a new needs assessment
                # does not start a second one.
                if Duty.objects.filter(
                    crime=crime, victim=victim, rule__code=rule.code, state__in=OWED_STATES
                ).exists():
                    continue
            if Duty.objects.filter(
                event=event, victim=victim, rule=rule, previous__isnull=True
            ).exists():
                continue
            created.append(
                _duty_create(
                    crime=crime,
                    victim=victim,
                    event=event,
                    rule=rule,
                    enhanced=enhanced,
                    started=started_at
                    or (event.received_at if rule.clock == Clock.RECEIVED else event.occurred_at),
                )
            )
    # Issue 5: tell each victim owed an informing duty, if it is safe (else a task).
    messages_for_event(event=event, duties=created)
    return created


def _duty_create(
    *,
    crime: Crime,
    victim: Victim,
    event: JourneyEvent,
    rule: Rule,
    enhanced: bool,
    started: dt.datetime,
    previous: Duty | None = None,
) -> Duty:
    kind, amount, due = _deadline(
        rule=rule, enhanced=enhanced, started=started, interval=_interval_days(victim=victim)
    )
    owner_org = _owner_organisation(owner=rule.owner, crime=crime, event=event)
    now = timezone.now()
    return Duty.objects.create(
        crime=crime,
        victim=victim,
        event=event,
        rule=rule,
        right=rule.right,
        owner=rule.owner,
        owner_organisation=owner_org,
        assignee=crime.oic if rule.owner == Owner.POLICE else None,
        enhanced=enhanced,
        deadline_kind=kind,
        deadline_amount=amount,
        started_at=started,
        due_at=due,
        previous=previous,
        created_at=now,
        updated_at=now,
    )


def duties_tighten(*, crime: Crime, victim: Victim, now: dt.datetime) -> list[Duty]:
    """Re-count the victim's owed duties on `crime` with enhanced deadlines.

    VCOP: eligibility for enhanced rights can be recognised during a case. A
    tighter deadline replaces a looser open one: the old duty is kept as
    `replaced` (the history shows both). A deadline never loosens here.
    Returns the new duties.
    """
    created = []
    owed = Duty.objects.filter(crime=crime, victim=victim, state__in=OWED_STATES, enhanced=False)
    for duty in owed.select_related("rule", "event").order_by("pk"):
        kind, amount, due = _deadline(
            rule=duty.rule,
            enhanced=True,
            started=duty.started_at,
            interval=duty.deadline_amount
            if duty.deadline_kind == DeadlineKind.CADENCE_DAYS
            else None,
        )
        if due >= duty.due_at:
            continue
        Duty.objects.filter(pk=duty.pk).update(
            state=DutyState.REPLACED, closed_at=now, updated_at=timezone.now()
        )
        replacement = Duty.objects.create(
            crime=crime,
            victim=victim,
            event=duty.event,
            rule=duty.rule,
            right=duty.right,
            owner=duty.owner,
            owner_organisation_id=duty.owner_organisation_id,
            assignee_id=duty.assignee_id,
            enhanced=True,
            deadline_kind=kind,
            deadline_amount=amount,
            started_at=duty.started_at,
            due_at=due,
            previous_id=duty.previous_id,
            created_at=now,
            updated_at=timezone.now(),
        )
        Duty.objects.filter(pk=duty.pk).update(replaced_by=replacement, updated_at=timezone.now())
        created.append(replacement)
    return created


def duties_close_regular_updates(*, crime: Crime, now: dt.datetime) -> int:
    """End the regular-update chain when the investigation is no longer open."""
    cadence = Q(rule__standard_cadence_days__isnull=False) | Q(
        rule__enhanced_cadence_days__isnull=False
    )
    return Duty.objects.filter(cadence, crime=crime, state__in=OWED_STATES).update(
        state=DutyState.NOT_APPLICABLE,
        closed_reason=REASON_INVESTIGATION_CLOSED,
        closed_at=now,
        updated_at=timezone.now(),
    )


# --- Completing -------------------------------------------------------------------


def may_act_on_duty(*, user: Any, duty: Duty) -> bool:
    """Who may complete a duty or say it does not apply (the policy lives in permissions.py)."""
    return bool(user.has_perm("duties.act_on_duty", duty))


def fulfil_errors(
    *, actor: User, crime: Crime, code: str, victim: Victim | None, duty_ids: Iterable[int]
) -> tuple[list[Duty], dict[str, list[str]]]:
    """Check that a contact may fulfil these duties; return (duties, errors). Writes nothing."""
    from victimcare.cases import messages as case_messages
    from victimcare.cases.constants import CONTACT_EVENTS

    ids = sorted({int(i) for i in duty_ids})
    if not ids:
        return [], {}
    if code not in CONTACT_EVENTS:
        return [], {"fulfils": [case_messages.FULFILS_NOT_A_CONTACT]}
    if victim is None:
        return [], {"victim": [case_messages.FULFILS_NEEDS_A_PERSON]}
    duties = list(
        Duty.objects.select_related("crime", "owner_organisation")
        .select_for_update(of=("self",))
        .filter(pk__in=ids, crime=crime, state__in=OWED_STATES)
    )
    if len(duties) != len(ids):
        return [], {"fulfils": [case_messages.FULFILS_DUTY_INVALID]}
    contact_role = (
        CrimeVictim.objects.filter(crime=crime, victim=victim)
        .values_list("role", flat=True)
        .first()
        if victim is not None
        else None
    )
    for duty in duties:
        # A parent or nominated contact receives the victim's duties on their behalf.
        if victim is not None and duty.victim_id != victim.pk and contact_role in OWED_ROLES:
            return [], {"fulfils": [case_messages.FULFILS_DUTY_OTHER_VICTIM]}
        if not may_act_on_duty(user=actor, duty=duty):
            return [], {"fulfils": [case_messages.FULFILS_DUTY_NOT_YOURS]}
    return duties, {}


def duties_complete(
    *, actor: User | None, event: JourneyEvent, duties: Sequence[Duty]
) -> list[Duty]:
    """Mark `duties` done by the contact `event` (checked by `fulfil_errors`;
    `actor` None: the system, for a message that reached the victim).

    On time if the contact happened by the deadline. A regular update, when
    done, starts the next period from the contact while the investigation is
    open. Returns the next periodic duties created.
    """
    created = []
    for duty in duties:
        on_time = event.occurred_at <= duty.due_at
        Duty.objects.filter(pk=duty.pk, state__in=OWED_STATES).update(
            state=DutyState.DONE,
            completed_at=event.occurred_at,
            completed_by=actor,
            completed_event=event,
            on_time=on_time,
            updated_at=timezone.now(),
        )
        if duty.deadline_kind == DeadlineKind.CADENCE_DAYS:
            crime = Crime.objects.select_related("offence", "team", "oic").get(pk=duty.crime_id)
            if crime.status == CrimeStatus.OPEN:
                created.append(
                    _duty_create(
                        crime=crime,
                        victim=duty.victim,
                        event=event,
                        rule=duty.rule,
                        enhanced=victim_enhanced(crime=crime, victim=duty.victim),
                        started=event.occurred_at,
                        previous=duty,
                    )
                )
    return created


# Details of a contact event the system recorded because a message reached the
# victim: which message (its outbox id) and how it was sent. No personal data.
MESSAGE_EVENT_DETAILS = ("message_id", "channel")
MESSAGE_SUMMARY = "Sent automatically ({channel})."
REOPENED_REASON_MAX = 200


def _live(duty: Duty) -> Duty:
    """The duty, or the duty that replaced it (a tighter deadline), locked."""
    current = Duty.objects.select_for_update().get(pk=duty.pk)
    seen = {current.pk}
    while current.state == DutyState.REPLACED and current.replaced_by_id not in (None, *seen):
        current = Duty.objects.select_for_update().get(pk=current.replaced_by_id)
        seen.add(current.pk)
    return current


def _completed_by_message(duty: Duty, message_id: str) -> bool:
    event = duty.completed_event
    return bool(event is not None and (event.details or {}).get("message_id") == message_id)


@transaction.atomic
def duty_complete_by_message(
    *, duty: Duty, message_id: str, code: str, channel_label: str, at: dt.datetime
) -> Duty | None:
    """Mark `duty` (or the duty that replaced it) done because a message reached the victim.

    For messaging's status hook only. Records the contact as a `code` event
    (contact_message or contact_letter) at `at`, written by the system
    (`recorded_by` None, recorded for the organisation that owes the duty), with
    the message's id in its details; on time if `at` is by the deadline. A
    regular update starts the next period, as for any contact. Idempotent: the
    event's key is the message id, and a duty already done (by this message or
    by someone's contact) or no longer owed is left as it is. Returns the duty
    completed now, else None.
    """
    live = _live(duty)
    if not live.owed:
        return None
    key = f"message:{message_id}"
    event = JourneyEvent.objects.filter(
        recording_organisation_id=live.owner_organisation_id, idempotency_key=key
    ).first()
    if event is None:
        event = JourneyEvent.objects.create(
            crime_id=live.crime_id,
            code=code,
            occurred_at=at,
            received_at=at,
            recorded_at=timezone.now(),
            recorded_by=None,
            recording_organisation_id=live.owner_organisation_id,
            victim_id=live.victim_id,
            details={"message_id": message_id, "channel": channel_label},
            summary=MESSAGE_SUMMARY.format(channel=channel_label.lower()),
            idempotency_key=key,
        )
        duties_for_event(event=event)
    duties_complete(actor=None, event=event, duties=[live])
    return Duty.objects.get(pk=live.pk)


@transaction.atomic
def duty_reopen(*, duty: Duty, message_id: str, reason: str) -> Duty | None:
    """Owe `duty` again because the message that completed it failed afterwards.

    For messaging's status hook only. Only a duty done by that message (its
    completing event names the message) is reopened: back to open, or overdue
    if it was already escalated as overdue and its deadline has passed (an
    open duty past its deadline is escalated by the overdue sweep as usual).
    The completion is cleared on the duty; the history stays: the contact
    event stays on the timeline and a CHANGE audit entry records the reopening
    with the event, the message and `reason` (a rule or status name). A
    regular update that had already started its next period has that next duty
    marked replaced, so completing this one again starts the period anew.
    Idempotent; returns the duty reopened now, else None.
    """
    live = _live(duty)
    if live.state != DutyState.DONE or not _completed_by_message(live, message_id):
        return None
    now = timezone.now()
    overdue = live.due_at < now and live.overdue_at is not None
    Duty.objects.filter(pk=live.pk, state=DutyState.DONE).update(
        state=DutyState.OVERDUE if overdue else DutyState.OPEN,
        completed_at=None,
        completed_by=None,
        completed_event=None,
        on_time=None,
        updated_at=now,
    )
    Duty.objects.filter(previous=live, state__in=OWED_STATES).update(
        state=DutyState.REPLACED, closed_at=now, updated_at=now
    )
    audit_record(
        action=AuditAction.CHANGE,
        object_type="duties.duty",
        object_id=live.pk,
        subject_type="cases.victim",
        subject_id=live.victim_id,
        detail={
            "state": "reopened",
            "crime_id": live.crime_id,
            "completed_event_id": live.completed_event_id,
            "message_id": message_id,
            "reason": reason[:REOPENED_REASON_MAX],
        },
    )
    return Duty.objects.get(pk=live.pk)


@transaction.atomic
def duty_not_applicable(
    *, actor: User, duty: Duty, reason: str, request: HttpRequest | None = None
) -> Duty:
    """Record that an owed duty does not apply, with the reason and who said so.

    For people who may act on the duty. Refused (ValidationError, nothing
    changed) without a reason, with an over-long one, or if the duty is no
    longer owed.
    """
    if not may_act_on_duty(user=actor, duty=duty):
        raise PermissionDenied
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if not reason:
        errors["reason"] = [messages.NOT_APPLICABLE_REASON_REQUIRED]
    elif len(reason) > NOT_APPLICABLE_REASON_MAX:
        errors["reason"] = [messages.NOT_APPLICABLE_REASON_TOO_LONG]
    locked = Duty.objects.select_for_update().get(pk=duty.pk)
    if not locked.owed:
        errors["duty"] = [messages.DUTY_NOT_OWED]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    Duty.objects.filter(pk=duty.pk).update(
        state=DutyState.NOT_APPLICABLE,
        closed_reason=reason,
        closed_by=actor,
        closed_at=now,
        updated_at=now,
    )
    audit_record(
        action=AuditAction.CHANGE,
        request=request,
        actor=actor,
        object_type="duties.duty",
        object_id=duty.pk,
        subject_type="cases.victim",
        subject_id=duty.victim_id,
        detail={"state": DutyState.NOT_APPLICABLE, "crime_id": duty.crime_id},
    )
    duty.refresh_from_db()
    return duty


def supervisors_for(*, organisation_ids: Iterable[int]) -> dict[int, list[int]]:
    """Active supervisors responsible for each organisation: its own, else the
    nearest ancestor's (a team without a supervisor escalates to its BCU)."""
    wanted = set(organisation_ids)
    parents = dict(Organisation.objects.values_list("pk", "parent_id"))
    by_org: dict[int, list[int]] = {}
    for user_id, org_id in User.objects.filter(
        role=Role.SUPERVISOR, is_active=True, organisation__isnull=False
    ).values_list("pk", "organisation_id"):
        by_org.setdefault(org_id, []).append(user_id)
    answer = {}
    for org_id in wanted:
        current: int | None = org_id
        while current is not None and current not in by_org:
            current = parents.get(current)
        answer[org_id] = by_org.get(current, []) if current is not None else []
    return answer


def notification_mark_read(*, user: User, notification_id: int) -> bool:
    """Mark one of the person's own notifications read; False if it is not theirs.

    A person's own inbox flag: no personal data changes, so no audit entry."""
    notifications = DutyNotification.objects.filter(pk=notification_id, recipient=user)
    notifications.filter(read_at__isnull=True).update(read_at=timezone.now())
    return notifications.exists()
