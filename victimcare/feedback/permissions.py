"""Who may see feedback and act on it (rules predicates). Default: deny.

- ``feedback.view_own_feedback``: any police officer or supervisor: their own
  ratings, counts and trend (never the free text of others' feedback).
- ``feedback.view_scores`` (organisation or None): analysts (the whole force)
  and police supervisors (their organisation and below). Without an object it
  says whether the person may see the scores pages at all.
- ``feedback.view_comments`` (officer): free text is visible only to the
  officer's supervisors (a supervisor whose organisation is the officer's or
  above it) and analysts. Every read is audited by the caller.
- ``feedback.review`` (review): close a review item with an outcome — the
  officer's supervisors; for urgent (safeguarding) items also the Victim Focus
  Desk, who act on them.
- ``feedback.view_urgent``: the urgent queue — Victim Focus Desk staff, police
  supervisors (their subtree) and analysts.
- ``feedback.commend`` (officer): record a commendation — the officer's supervisors.
"""

from __future__ import annotations

from typing import Any

import rules

from victimcare.accounts.constants import Role
from victimcare.accounts.permissions import has_role, is_active_staff
from victimcare.cases.permissions import organisation_chain, viewer_for

from .constants import ReviewKind


def supervises(user: Any, officer: Any) -> bool:
    """`user` is a police supervisor of the organisation `officer` belongs to or
    one above it (never of themself)."""
    if officer is None or not is_active_staff(user) or user.role != Role.SUPERVISOR:
        return False
    viewer = viewer_for(user)
    if viewer is None or not viewer.is_police or officer.pk == user.pk:
        return False
    return any(org.pk == user.organisation_id for org in organisation_chain(officer.organisation))


def supervises_organisation(user: Any, organisation: Any) -> bool:
    if organisation is None or not is_active_staff(user) or user.role != Role.SUPERVISOR:
        return False
    viewer = viewer_for(user)
    if viewer is None or not viewer.is_police:
        return False
    return any(org.pk == user.organisation_id for org in organisation_chain(organisation))


@rules.predicate
def is_police_officer(user: Any) -> bool:
    viewer = viewer_for(user)
    return viewer is not None and viewer.is_police and user.role in (Role.OFFICER, Role.SUPERVISOR)


@rules.predicate
def is_analyst(user: Any) -> bool:
    return is_active_staff(user) and user.role == Role.ANALYST


@rules.predicate
def is_police_supervisor(user: Any) -> bool:
    viewer = viewer_for(user)
    return viewer is not None and viewer.is_police_supervisor


@rules.predicate
def is_desk(user: Any) -> bool:
    viewer = viewer_for(user)
    return viewer is not None and viewer.is_desk


@rules.predicate
def may_view_organisation_scores(user: Any, organisation: Any) -> bool:
    if organisation is None:
        return True  # the page itself; what it lists is scoped by the selectors
    return supervises_organisation(user, organisation)


@rules.predicate
def supervises_officer(user: Any, officer: Any) -> bool:
    return supervises(user, officer)


@rules.predicate
def may_close_review(user: Any, review: Any) -> bool:
    if review is None:
        return False
    if supervises_organisation(user, review.organisation):
        return True
    viewer = viewer_for(user)
    return review.kind == ReviewKind.URGENT and viewer is not None and viewer.is_desk


rules.add_perm("feedback.view_own_feedback", is_active_staff & is_police_officer)
rules.add_perm(
    "feedback.view_scores", is_analyst | (is_police_supervisor & may_view_organisation_scores)
)
rules.add_perm("feedback.view_comments", is_analyst | supervises_officer)
rules.add_perm("feedback.review", is_active_staff & may_close_review)
rules.add_perm("feedback.view_urgent", is_desk | is_police_supervisor | is_analyst)
rules.add_perm("feedback.commend", supervises_officer)
rules.add_perm("feedback.view_review_list", has_role(Role.SUPERVISOR))
