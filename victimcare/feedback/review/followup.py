"""Follow-up of a new response: screen, review item, notifications, tasks, the overdue chase.

See the package docstring for the rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

import structlog
from django.conf import settings
from django.db import transaction
from django.urls import reverse

from victimcare.duties.calendar import LONDON
from victimcare.feedback import triage
from victimcare.feedback.constants import LOW_RATINGS, ReviewKind, ReviewState
from victimcare.feedback.models import Review

if TYPE_CHECKING:
    from victimcare.feedback.models import Invitation, Response
    from victimcare.messaging.models import ContactTask

log = structlog.get_logger(__name__)


DEFAULT_URGENT_REVIEW_HOURS = 4
DEFAULT_REVIEW_DAYS = 14
# Recorded on a review item (not on the response) when the screen could not read
# the comment: a person must read it.
NOT_SCREENED = "not_screened"

URGENT_EMAIL_TEMPLATE = "staff_feedback_urgent"
URGENT_SUBJECT = "Urgent feedback to review"
URGENT_BODY = "Urgent feedback needs review by {due}: {url}"
OVERDUE_EMAIL_TEMPLATE = "staff_feedback_urgent_overdue"
OVERDUE_SUBJECT = "Urgent feedback not yet reviewed"
OVERDUE_BODY = "Urgent feedback was due for review by {due} and is still open: {url}"
# Contact task reasons: ids and fixed words only (no personal data).
SAFETY_REASON = "Feedback raised a safety concern (feedback review {review_id})"
CONTACT_BACK_REASON = "Asked to be contacted about their feedback (feedback review {review_id})"
REVIEW_MARKER = "(feedback review {review_id})"


def urgent_review_hours() -> int:
    return int(getattr(settings, "FEEDBACK_URGENT_REVIEW_HOURS", DEFAULT_URGENT_REVIEW_HOURS))


def review_days() -> int:
    return int(getattr(settings, "FEEDBACK_REVIEW_DAYS", DEFAULT_REVIEW_DAYS))


def review_due_at(*, kind: str, now: dt.datetime) -> dt.datetime:
    """Urgent items: clock hours (the desk works seven days); others: calendar days."""
    if kind == ReviewKind.URGENT:
        return now + dt.timedelta(hours=urgent_review_hours())
    return now + dt.timedelta(days=review_days())


def when(value: dt.datetime | None) -> str:
    """A moment in London time, as GOV.UK writes it: 29 December 2026 at 23:59."""
    if value is None:
        return ""
    return value.astimezone(LONDON).strftime("%-d %B %Y at %H:%M")


def review_url(review: Review) -> str:
    path = reverse("feedback:review-item", kwargs={"review_id": review.pk})
    return str(settings.VICTIMCARE_BASE_URL).rstrip("/") + path


def _attempt(event: str, review_id: int, action: Callable[[], object]) -> bool:
    """Run one notification in a savepoint; a failure is logged (ids and the error
    type only: an exception text may carry an address) and swallowed."""
    try:
        with transaction.atomic():
            action()
    except Exception as exc:  # noqa: BLE001 (any failure: the review item stands)
        log.warning(event, review_id=review_id, error=type(exc).__name__)
        return False
    return True


# --- Screening and the review item ------------------------------------------------


class CommentScreen(NamedTuple):
    categories: list[str]
    urgent: bool
    screened: bool


def _screen(text: str, language: str) -> tuple[list[str], bool, bool]:
    """(categories, urgent, screened). An empty comment needs no screening; a
    screen that fails counts as not screened, so a person reads the comment."""
    if not text.strip():
        return [], False, True
    try:
        result = triage.screen(text, language)
    except Exception as exc:  # noqa: BLE001 (never lose a response to the screen)
        log.warning("feedback.screen_failed", error=type(exc).__name__)
        return [], False, False
    categories = [str(c) for c in getattr(result, "categories", ())]
    return (
        categories,
        bool(getattr(result, "urgent", False)),
        bool(getattr(result, "screened", True)),
    )


MIDDLE_RATING = 3


def review_kind_for(
    *, rating: int, urgent: bool, categories: list[str], screened: bool, criticism: bool = False
) -> str:
    """Which list a response goes on ("" for none): urgent, else low rating,
    else a flagged or unreadable comment, else a "could be better" comment on a
    middling rating (3). The screen misses about a third of urgent comments on
    phrasing it has not seen (docs/feedback-triage.md), so a person also reads
    every criticism that is not praise (ratings 1–3)."""
    if urgent:
        return ReviewKind.URGENT
    if rating in LOW_RATINGS:
        return ReviewKind.LOW_RATING
    if categories or not screened:
        return ReviewKind.COMMENT
    if criticism and rating == MIDDLE_RATING:
        return ReviewKind.COMMENT
    return ""


def case_linked(invitation: Invitation) -> bool:
    return invitation.crime_id is not None and invitation.victim_id is not None


def comments_screen(*, went_well: str, could_be_better: str, language: str) -> CommentScreen:
    """The safeguarding screen of a response's two comments together: what
    services.response_store stores on the response when it is created."""
    text = "\n".join(t for t in (went_well, could_be_better) if t)
    return CommentScreen(*_screen(text, language))


def response_followup(
    *, response: Response, now: dt.datetime, screened: CommentScreen | None = None
) -> None:
    """Put the response on the right review list (urgent, low rating, negative
    comment), tell the OIC's supervisor and the desk about urgent ones, and raise
    a desk task when the victim asked to be contacted back after a low rating.

    `screened` is the comments' screen already stored on the response (as
    services.response_store does, in the INSERT); without it the comments are
    screened here and the result saved.

    Runs in the caller's transaction; raises nothing for a notification problem."""
    invitation = response.invitation
    if screened is None:
        screened = comments_screen(
            went_well=response.went_well,
            could_be_better=response.could_be_better,
            language=response.language,
        )
        response.risk_categories = screened.categories
        response.urgent = screened.urgent
        response.save(update_fields=["risk_categories", "urgent"])
    categories, urgent = screened.categories, screened.urgent

    kind = review_kind_for(
        rating=response.rating,
        urgent=urgent,
        categories=categories,
        screened=screened.screened,
        criticism=bool(response.could_be_better.strip()),
    )
    if not kind:
        return
    officer = invitation.officer
    organisation_id = officer.organisation_id
    if organisation_id is None and invitation.crime_id is not None:
        organisation_id = invitation.crime.team_id
    if organisation_id is None:
        log.warning("feedback.review_no_organisation", response_id=response.pk)
        return
    review = Review.objects.create(
        response=response,
        kind=kind,
        categories=categories + ([] if screened.screened else [NOT_SCREENED]),
        officer=officer,
        organisation_id=organisation_id,
        created_at=now,
        due_at=review_due_at(kind=kind, now=now),
    )
    if kind == ReviewKind.URGENT:
        _urgent_notify(review=review, invitation=invitation)
    if (
        response.contact_back
        and case_linked(invitation)
        and (urgent or response.rating in LOW_RATINGS)
    ):
        _attempt(
            "feedback.contact_back_task_failed",
            review.pk,
            lambda: _task(review=review, invitation=invitation, contact_back=True),
        )


# --- Telling people ------------------------------------------------------------------


def _supervisor_ids(*, organisation_id: int | None, exclude: int | None) -> list[int]:
    """Active supervisors responsible for the organisation (duties.supervisors_for:
    its own, else the nearest ancestor's), never the officer the feedback is
    about; if that leaves nobody, the next organisation up's."""
    from victimcare.accounts.models import Organisation
    from victimcare.duties.services import supervisors_for

    current = organisation_id
    for _ in range(8):
        if current is None:
            return []
        people = [p for p in supervisors_for(organisation_ids=[current])[current] if p != exclude]
        if people:
            return sorted(people)
        current = (
            Organisation.objects.filter(pk=current).values_list("parent_id", flat=True).first()
        )
    return []


def review_supervisor_ids(review: Review) -> list[int]:
    """Who is told about an urgent item: the supervisors of the crime's OIC's
    organisation for a case-linked invitation, else of the officer's."""
    invitation = review.response.invitation
    organisation_id = review.officer.organisation_id
    if invitation.crime_id is not None:
        organisation_id = invitation.crime.oic.organisation_id or organisation_id
    return _supervisor_ids(organisation_id=organisation_id, exclude=review.officer_id)


def _staff_email(*, to: str, subject: str, body: str, template: str, key: str) -> None:
    from victimcare.messaging.constants import Channel, RecipientKind
    from victimcare.messaging.services import message_enqueue

    message_enqueue(
        channel=Channel.EMAIL,
        recipient_kind=RecipientKind.STAFF,
        recipient=to,
        subject=subject,
        body=body,
        template_code=template,
        idempotency_key=key,
    )


def _email_supervisors(
    *, review: Review, subject: str, body: str, template: str, key_prefix: str
) -> int:
    """One email per supervisor (idempotency key per review and person)."""
    from victimcare.accounts.models import User

    sent = 0
    ids = review_supervisor_ids(review)
    if not ids:
        log.warning("feedback.urgent_no_supervisor", review_id=review.pk)
    for person in User.objects.filter(pk__in=ids, is_active=True).only("pk", "email"):
        if not person.email:
            continue
        ok = _attempt(
            "feedback.urgent_email_failed",
            review.pk,
            lambda person=person: _staff_email(  # type: ignore[misc]
                to=person.email,
                subject=subject,
                body=body,
                template=template,
                key=f"{key_prefix}:{review.pk}:{person.pk}",
            ),
        )
        if ok:
            sent += 1
    return sent


def _task(*, review: Review, invitation: Invitation, contact_back: bool) -> ContactTask:
    from victimcare.messaging.constants import TaskKind
    from victimcare.messaging.dispatch import task_raise

    assert invitation.crime_id is not None and invitation.victim_id is not None  # noqa: S101
    oic_id = invitation.crime.oic_id
    assignee_id = oic_id
    if contact_back and oic_id == review.officer_id:
        # Not the officer the feedback is about: one of their supervisors.
        supervisors = review_supervisor_ids(review)
        assignee_id = supervisors[0] if supervisors else oic_id
    template = CONTACT_BACK_REASON if contact_back else SAFETY_REASON
    task = task_raise(
        crime_id=invitation.crime_id,
        victim_id=invitation.victim_id,
        kind=TaskKind.FEEDBACK_CONTACT_BACK if contact_back else TaskKind.FEEDBACK_SAFETY,
        reason=template.format(review_id=review.pk),
        assignee_id=assignee_id,
    )
    # Linked directly, also when task_raise answered a task already open for the
    # victim (one open task of a kind per case and victim).
    field = "contact_task" if contact_back else "safety_task"
    Review.objects.filter(pk=review.pk).update(**{field: task})
    setattr(review, field, task)
    return task


def _urgent_notify(*, review: Review, invitation: Invitation) -> None:
    body = URGENT_BODY.format(due=when(review.due_at), url=review_url(review))
    _email_supervisors(
        review=review,
        subject=URGENT_SUBJECT,
        body=body,
        template=URGENT_EMAIL_TEMPLATE,
        key_prefix="feedback-urgent",
    )
    desk = str(getattr(settings, "VICTIM_FOCUS_DESK_EMAIL", "") or "")
    if desk:
        _attempt(
            "feedback.urgent_desk_email_failed",
            review.pk,
            lambda: _staff_email(
                to=desk,
                subject=URGENT_SUBJECT,
                body=body,
                template=URGENT_EMAIL_TEMPLATE,
                key=f"feedback-urgent:{review.pk}:desk",
            ),
        )
    if case_linked(invitation):
        _attempt(
            "feedback.safety_task_failed",
            review.pk,
            lambda: _task(review=review, invitation=invitation, contact_back=False),
        )


def urgent_overdue_notify(*, now: dt.datetime) -> int:
    """Tell the supervisors once more about each urgent item past its deadline
    and still open. Idempotent: one outbox row per item and person (its
    idempotency key), so later runs queue nothing new. Returns emails queued."""
    from victimcare.messaging.models import OutboundMessage

    queued = 0
    overdue = (
        Review.objects.filter(kind=ReviewKind.URGENT, state=ReviewState.OPEN, due_at__lt=now)
        .select_related("officer", "response__invitation__crime__oic")
        .order_by("due_at", "pk")
    )
    for review in overdue.iterator(chunk_size=200):
        prefix = "feedback-urgent-overdue"
        if OutboundMessage.objects.filter(
            idempotency_key__startswith=f"{prefix}:{review.pk}:"
        ).exists():
            continue
        body = OVERDUE_BODY.format(due=when(review.due_at), url=review_url(review))
        queued += _email_supervisors(
            review=review,
            subject=OVERDUE_SUBJECT,
            body=body,
            template=OVERDUE_EMAIL_TEMPLATE,
            key_prefix=prefix,
        )
    return queued
