"""Who may do what with referrals (rules predicates). Default: deny.

Filled in by the parts of the referral flow; every view checks a permission
named here, and anything not granted is a 404.
"""

from __future__ import annotations

# --- The support organisation's side: the inbox (views_inbox) -----------------------
from typing import Any  # noqa: E402

import rules  # noqa: E402

from victimcare.accounts.constants import OrganisationKind, Role  # noqa: E402
from victimcare.accounts.permissions import has_role, is_active_staff  # noqa: E402

USE_INBOX = "referrals.use_inbox"
VIEW_REFERRAL = "referrals.view_referral"
UPDATE_REFERRAL = "referrals.update_referral"
VIEW_DATA_PROBLEM = "referrals.view_data_problem"


@rules.predicate
def is_support_organisation_member(user: Any) -> bool:
    """Works for a support organisation (a charity receiving referrals)."""
    organisation = getattr(user, "organisation", None)
    return organisation is not None and organisation.kind == OrganisationKind.SUPPORT_ORGANISATION


@rules.predicate
def is_receiving_organisation(user: Any, referral: Any) -> bool:
    """The referral was made to the person's own organisation (not a parent or sibling)."""
    return (
        referral is not None
        and referral.organisation_id is not None
        and referral.organisation_id == user.organisation_id
    )


@rules.predicate
def may_act_on_problem_task(user: Any, problem: Any) -> bool:
    """The data problem's rectification task is one the person may act on (the
    officer in the case, the desk, supervisors: messaging.act_on_task)."""
    task = getattr(problem, "task", None) if problem is not None else None
    return task is not None and bool(user.has_perm("messaging.act_on_task", task))


is_inbox_staff = is_active_staff & has_role(Role.SUPPORT_CASEWORKER, Role.SUPERVISOR)
rules.add_perm(USE_INBOX, is_inbox_staff & is_support_organisation_member)
rules.add_perm(
    VIEW_REFERRAL, is_inbox_staff & is_support_organisation_member & is_receiving_organisation
)
rules.add_perm(
    UPDATE_REFERRAL, is_inbox_staff & is_support_organisation_member & is_receiving_organisation
)
rules.add_perm(VIEW_DATA_PROBLEM, is_active_staff & may_act_on_problem_task)


# --- Measures and advocate capacity (measures.py, capacity.py, views_measures) ------

VIEW_MEASURES = "referrals.view_measures"


@rules.predicate
def may_view_referral_measures(user: Any) -> bool:
    """Analysts (police force or oversight body), and police supervisors and
    administrators: aggregate counts of the whole force, no personal data."""
    organisation = getattr(user, "organisation", None)
    if organisation is None:
        return False
    if user.role == Role.ANALYST:
        return organisation.kind in (
            OrganisationKind.POLICE_FORCE,
            OrganisationKind.BCU,
            OrganisationKind.OVERSIGHT_BODY,
        )
    if user.role in (Role.SUPERVISOR, Role.ADMINISTRATOR):
        return organisation.kind in (
            OrganisationKind.POLICE_FORCE,
            OrganisationKind.BCU,
            OrganisationKind.TEAM,
        )
    return False


rules.add_perm(VIEW_MEASURES, is_active_staff & may_view_referral_measures)


# --- The directory of support services (directory.py, views_directory) -------------

VIEW_DIRECTORY = "referrals.view_directory"
EDIT_SERVICE = "referrals.edit_service"


@rules.predicate
def may_view_directory(user: Any) -> bool:
    """Administrators of a police force or the oversight body, and the
    supervisors and caseworkers of support organisations (who see every
    service, their own and the others they may refer on to)."""
    organisation = getattr(user, "organisation", None)
    if organisation is None:
        return False
    if user.role == Role.ADMINISTRATOR:
        return organisation.kind in (OrganisationKind.POLICE_FORCE, OrganisationKind.OVERSIGHT_BODY)
    if user.role in (Role.SUPERVISOR, Role.SUPPORT_CASEWORKER):
        return organisation.kind == OrganisationKind.SUPPORT_ORGANISATION
    return False


@rules.predicate
def may_edit_service(user: Any, service: Any) -> bool:
    """Administrators (as above) any service; a support organisation's
    supervisor only their own organisation's. Without a service: whether the
    person may edit any at all."""
    organisation = getattr(user, "organisation", None)
    if organisation is None:
        return False
    if user.role == Role.ADMINISTRATOR:
        return organisation.kind in (OrganisationKind.POLICE_FORCE, OrganisationKind.OVERSIGHT_BODY)
    if user.role == Role.SUPERVISOR and organisation.kind == OrganisationKind.SUPPORT_ORGANISATION:
        return service is None or getattr(service, "organisation_id", None) == organisation.pk
    return False


rules.add_perm(VIEW_DIRECTORY, is_active_staff & may_view_directory)
rules.add_perm(EDIT_SERVICE, is_active_staff & may_edit_service)


# --- Making a referral (services, views_referral) -----------------------------------

from victimcare.cases.models import Crime  # noqa: E402
from victimcare.cases.permissions import may_view_crime, organisation_chain  # noqa: E402

MAKE_REFERRAL = "referrals.make_referral"


@rules.predicate
def acts_on_police_duties(user: Any, crime: Any) -> bool:
    """The person may act on the crime's police duties (as duties.act_on_duty
    decides for a duty owed by the crime's team): the officer in the case, a
    member of the crime's team, a supervisor of it or above it, or a Victim
    Focus Desk agent (who acts for the police)."""
    if not isinstance(crime, Crime) or user.organisation_id is None:
        return False
    if user.pk == crime.oic_id or user.organisation_id == crime.team_id:
        return True
    if user.role == Role.SUPERVISOR and any(
        org.pk == user.organisation_id for org in organisation_chain(crime.team)
    ):
        return True
    return bool(
        user.role == Role.DESK_AGENT
        and user.organisation.kind == OrganisationKind.VICTIM_FOCUS_DESK
    )


# Refer a victim of a crime to a support service, or record that they declined.
rules.add_perm(MAKE_REFERRAL, is_active_staff & may_view_crime & acts_on_police_duties)
