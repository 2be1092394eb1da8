"""Who may see and change a case record (rules predicates). Default: deny.

The policy (issue 3):

- ``cases.view_crime`` (crime): the officer in the case (OIC); police officers
  and supervisors whose organisation is the crime's team's BCU or below it,
  only if the crime is not restricted; police supervisors whose organisation
  is the crime's team or above it (restricted or not); any member of an
  organisation the crime is shared with (restricted or not); Victim Focus Desk
  staff: unrestricted crimes of their force (restricted ones only through a
  share). Analysts and administrators see no case (least privilege: they get
  aggregates and manage people), even a case shared with their organisation.
- ``cases.create_crime``: officers and supervisors in a police force, BCU or team.
- ``cases.record_event`` (crime): may view it and may record at least one
  event code; which codes depends on the organisation's kind
  (`recordable_event_codes`).
- ``cases.edit_needs`` (crime): may view it and belongs to the police, the
  desk, a Witness Care Unit or the CPS.
- ``cases.share_crime`` (crime): the OIC, or a supervisor who may view it.

`selectors.crime_list_for_user` builds the same decision as one queryset;
tests check the two never disagree. Change both together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import rules

from victimcare.accounts.constants import POLICE_KINDS, OrganisationKind, Role
from victimcare.accounts.models import Organisation
from victimcare.accounts.permissions import MAX_ORGANISATION_DEPTH, is_active_staff

from .constants import CONTACT_EVENTS, EventCode
from .models import CaseShare, Crime

# Roles that work on cases. Analysts and administrators are left out on purpose.
CASEWORK_ROLES = frozenset(
    {
        Role.OFFICER,
        Role.SUPERVISOR,
        Role.DESK_AGENT,
        Role.PARTNER_CASEWORKER,
        Role.SUPPORT_CASEWORKER,
    }
)
POLICE_ROLES = frozenset({Role.OFFICER, Role.SUPERVISOR})
DESK_ROLES = frozenset({Role.DESK_AGENT, Role.SUPERVISOR})

# Which events each kind of organisation records (../shared/domain/vcop.md, owners).
# crime_reported, needs_assessed, enhanced_eligibility_changed and case_shared
# are written by the services that do those things, never recorded by hand.
POLICE_EVENT_CODES = frozenset(
    {
        EventCode.STATEMENT_TAKEN,
        EventCode.DECISION_NOT_TO_INVESTIGATE,
        EventCode.SUSPECT_ARRESTED,
        EventCode.SUSPECT_INTERVIEWED,
        EventCode.RELEASED_NO_FURTHER_ACTION,
        EventCode.RELEASED_ON_BAIL,
        EventCode.RELEASED_UNDER_INVESTIGATION,
        EventCode.BAIL_CONDITIONS_CHANGED,
        EventCode.BAIL_CANCELLED,
        EventCode.CHARGED,
        EventCode.OUT_OF_COURT_DISPOSAL,
        # VCOP Right 6: police inform of a decision not to prosecute they took
        EventCode.DECISION_NOT_TO_PROSECUTE,
        EventCode.VRR_REQUESTED,
        EventCode.CASE_CLOSED,
    }
)
WITNESS_CARE_EVENT_CODES = frozenset(
    {
        EventCode.HEARING_SCHEDULED,
        EventCode.HEARING_CHANGED,
        EventCode.BAIL_HEARING_OUTCOME,
        EventCode.WARRANT_ISSUED,
        EventCode.WITNESS_REQUIRED,
        EventCode.VERDICT,
        EventCode.SENTENCED,
        EventCode.APPEAL_LODGED,
    }
)
CPS_EVENT_CODES = frozenset(
    {
        EventCode.CHARGE_DROPPED,
        EventCode.CHARGE_ALTERED,
        EventCode.DECISION_NOT_TO_PROSECUTE,
    }
)
PROBATION_EVENT_CODES = frozenset({EventCode.VCS_REFERRAL_RECEIVED, EventCode.OFFENDER_RELEASED})
# Anyone who may view a case records their contacts with the victim, and any
# provider may receive a complaint (VCOP Right 12).
EVERYONE_EVENT_CODES = CONTACT_EVENTS | {EventCode.COMPLAINT_RECEIVED}
SYSTEM_EVENT_CODES = frozenset(
    {
        EventCode.CRIME_REPORTED,
        EventCode.NEEDS_ASSESSED,
        EventCode.ENHANCED_ELIGIBILITY_CHANGED,
        EventCode.CASE_SHARED,
    }
)

EVENT_CODES_BY_KIND: dict[str, frozenset[str]] = {
    OrganisationKind.POLICE_FORCE: POLICE_EVENT_CODES,
    OrganisationKind.BCU: POLICE_EVENT_CODES,
    OrganisationKind.TEAM: POLICE_EVENT_CODES,
    OrganisationKind.WITNESS_CARE_UNIT: WITNESS_CARE_EVENT_CODES,
    OrganisationKind.COURT: WITNESS_CARE_EVENT_CODES,
    OrganisationKind.CPS: WITNESS_CARE_EVENT_CODES | CPS_EVENT_CODES,
    OrganisationKind.PROBATION: PROBATION_EVENT_CODES,
}
NEEDS_EDITOR_KINDS = POLICE_KINDS | {
    OrganisationKind.VICTIM_FOCUS_DESK,
    OrganisationKind.WITNESS_CARE_UNIT,
    OrganisationKind.CPS,
}


@dataclass(frozen=True)
class Viewer:
    """What the policy needs to know about a person who works on cases.

    `chain_ids` are the person's organisation and those above it, nearest
    first; `bcu_id` and `force_id` the nearest BCU and police force in it."""

    user_id: int
    role: str
    organisation_id: int
    organisation_kind: str
    chain_ids: tuple[int, ...]
    bcu_id: int | None
    force_id: int | None

    @property
    def is_police(self) -> bool:
        return self.organisation_kind in POLICE_KINDS and self.role in POLICE_ROLES

    @property
    def is_police_supervisor(self) -> bool:
        return self.is_police and self.role == Role.SUPERVISOR

    @property
    def is_desk(self) -> bool:
        return (
            self.organisation_kind == OrganisationKind.VICTIM_FOCUS_DESK and self.role in DESK_ROLES
        )


def organisation_chain(organisation: Organisation | None) -> list[Organisation]:
    """`organisation` and each organisation above it, nearest first (bounded, cycle-safe)."""
    chain: list[Organisation] = []
    seen: set[int] = set()
    current = organisation
    while current is not None and len(chain) < MAX_ORGANISATION_DEPTH and current.pk not in seen:
        chain.append(current)
        seen.add(current.pk)
        current = current.parent
    return chain


def _nearest(chain: list[Organisation], kind: str) -> int | None:
    return next((o.pk for o in chain if o.kind == kind), None)


_VIEWER_CACHE = "_cases_viewer"


def viewer_for(user: Any) -> Viewer | None:
    """The person as the case policy sees them, or None if they work on no cases
    (anonymous, inactive, no organisation, or an analyst or administrator).

    Costs one query the first time for a given user object; the answer is kept
    on the object for as long as its organisation, role and active flag stay."""
    if not is_active_staff(user) or user.role not in CASEWORK_ROLES:
        return None
    key = (user.organisation_id, user.role, user.is_active)
    cached = getattr(user, _VIEWER_CACHE, None)
    if cached is not None and cached[0] == key:
        return cached[1]
    organisation = (
        Organisation.objects.select_related("parent__parent__parent")
        .filter(pk=user.organisation_id)
        .first()
    )
    if organisation is None:
        return None
    chain = organisation_chain(organisation)
    viewer = Viewer(
        user_id=user.pk,
        role=user.role,
        organisation_id=organisation.pk,
        organisation_kind=organisation.kind,
        chain_ids=tuple(o.pk for o in chain),
        bcu_id=_nearest(chain, OrganisationKind.BCU),
        force_id=_nearest(chain, OrganisationKind.POLICE_FORCE),
    )
    setattr(user, _VIEWER_CACHE, (key, viewer))
    return viewer


def crime_team_chain(crime: Crime) -> list[Organisation]:
    """The crime's team and the organisations above it (cached on the crime's objects)."""
    return organisation_chain(crime.team)


def viewer_may_view(viewer: Viewer | None, crime: Crime) -> bool:
    """The `cases.view_crime` decision for a Viewer (see the module docstring)."""
    if viewer is None or not isinstance(crime, Crime):
        return False
    if crime.oic_id == viewer.user_id:
        return True
    if viewer.is_police:
        team_chain = crime_team_chain(crime)
        team_ids = {o.pk for o in team_chain}
        if viewer.is_police_supervisor and viewer.organisation_id in team_ids:
            return True
        team_bcu = _nearest(team_chain, OrganisationKind.BCU)
        if not crime.restricted and team_bcu is not None and team_bcu in viewer.chain_ids:
            return True
    if viewer.is_desk and not crime.restricted and crime.force_id == viewer.force_id:
        return True
    return CaseShare.objects.filter(crime=crime, organisation_id=viewer.organisation_id).exists()


def recordable_event_codes(*, user: Any, crime: Crime) -> list[str]:
    """The event codes `user` may record on `crime`, in the order of EventCode.

    Empty if they may not view the crime. Views offer exactly these; the
    `event_record` service refuses anything else."""
    viewer = viewer_for(user)
    if not viewer_may_view(viewer, crime):
        return []
    assert viewer is not None  # noqa: S101 (narrowing for mypy)
    allowed = EVERYONE_EVENT_CODES | EVENT_CODES_BY_KIND.get(viewer.organisation_kind, frozenset())
    return [code for code in EventCode.values if code in allowed]


def may_record_event(*, user: Any, crime: Crime, code: str) -> bool:
    """Whether `user` may record an event with `code` on `crime`."""
    return code in recordable_event_codes(user=user, crime=crime)


@rules.predicate
def may_view_crime(user: Any, crime: Any) -> bool:
    return viewer_may_view(viewer_for(user), crime)


@rules.predicate
def may_create_crime(user: Any) -> bool:
    viewer = viewer_for(user)
    return viewer is not None and viewer.is_police


@rules.predicate
def may_record_some_event(user: Any, crime: Any) -> bool:
    return isinstance(crime, Crime) and bool(recordable_event_codes(user=user, crime=crime))


@rules.predicate
def is_needs_editor(user: Any) -> bool:
    viewer = viewer_for(user)
    return viewer is not None and viewer.organisation_kind in NEEDS_EDITOR_KINDS


@rules.predicate
def is_oic(user: Any, crime: Any) -> bool:
    return isinstance(crime, Crime) and crime.oic_id is not None and crime.oic_id == user.pk


@rules.predicate
def is_casework_supervisor(user: Any) -> bool:
    viewer = viewer_for(user)
    return viewer is not None and viewer.role == Role.SUPERVISOR


@rules.predicate
def works_on_cases(user: Any) -> bool:
    """Police, desk, partner and support staff: people whose work is cases."""
    return viewer_for(user) is not None


# Every rule starts from is_active_staff; viewer_for also refuses analysts and
# administrators, so no expression below can grant them a case.
PERMISSIONS: dict[str, rules.Predicate] = {
    "cases.view_crime": is_active_staff & may_view_crime,
    "cases.create_crime": is_active_staff & may_create_crime,
    "cases.record_event": is_active_staff & may_record_some_event,
    "cases.edit_needs": is_active_staff & is_needs_editor & may_view_crime,
    "cases.share_crime": is_active_staff & may_view_crime & (is_oic | is_casework_supervisor),
    # Searching finds only what crime_list_for_user allows; the page itself needs casework.
    "cases.search_crime": is_active_staff & works_on_cases,
}

for _name, _predicate in PERMISSIONS.items():
    rules.set_perm(_name, _predicate)
