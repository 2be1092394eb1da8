"""Who sees which review items (reads scoped to the acting person)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import Http404

from victimcare.accounts.selectors import organisation_subtree_ids
from victimcare.cases.permissions import viewer_for
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction
from victimcare.feedback.constants import ReviewKind, ReviewState
from victimcare.feedback.models import Review

if TYPE_CHECKING:
    from victimcare.accounts.models import User
    from victimcare.messaging.models import ContactTask


def _scope(user: Any) -> Q | None:
    """The review items `user` may see, as a filter; None for none.

    Analysts: all. Police supervisors: items of their organisation and below.
    Victim Focus Desk staff: urgent items of their force."""
    from victimcare.feedback.permissions import is_analyst

    if is_analyst(user):
        return Q()
    viewer = viewer_for(user)
    if viewer is None:
        return None
    if viewer.is_police_supervisor:
        return Q(organisation_id__in=organisation_subtree_ids(organisation_id=user.organisation_id))
    if viewer.is_desk:
        scope = Q(kind=ReviewKind.URGENT)
        if viewer.force_id is not None:
            scope &= Q(
                organisation_id__in=organisation_subtree_ids(organisation_id=viewer.force_id)
            )
        return scope
    return None


def _rows(queryset: QuerySet[Review]) -> QuerySet[Review]:
    return queryset.select_related("organisation", "officer").defer(
        "outcome_note", "response__went_well", "response__could_be_better"
    )


LIST_LIMIT = 200


def urgent_queue_for_user(*, user: User) -> list[Review]:
    """Open urgent items `user` may see, earliest deadline (so overdue) first."""
    scope = _scope(user)
    if scope is None or not user.has_perm("feedback.view_urgent"):
        raise Http404("No such page.")
    rows = Review.objects.filter(scope, kind=ReviewKind.URGENT, state=ReviewState.OPEN)
    return list(_rows(rows).order_by("due_at", "pk")[:LIST_LIMIT])


def review_list_for_user(*, user: User, state: str = ReviewState.OPEN) -> list[Review]:
    """Items `user` may see in `state`: open ones urgent first, then by deadline;
    closed ones most recently closed first."""
    scope = _scope(user)
    if scope is None or not user.has_perm("feedback.view_review_list"):
        raise Http404("No such page.")
    rows = _rows(Review.objects.filter(scope, state=state))
    if state == ReviewState.CLOSED:
        return list(rows.order_by("-closed_at", "-pk")[:LIST_LIMIT])
    urgent_first = Case(
        When(kind=ReviewKind.URGENT, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return list(rows.order_by(urgent_first, "due_at", "pk")[:LIST_LIMIT])


def access_review(*, user: User, review_id: int) -> Review:
    """The item, if `user` may see it; Http404 for missing and forbidden alike."""
    scope = _scope(user)
    review = None
    if scope is not None:
        review = (
            Review.objects.filter(scope, pk=review_id)
            .select_related(
                "organisation",
                "officer",
                "closed_by",
                "response__invitation__crime__oic",
                "response__invitation__victim",
            )
            .first()
        )
    if review is None:
        raise Http404("No such feedback.")
    return review


def may_read_comments(*, user: Any, review: Review) -> bool:
    """Free text: the officer's supervisors and analysts (feedback.view_comments);
    for urgent items also the desk, who must act on what the victim wrote."""
    if user.has_perm("feedback.view_comments", review.officer):
        return True
    viewer = viewer_for(user)
    return review.kind == ReviewKind.URGENT and viewer is not None and viewer.is_desk


def review_tasks(review: Review) -> list[ContactTask]:
    """The desk's contact tasks linked to this item (safety, then contact back)."""
    from victimcare.messaging.models import ContactTask

    ids = [pk for pk in (review.safety_task_id, review.contact_task_id) if pk is not None]
    if not ids:
        return []
    tasks = ContactTask.objects.select_related("done_by", "crime").in_bulk(ids)
    return [tasks[pk] for pk in ids if pk in tasks]


def review_view_audit(*, user: User, review: Review, comments_shown: bool, request: Any) -> None:
    """Reading a review item is a read of the victim's feedback (DPA 2018 s.62)."""
    audit_record(
        action=AuditAction.VIEW,
        request=request,
        actor=user,
        object_type="feedback.response",
        object_id=review.response_id,
        subject_type="cases.victim" if review.response.invitation.victim_id else "",
        subject_id=review.response.invitation.victim_id or "",
        detail={"review_id": review.pk, "comments_shown": comments_shown},
    )
