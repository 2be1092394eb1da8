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
