"""Staff pages for feedback that needs a person: the urgent (safeguarding) queue,
a supervisor's review list and one review item, closed with an outcome.

Who sees what (policy in permissions.py, scoping in review.py):

- The urgent queue: Victim Focus Desk staff (their force), police supervisors
  (their organisation and below) and analysts. It lists deadlines, categories
  and the officer's team, never a victim's name or a comment.
- The review list: police supervisors, for their organisation and below.
- A review item: anyone who may see it in those lists. The victim's comments
  are shown only with `feedback.view_comments` on the officer (the officer's
  supervisors and analysts) **and, for urgent items, to the desk**: the desk
  must act on a safeguarding concern (contact the victim safely, raise it
  with the OIC), and cannot do that without reading what the victim wrote.
  This is a deliberate widening of "free text only for supervisors and
  analysts", limited to urgent items. Every item view is audited as a read
  of the victim's feedback. The case reference is shown to people who may
  view the case (with a link) or close the item; analysts see no case.
- Free text is untrusted: the templates autoescape it and never mark it safe.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from victimcare.accounts.views import permission_required_or_404
from victimcare.messaging.constants import TaskKind, TaskState

from . import review as rv
from . import triage
from .constants import Rating, ReviewKind, ReviewOutcome, ReviewState
from .forms_review import ReviewCloseForm, ReviewStateFilter
from .models import Review

URGENT_TITLE = "Urgent feedback"
LIST_TITLE = "Feedback to review"
ITEM_TITLE = "Feedback to review"
CLOSED_MESSAGE = "The feedback has been closed"
NOT_SCREENED_LABEL = "Not screened: a person must read the comment"


def category_label(code: str) -> str:
    if code == rv.NOT_SCREENED:
        return NOT_SCREENED_LABEL
    labels: dict[str, str] = getattr(triage, "CATEGORY_LABELS", {}) or {}
    return str(labels.get(code) or code.replace("_", " ").capitalize())


def _row(review: Review, *, now: Any) -> dict[str, Any]:
    return {
        "id": review.pk,
        "href": reverse("feedback:review-item", kwargs={"review_id": review.pk}),
        "kind": ReviewKind(review.kind).label,
        "urgent": review.kind == ReviewKind.URGENT,
        "categories": ", ".join(category_label(c) for c in review.categories) or "None",
        "team": review.organisation.name,
        "officer": review.officer.full_name,
        "received": rv.when(review.created_at),
        "due": rv.when(review.due_at),
        "due_iso": review.due_at.isoformat(),
        "overdue": review.state == ReviewState.OPEN and review.due_at < now,
        "state": ReviewState(review.state).label,
        "outcome": ReviewOutcome(review.outcome).label if review.outcome else "",
        "closed": rv.when(review.closed_at),
    }


@never_cache
@permission_required_or_404("feedback.view_urgent")
@require_http_methods(["GET"])
def urgent_queue(request: HttpRequest) -> HttpResponse:
    """Open urgent items, overdue first, with no victim name and no comment."""
    now = timezone.now()
    rows = [_row(r, now=now) for r in rv.urgent_queue_for_user(user=request.user)]
    return render(
        request,
        "feedback/review_urgent.html",
        {"title": URGENT_TITLE, "rows": rows, "limit": rv.LIST_LIMIT},
    )


@never_cache
@permission_required_or_404("feedback.view_review_list")
@require_http_methods(["GET"])
def review_list(request: HttpRequest) -> HttpResponse:
    """A supervisor's review list: open items (urgent first, then by deadline), or closed ones."""
    filters = ReviewStateFilter(request.GET or None)
    state = filters.state_value()
    now = timezone.now()
    rows = [_row(r, now=now) for r in rv.review_list_for_user(user=request.user, state=state)]
    return render(
        request,
        "feedback/review_list.html",
        {
            "title": LIST_TITLE,
            "rows": rows,
            "state": state,
            "states": [
                {"value": ReviewState.OPEN, "text": "To review"},
                {"value": ReviewState.CLOSED, "text": "Closed"},
            ],
            "limit": rv.LIST_LIMIT,
        },
    )


def _task_rows(request: HttpRequest, review: Review) -> list[dict[str, Any]]:
    user = request.user
    rows = []
    for task in rv.review_tasks(review):
        may_view = user.has_perm("messaging.view_task", task)
        rows.append(
            {
                "kind": TaskKind(task.kind).label,
                "contact_back": task.kind == TaskKind.FEEDBACK_CONTACT_BACK,
                "state": TaskState(task.state).label,
                "done": task.state == TaskState.DONE,
                "done_at": rv.when(task.done_at),
                "done_by": task.done_by.full_name if task.done_by_id and task.done_by else "",
                # What was done is on the case: only for people who may view it.
                "note": task.done_note if may_view else "",
                "done_href": reverse("messaging:task-done", args=[task.pk])
                if task.state == TaskState.OPEN and user.has_perm("messaging.act_on_task", task)
                else "",
            }
        )
    return rows


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def review_item(request: HttpRequest, review_id: int) -> HttpResponse:
    """One item: rating, comments (if allowed), categories, case, tasks; closing form."""
    review = rv.access_review(user=request.user, review_id=review_id)
    user = request.user
    may_close = review.state == ReviewState.OPEN and user.has_perm("feedback.review", review)
    form = ReviewCloseForm(request.POST if request.method == "POST" else None, kind=review.kind)
    if request.method == "POST":
        if not user.has_perm("feedback.review", review):
            raise Http404("No such page.")
        if form.is_valid():
            try:
                rv.review_close(
                    actor=user,
                    review=review,
                    outcome=form.cleaned_data["outcome"],
                    note=form.cleaned_data["note"],
                    request=request,
                )
            except PermissionDenied as denied:
                raise Http404("No such page.") from denied
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for key, texts in error.message_dict.items():
                        for text in texts:
                            form.add_error(key if key in form.fields else None, text)
                else:
                    for text in error.messages:
                        form.add_error(None, text)
            else:
                messages.success(request, CLOSED_MESSAGE)
                return redirect("feedback:review-item", review_id=review.pk)

    response = review.response
    invitation = response.invitation
    comments = rv.may_read_comments(user=user, review=review)
    crime = invitation.crime if invitation.crime_id else None
    may_view_case = crime is not None and user.has_perm("cases.view_crime", crime)
    show_crn = crime is not None and (may_view_case or user.has_perm("feedback.review", review))
    rv.review_view_audit(user=user, review=review, comments_shown=comments, request=request)
    context = {
        "title": ITEM_TITLE,
        "review": review,
        "kind": ReviewKind(review.kind).label,
        "urgent": review.kind == ReviewKind.URGENT,
        "rating": f"{response.rating} – {Rating(response.rating).label}",
        "received": rv.when(review.created_at),
        "due": rv.when(review.due_at),
        "overdue": review.state == ReviewState.OPEN and review.due_at < timezone.now(),
        "categories": [category_label(c) for c in review.categories],
        "comments": comments,
        "went_well": response.went_well if comments else "",
        "could_be_better": response.could_be_better if comments else "",
        "contact_back": response.contact_back,
        "case_linked": crime is not None,
        "crn": crime.crn if show_crn and crime is not None else "",
        "case_href": reverse("cases:case", args=[crime.pk])
        if may_view_case and crime is not None
        else "",
        "tasks": _task_rows(request, review),
        "closed": review.state == ReviewState.CLOSED,
        "outcome": ReviewOutcome(review.outcome).label if review.outcome else "",
        # The closing note may say what was discussed: for those who may read the
        # comments or act on the item.
        "outcome_note": review.outcome_note
        if review.state == ReviewState.CLOSED
        and (comments or user.has_perm("feedback.review", review))
        else "",
        "closed_at": rv.when(review.closed_at),
        "closed_by": review.closed_by.full_name if review.closed_by_id and review.closed_by else "",
        "may_close": may_close,
        "form": form,
        "back_href": reverse("feedback:urgent")
        if review.kind == ReviewKind.URGENT and user.has_perm("feedback.view_urgent")
        else reverse("feedback:review-list"),
    }
    return render(request, "feedback/review_item.html", context)
