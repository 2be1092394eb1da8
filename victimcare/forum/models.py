"""What the Victim Voice Forum stores: the people who offered to take part.

Data minimisation (UK GDPR Art. 5(1)(c)): a volunteer chooses, item by item,
what the coordinator may see (`share_*`), and only what they agreed to share is
kept at all (services.volunteer_join); the email or phone they gave only for
the confirmation message lives in that message in the outbox, not here. The
name, email and phone are encrypted at rest (core.fields); the borough (an ONS
code) and the kinds of crime are in clear so the coordinator's list can be
filtered.

A withdrawal (from the volunteer's link, or recorded by the coordinator when
asked by phone) erases every personal item and the kinds of crime, and leaves a
tombstone: when they joined, from where, in which language, under which
consent wording, and when they left. Counts of sign-ups and withdrawals stay
right; nothing left identifies anyone.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from victimcare.core.fields import EncryptedTextField

from .constants import (
    BOROUGH_MAX_LENGTH,
    ContactPreference,
    ContactStatus,
    ExperienceType,
    Source,
    WithdrawnVia,
)


class Volunteer(models.Model):
    """One person who offered to join the forum (or the tombstone left when they withdrew)."""

    # Personal data: encrypted, and blank unless they agreed to share it.
    name = EncryptedTextField(blank=True, default="")
    email = EncryptedTextField(blank=True, default="")
    phone = EncryptedTextField(blank=True, default="")
    borough = models.CharField(max_length=BOROUGH_MAX_LENGTH, blank=True, default="")

    # What they agreed to share with the coordinator, item by item (never pre-ticked).
    share_name = models.BooleanField(default=False)
    share_email = models.BooleanField(default=False)
    share_phone = models.BooleanField(default=False)
    share_borough = models.BooleanField(default=False)
    share_experience = models.BooleanField(default=False)
    contact_preference = models.CharField(
        max_length=8, choices=ContactPreference.choices, blank=True, default=""
    )

    consent_version = models.CharField(max_length=16)
    consented_at = models.DateTimeField()
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.PORTAL)
    language = models.CharField(max_length=16, default="en")

    status = models.CharField(
        max_length=16, choices=ContactStatus.choices, default=ContactStatus.NEW
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_via = models.CharField(
        max_length=16, choices=WithdrawnVia.choices, blank=True, default=""
    )
    # SHA-256 of the withdrawal link's token (the token itself is only in the
    # message sent). Kept after a withdrawal, so the link keeps answering
    # "you have left" instead of "this link does not work".
    withdraw_token_hash = models.CharField(max_length=64, unique=True)
    confirmation_message = models.ForeignKey(
        "messaging.OutboundMessage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmation_withheld_reason = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        indexes = [
            models.Index(fields=["status", "created_at"], name="forum_volunteer_status_idx"),
            models.Index(fields=["borough", "status"], name="forum_volunteer_borough_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status=ContactStatus.WITHDRAWN)
                | models.Q(withdrawn_at__isnull=False),
                name="forum_volunteer_withdrawn_has_time",
            ),
            models.CheckConstraint(
                condition=models.Q(share_borough=True) | models.Q(borough=""),
                name="forum_volunteer_borough_only_if_shared",
            ),
        ]

    def __str__(self) -> str:
        return f"Volunteer {self.pk}"

    @property
    def withdrawn(self) -> bool:
        return self.status == ContactStatus.WITHDRAWN


class VolunteerExperience(models.Model):
    """One kind of crime a volunteer has experienced and agreed to share."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="experiences")
    kind = models.CharField(max_length=32, choices=ExperienceType.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["volunteer", "kind"], name="forum_experience_once_per_volunteer"
            ),
        ]
        indexes = [models.Index(fields=["kind", "volunteer"], name="forum_experience_kind_idx")]

    def __str__(self) -> str:
        return self.kind
