"""Choices and limits for feedback invitations and responses."""

from __future__ import annotations

import re

from django.db import models

# ASVS 6.5.2/6.5.3 (security.md row 23): ≥ 128 bits from a CSPRNG. 16 bytes of
# `secrets.token_urlsafe` is 22 URL-safe characters; the same shape is checked
# before any database lookup.
TOKEN_BYTES = 16
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{22}\Z")

DEFAULT_INVITATION_DAYS = 14
COMMENT_MAX_LENGTH = 2000
RATING_MIN = 1
RATING_MAX = 5


class InvitationChannel(models.TextChoices):
    QR = "qr", "QR code on the officer's screen"
    SMS = "sms", "Text message"
    EMAIL = "email", "Email"
    CARD = "card", "Printed card"


# Officer contacts that can be rated: attending the report, taking a statement,
# a visit and a call. Letters and messages are not a contact with an officer.
FEEDBACK_EVENTS = frozenset({"crime_reported", "statement_taken", "contact_visit", "contact_call"})

# Ratings that count as satisfied (the share with a Wilson interval) and those
# that go to a supervisor's review list.
SATISFIED_RATINGS = frozenset({4, 5})
LOW_RATINGS = frozenset({1, 2})


class Rating(models.IntegerChoices):
    VERY_DISSATISFIED = 1, "Very dissatisfied"
    DISSATISFIED = 2, "Dissatisfied"
    NEITHER = 3, "Neither satisfied nor dissatisfied"
    SATISFIED = 4, "Satisfied"
    VERY_SATISFIED = 5, "Very satisfied"


class NeedsRecognised(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    NOT_SURE = "not_sure", "Not sure"


class ResponseSource(models.TextChoices):
    WEB = "web", "Feedback page"
    SMS = "sms", "Text message reply"


class ReviewKind(models.TextChoices):
    """Why a response is on a review list. Urgent ones (safeguarding) come first,
    have a deadline in hours, and the Victim Focus Desk sees them too."""

    URGENT = "urgent", "Safeguarding concern"
    LOW_RATING = "low_rating", "Low rating"
    COMMENT = "comment", "Negative comment"


class ReviewState(models.TextChoices):
    OPEN = "open", "To review"
    CLOSED = "closed", "Closed"


class ReviewOutcome(models.TextChoices):
    LEARNING = "learning", "Discussed: learning identified"
    NO_ACTION = "no_action", "Discussed: no action needed"
    COMPLAINT_REFERRED = "complaint_referred", "Referred as a complaint"
    SAFEGUARDING_ACTION = "safeguarding_action", "Safeguarding action taken"
