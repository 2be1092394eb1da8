"""Feedback invitations (one single-use token each) and the responses to them."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone

from victimcare.accounts.models import Organisation, User
from victimcare.cases.constants import AgeBand, DisabilityAnswer, Ethnicity
from victimcare.cases.models import Crime, JourneyEvent, Victim
from victimcare.core.fields import EncryptedTextField

from .constants import (
    RATING_MAX,
    RATING_MIN,
    InvitationChannel,
    NeedsRecognised,
    ResponseSource,
    ReviewKind,
    ReviewOutcome,
    ReviewState,
)


class Invitation(models.Model):
    """An invitation to rate one officer contact, reached by a single-use token.

    Only the SHA-256 of the token is stored (`token_hash`); the token itself is
    shown once (QR code, card, SMS or email) and never kept. `contact_event` is
    empty for an officer's personal card (a street encounter with no case yet).
    """

    token_hash = models.CharField(max_length=64, unique=True)
    channel = models.CharField(max_length=10, choices=InvitationChannel.choices)
    officer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    contact_event = models.ForeignKey(
        JourneyEvent, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    crime = models.ForeignKey(
        Crime, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    victim = models.ForeignKey(
        Victim, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    card = models.ForeignKey(
        "OfficerCard", on_delete=models.PROTECT, related_name="invitations", null=True, blank=True
    )
    # The page's language: the victim's language when the invitation is for a
    # victim, else English (the page offers the others).
    language = models.CharField(max_length=16, default="en")
    # SMS invitations only: HMAC of the mobile number it was sent to, so a reply
    # can be matched to it without storing or searching the number in clear.
    reply_key = models.CharField(max_length=64, blank=True, default="")
    # When the one polite reply (with the link) went to an SMS answer that was not 1–5.
    reply_prompted_at = models.DateTimeField(null=True, blank=True)
    message = models.ForeignKey(
        "messaging.OutboundMessage",
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["contact_event", "officer"], name="invitation_event_officer_idx"),
            models.Index(fields=["officer", "-created_at"], name="invitation_officer_time_idx"),
            models.Index(
                fields=["reply_key", "-created_at"],
                name="invitation_reply_idx",
                condition=~models.Q(reply_key=""),
            ),
            models.Index(fields=["victim", "-created_at"], name="invitation_victim_idx"),
        ]

    def __str__(self) -> str:
        return f"invitation {self.pk}"

    def is_open(self, *, now: dt.datetime | None = None) -> bool:
        """Unused and not yet expired."""
        moment = now or timezone.now()
        return self.used_at is None and self.expires_at > moment


class Response(models.Model):
    """A victim's answer to one invitation. At most one per invitation (the
    one-to-one is the database's guarantee). Free text is encrypted at rest,
    untrusted, escaped wherever shown and never published."""

    invitation = models.OneToOneField(Invitation, on_delete=models.PROTECT, related_name="response")
    rating = models.PositiveSmallIntegerField()
    went_well = EncryptedTextField(blank=True, default="")
    could_be_better = EncryptedTextField(blank=True, default="")
    age_band = models.CharField(max_length=10, choices=AgeBand.choices, blank=True)
    ethnicity = models.CharField(max_length=20, choices=Ethnicity.choices, blank=True)
    disability = models.CharField(max_length=20, choices=DisabilityAnswer.choices, blank=True)
    needs_recognised = models.CharField(max_length=10, choices=NeedsRecognised.choices, blank=True)
    contact_back = models.BooleanField(default=False)
    victim_voice_forum = models.BooleanField(default=False)
    language = models.CharField(max_length=10, default="en")
    source = models.CharField(
        max_length=8, choices=ResponseSource.choices, default=ResponseSource.WEB
    )
    # Safeguarding screen of the comments (triage.py): the categories found, and
    # whether they make the response urgent. Set in the same transaction.
    risk_categories = models.JSONField(default=list, blank=True)
    urgent = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__gte=RATING_MIN) & models.Q(rating__lte=RATING_MAX),
                name="feedback_response_rating_1_5",
            ),
        ]
        indexes = [models.Index(fields=["created_at"], name="feedback_response_time_idx")]

    def __str__(self) -> str:
        return f"response {self.pk}"


class OfficerCard(models.Model):
    """An officer's personal QR card, for street encounters where no case exists yet.

    The printed code is long-lived (looked up by its SHA-256); scanning it
    opens a fresh single-use `Invitation` (channel CARD, no contact event), within
    per-device and per-day limits. Revoking the card stops the code working.
    """

    officer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    code_hash = models.CharField(max_length=64, unique=True)
    # Kept (encrypted) so the officer can print the same card again; it only
    # opens fresh invitations within the card limits, never a response.
    code = EncryptedTextField()
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["officer", "-created_at"], name="officer_card_officer_idx")]

    def __str__(self) -> str:
        return f"officer card {self.pk}"


class Review(models.Model):
    """A response a supervisor must look at: a safeguarding concern (urgent; the
    Victim Focus Desk sees it too), a low rating or a negative comment. Closed
    with an outcome by a supervisor of the officer (or, for urgent ones, the desk).
    `organisation` is the officer's organisation when the response arrived: it
    scopes who sees the item even if the officer moves on."""

    response = models.OneToOneField(Response, on_delete=models.PROTECT, related_name="review")
    kind = models.CharField(max_length=12, choices=ReviewKind.choices)
    categories = models.JSONField(default=list, blank=True)
    officer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    state = models.CharField(max_length=8, choices=ReviewState.choices, default=ReviewState.OPEN)
    outcome = models.CharField(max_length=20, choices=ReviewOutcome.choices, blank=True)
    outcome_note = EncryptedTextField(blank=True, default="")
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    # The desk's contact tasks raised for it (case-linked responses only): a
    # safety task for an urgent item, a contact-back task when the victim asked.
    safety_task = models.ForeignKey(
        "messaging.ContactTask",
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    contact_task = models.ForeignKey(
        "messaging.ContactTask",
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        indexes = [
            models.Index(fields=["state", "kind", "due_at"], name="review_queue_idx"),
            models.Index(fields=["organisation", "state", "due_at"], name="review_org_idx"),
        ]

    def __str__(self) -> str:
        return f"review {self.pk}"


class Commendation(models.Model):
    """A supervisor's recognition of an officer, with the figures it rested on."""

    officer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=500)
    responses = models.PositiveIntegerField()
    satisfied = models.PositiveIntegerField()
    lower_bound = models.FloatField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["officer", "-created_at"], name="commendation_officer_idx")]

    def __str__(self) -> str:
        return f"commendation {self.pk}"
