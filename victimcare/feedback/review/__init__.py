"""What happens after a response arrives, and the review lists it feeds.

`response_followup` runs inside the response's transaction (services.response_store,
for page and SMS responses alike). It screens the comments (triage.screen),
puts the response on at most one review list, tells people about urgent ones
and raises the Victim Focus Desk's contact tasks:

- **Urgent** (the screen found a safeguarding risk): due in
  FEEDBACK_URGENT_REVIEW_HOURS clock hours (the desk works seven days). The
  supervisors of the OIC's organisation (case-linked) or of the officer's
  (personal card) get a staff email through the outbox; so does the desk's
  mailbox (VICTIM_FOCUS_DESK_EMAIL, when set); and a case-linked response
  raises a FEEDBACK_SAFETY contact task. That task is assigned to the OIC,
  who manages the risk on the case; the desk's task list shows it too.
- **Low rating** (1–2), else **negative comment** (a non-urgent category such
  as misconduct, or a comment the screen could not read, e.g. in a language
  it has no word lists for): due in FEEDBACK_REVIEW_DAYS days, for the
  officer's supervisors.
- **Contact back** (closed loop): a victim who ticked "you can contact me"
  after a low rating (or with an urgent comment) on a case-linked invitation
  gets a FEEDBACK_CONTACT_BACK contact task. It is never assigned to the
  officer the feedback is about (a victim unhappy with an officer should not
  get the call from them): the OIC if someone else, else one of the officer's
  supervisors. The desk sees it in its task list and records the outcome
  with the usual "mark as done" note; the review item shows it.

Staff emails name no victim and quote no comment: only the deadline and a
link. A notification that fails is logged (ids and the error type only) and
never undoes the response or its review item: the item is the record a person
acts on, and the urgent queue shows it whatever happened to the email.
"""

from .close import (
    ALREADY_CLOSED,
    NOTE_MAX,
    NOTE_TOO_LONG,
    OUTCOME_INVALID,
    OUTCOME_REQUIRED,
    OUTCOME_URGENT_ONLY,
    outcome_choices,
    review_close,
)
from .followup import (
    CONTACT_BACK_REASON,
    NOT_SCREENED,
    OVERDUE_BODY,
    SAFETY_REASON,
    URGENT_BODY,
    CommentScreen,
    comments_screen,
    response_followup,
    review_due_at,
    review_kind_for,
    review_supervisor_ids,
    review_url,
    urgent_overdue_notify,
    when,
)
from .selectors import (
    LIST_LIMIT,
    access_review,
    may_read_comments,
    review_list_for_user,
    review_tasks,
    review_view_audit,
    urgent_queue_for_user,
)

__all__ = [
    "ALREADY_CLOSED",
    "CONTACT_BACK_REASON",
    "LIST_LIMIT",
    "NOTE_MAX",
    "NOTE_TOO_LONG",
    "NOT_SCREENED",
    "OUTCOME_INVALID",
    "OUTCOME_REQUIRED",
    "OUTCOME_URGENT_ONLY",
    "OVERDUE_BODY",
    "SAFETY_REASON",
    "URGENT_BODY",
    "CommentScreen",
    "access_review",
    "comments_screen",
    "may_read_comments",
    "outcome_choices",
    "response_followup",
    "review_close",
    "review_due_at",
    "review_kind_for",
    "review_list_for_user",
    "review_supervisor_ids",
    "review_tasks",
    "review_url",
    "review_view_audit",
    "urgent_overdue_notify",
    "urgent_queue_for_user",
    "when",
]
