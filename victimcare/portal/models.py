"""What the portal stores: complaints made through /complain/ (VCOP Right 12).

A complaint is made by anyone, with no account: a victim, a relative, a
witness. Everything the person typed is personal data and is encrypted at
rest (core.fields); only the reference, dates, state and choices are in clear,
so the staff queue can be listed and ordered without decrypting.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from victimcare.core.fields import EncryptedTextField

from .constants import ComplaintAbout, ComplaintState


class Complaint(models.Model):
    """One complaint about a right in the Victims' Code not being met.

    `force` is the force whose professional standards queue holds it (the
    matched crime's force, else the one force this deployment serves);
    `crime` is set when the crime reference given matches a crime of that
    force, and `event` is the complaint_received journey event recorded on it,
    which created the Victims' Code duty to respond. `due_at` is the end of the
    10th working day after the complaint arrived, whether or not a crime matched.
    """

    reference = models.CharField(max_length=12, unique=True)
    force = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    crime = models.ForeignKey(
        "cases.Crime", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    event = models.ForeignKey(
        "cases.JourneyEvent", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    about = models.CharField(max_length=32, choices=ComplaintAbout.choices, blank=True)
    language = models.CharField(max_length=16, default="en")
    # Personal data: encrypted.
    details = EncryptedTextField()
    crn_given = EncryptedTextField(blank=True, default="")
    name = EncryptedTextField(blank=True, default="")
    reply_email = EncryptedTextField(blank=True, default="")
    reply_phone = EncryptedTextField(blank=True, default="")
    reply_address = EncryptedTextField(blank=True, default="")

    state = models.CharField(
        max_length=16, choices=ComplaintState.choices, default=ComplaintState.OPEN
    )
    created_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    ack_message = models.ForeignKey(
        "messaging.OutboundMessage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    ack_withheld_reason = models.CharField(max_length=200, blank=True)

    response = EncryptedTextField(blank=True, default="")
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        indexes = [
            models.Index(fields=["force", "state", "due_at"], name="complaint_queue_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(state=ComplaintState.CLOSED)
                | models.Q(responded_at__isnull=False),
                name="complaint_closed_has_response",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


# --- Track your case (issue 7, item 7) ------------------------------------------------


class TrackingLink(models.Model):
    """A secure link to the case tracker, sent to one victim about one crime.

    Only hashes are stored: the link's random token (SHA-256, 256 bits of
    entropy) and the one-time code (HMAC keyed by the secret key and the link,
    since six digits could be tried offline). `channel` is where the link was
    sent and where every code goes; `recipient_hash` is an HMAC of the address
    it was sent to, so a code is never sent to a number or address the link
    did not go to. A new link for the same victim and crime revokes the old
    one. Three wrong codes in a row lock the link for good (`locked_at`).
    A link made at /track/ from a crime reference and date of birth has no
    `created_by` and is never sent: only its one-time code is.
    """

    victim = models.ForeignKey("cases.Victim", on_delete=models.PROTECT, related_name="+")
    crime = models.ForeignKey("cases.Crime", on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    channel = models.CharField(max_length=10)
    recipient_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    # Empty for a link the victim started themselves at /track/ (tracking_start).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    message = models.ForeignKey(
        "messaging.OutboundMessage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    code_hash = models.CharField(max_length=64, blank=True)
    code_expires_at = models.DateTimeField(null=True, blank=True)
    codes_sent = models.PositiveSmallIntegerField(default=0)
    code_message = models.ForeignKey(
        "messaging.OutboundMessage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    locked_at = models.DateTimeField(null=True, blank=True)
    last_opened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["victim", "crime", "revoked_at"], name="tracklink_victim_crime_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"Tracking link {self.pk}"


class PortalMessage(models.Model):
    """A message a victim sent the desk from the case tracker. The words are
    encrypted; the contact task (TaskKind.PORTAL_MESSAGE) puts it on the desk's
    and the officer's worklists."""

    victim = models.ForeignKey("cases.Victim", on_delete=models.PROTECT, related_name="+")
    crime = models.ForeignKey("cases.Crime", on_delete=models.CASCADE, related_name="+")
    link = models.ForeignKey(TrackingLink, on_delete=models.PROTECT, related_name="messages")
    text = EncryptedTextField()
    language = models.CharField(max_length=16, default="en")
    created_at = models.DateTimeField(default=timezone.now)
    task = models.ForeignKey(
        "messaging.ContactTask",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["victim", "crime", "created_at"], name="portalmsg_victim_crime_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"Portal message {self.pk}"
