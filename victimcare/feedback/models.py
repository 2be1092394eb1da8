"""Feedback invitations (one single-use token each) and the responses to them."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone

from victimcare.accounts.models import User
from victimcare.cases.constants import AgeBand, DisabilityAnswer, Ethnicity
from victimcare.cases.models import Crime, JourneyEvent, Victim
from victimcare.core.fields import EncryptedTextField

from .constants import RATING_MAX, RATING_MIN, InvitationChannel, NeedsRecognised


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
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["contact_event", "officer"], name="invitation_event_officer_idx"),
            models.Index(fields=["officer", "-created_at"], name="invitation_officer_time_idx"),
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
