"""Channels, recipients and the outbox state machine, as data.

The allowed transitions are the only truth about how a message's status may
change: `transition_check` refuses anything else, and the services turn the
same table into the WHERE clause of their conditional UPDATEs, so a stale
worker can never move a row backwards.
"""

from __future__ import annotations

from django.db import models


class Channel(models.TextChoices):
    SMS = "sms", "Text message"
    EMAIL = "email", "Email"
    LETTER = "letter", "Letter"


class RecipientKind(models.TextChoices):
    VICTIM = "victim", "Victim"
    STAFF = "staff", "Member of staff"
    # Someone who wrote to us with no account (a complainant, a forum
    # volunteer): the address is the one they gave. When the message is about
    # a crime, the send-time check refuses it if that crime is restricted or a
    # victim of it has safe-contact rules (safety.public_verdict).
    PUBLIC = "public", "Member of the public"


class Status(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    CLAIMED = "claimed", "Claimed by a worker"
    SENDING = "sending", "Being handed to the provider"
    SENT = "sent", "Accepted by the provider"
    DELIVERED = "delivered", "Delivered"
    PERMANENT_FAILURE = "permanent_failure", "Failed permanently"
    TEMPORARY_FAILURE = "temporary_failure", "Failed, will be retried"
    CANCELLED = "cancelled", "Cancelled"
    NEEDS_ATTENTION = "needs_attention", "Needs a person's attention"


S = Status

# Each status and the statuses it may move to. Notes on the less obvious edges:
# - CLAIMED/SENDING -> CLAIMED: another worker re-claims a row whose lease expired.
# - CLAIMED -> PENDING: a claim released before any provider call, without
#   counting an attempt (no rate-limit token yet; outside the victim's safe hours).
# - CLAIMED -> SENT: a re-claimed row whose reference the provider already has
#   (reconciled by look-up, nothing resent).
# - SENT -> NEEDS_ATTENTION: the provider accepted the message but later gave up
#   on it (its temporary/technical failure); a person decides, because an
#   automatic resend under the same reference would be reconciled away.
# - NEEDS_ATTENTION -> DELIVERED/PERMANENT_FAILURE: a late receipt still counts.
# Nothing that has reached SENT ever returns to a pre-send status.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING: frozenset({S.CLAIMED, S.CANCELLED, S.NEEDS_ATTENTION}),
    S.CLAIMED: frozenset(
        {
            S.PENDING,
            S.CLAIMED,
            S.SENDING,
            S.SENT,
            S.TEMPORARY_FAILURE,
            S.PERMANENT_FAILURE,
            S.CANCELLED,
            S.NEEDS_ATTENTION,
        }
    ),
    S.SENDING: frozenset(
        {S.CLAIMED, S.SENT, S.TEMPORARY_FAILURE, S.PERMANENT_FAILURE, S.NEEDS_ATTENTION}
    ),
    S.TEMPORARY_FAILURE: frozenset({S.CLAIMED, S.CANCELLED, S.NEEDS_ATTENTION}),
    S.SENT: frozenset({S.DELIVERED, S.PERMANENT_FAILURE, S.NEEDS_ATTENTION}),
    S.NEEDS_ATTENTION: frozenset({S.CANCELLED, S.DELIVERED, S.PERMANENT_FAILURE}),
    S.DELIVERED: frozenset(),
    S.PERMANENT_FAILURE: frozenset(),
    S.CANCELLED: frozenset(),
}

TERMINAL = frozenset(status for status, targets in TRANSITIONS.items() if not targets)
# Statuses a worker may claim when due (next_attempt_at) or when their lease expired.
CLAIMABLE_WHEN_DUE = frozenset({S.PENDING, S.TEMPORARY_FAILURE})
CLAIMABLE_WHEN_LEASE_EXPIRED = frozenset({S.CLAIMED, S.SENDING})
# The provider has (or may have) the message: never resent without a look-up.
ACCEPTED = frozenset({S.SENT, S.DELIVERED})

ILLEGAL_TRANSITION = "A message cannot move from {source} to {target}."


class IllegalTransition(ValueError):
    """Raised for a status change the state machine does not allow."""

    def __init__(self, source: str, target: str) -> None:
        super().__init__(ILLEGAL_TRANSITION.format(source=source, target=target))
        self.source = source
        self.target = target


def transition_allowed(source: str, target: str) -> bool:
    return target in TRANSITIONS[source]


def transition_check(source: str, target: str) -> None:
    """Raise IllegalTransition unless `source -> target` is in TRANSITIONS.

    A terminal status has no outgoing edges, so it is never left or downgraded.
    """
    if not transition_allowed(source, target):
        raise IllegalTransition(source, target)


def sources_of(target: str) -> frozenset[str]:
    """Every status from which `target` may be reached (for conditional UPDATEs)."""
    return frozenset(source for source, targets in TRANSITIONS.items() if target in targets)


class EventSource(models.TextChoices):
    ENQUEUE = "enqueue", "Enqueued"
    WORKER = "worker", "Worker"
    SWEEP = "sweep", "Sweep"
    RECONCILE = "reconcile", "Look-up at the provider"
    PROVIDER = "provider", "Provider response"
    RECEIPT = "receipt", "Delivery receipt"


class TaskKind(models.TextChoices):
    """Why a person must contact a victim themselves (a contact task)."""

    UNSAFE_TO_SEND = "unsafe_to_send", "Not safe to send automatically: contact the victim safely"
    DELIVERY_FAILED = "delivery_failed", "A message could not be delivered"
    NEEDS_ATTENTION = "needs_attention", "A message needs a person's decision"
    FEEDBACK_SAFETY = (
        "feedback_safety",
        "Feedback raised a safety concern: contact the victim safely",
    )
    FEEDBACK_CONTACT_BACK = (
        "feedback_contact_back",
        "The victim asked to be contacted about their feedback",
    )
    DESK_ESCALATION = (
        "desk_escalation",
        "The Victim Focus Desk escalated this case to you",
    )
    FEED_CHECK = (
        "feed_check",
        "A partner's feed has gone quiet: check this case's updates by hand",
    )
    PORTAL_MESSAGE = (
        "portal_message",
        "The victim sent the desk a message through the portal",
    )
    REFERRAL_DATA_PROBLEM = (
        "referral_data_problem",
        "A support service reported a problem with a referral's details: correct them",
    )


class TaskState(models.TextChoices):
    OPEN = "open", "To do"
    DONE = "done", "Done"


class ReceiptStatus(models.TextChoices):
    """Notify's delivery statuses, as its callbacks send them."""

    DELIVERED = "delivered", "Delivered"
    PERMANENT_FAILURE = "permanent-failure", "Permanent failure"
    TEMPORARY_FAILURE = "temporary-failure", "Temporary failure"
    TECHNICAL_FAILURE = "technical-failure", "Technical failure"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent internationally"
