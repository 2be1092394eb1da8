"""What referrals store: the directory of support services with their capacity,
the referrals made to them with what was shared (snapshots), each state change,
and the data problems the receiving organisation reports.

Personal data lives in the snapshots and problem descriptions, encrypted
(core.fields); everything else is ids, choices, dates and counts, so lists,
measures and the capacity view run without decrypting anything.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from victimcare.core.fields import EncryptedTextField

from .constants import (
    ConsentBasis,
    ProblemKind,
    ProblemState,
    ReceiveBy,
    ReferralState,
    RiskLevel,
    ServiceKind,
)


class SupportService(models.Model):
    """One service of a support organisation, who it is for, and its capacity.

    Eligibility: an empty list means "anyone" (every gender, offence group,
    risk level); ages are inclusive and either bound may be open. Kept current
    by administrators and by the organisation's own supervisors."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="support_services"
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=ServiceKind.choices)
    description = models.TextField(blank=True)
    boroughs = models.ManyToManyField("accounts.Area", related_name="support_services")
    min_age = models.PositiveSmallIntegerField(null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(null=True, blank=True)
    genders = models.JSONField(default=list, blank=True, help_text="Gender values; empty: all.")
    offence_groups = models.JSONField(
        default=list, blank=True, help_text="cases OffenceGroup values; empty: all."
    )
    risk_levels = models.JSONField(default=list, blank=True, help_text="RiskLevel; empty: all.")
    languages = models.JSONField(default=list, blank=True, help_text="Language codes served.")
    self_referral = models.BooleanField(default=False, help_text="Victims may contact it directly.")
    public_phone = models.CharField(max_length=40, blank=True)
    public_url = models.URLField(blank=True)
    receive_by = models.CharField(
        max_length=16, choices=ReceiveBy.choices, default=ReceiveBy.VICTIMCARE
    )
    referral_email = models.EmailField(
        blank=True, help_text="The organisation's secure mailbox told when a referral arrives."
    )
    # Capacity (recommendations 7-8): advocates in post × caseload each = capacity.
    advocates_in_post = models.PositiveSmallIntegerField(default=0)
    caseload_each = models.PositiveSmallIntegerField(default=0)
    open_cases = models.PositiveIntegerField(default=0)
    waiting_days = models.PositiveSmallIntegerField(default=0)
    capacity_updated_at = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["kind", "active"], name="referral_service_kind_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_age__isnull=True)
                | Q(max_age__isnull=True)
                | Q(min_age__lte=models.F("max_age")),
                name="referral_service_age_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def capacity(self) -> int:
        return self.advocates_in_post * self.caseload_each


class Referral(models.Model):
    """A victim referred to a service. `snapshot` is what was shared, the
    latest version (each version also in ReferralSnapshot); `complete_first_time`
    says whether it passed the data-quality gate at the first attempt."""

    crime = models.ForeignKey("cases.Crime", on_delete=models.PROTECT, related_name="referrals")
    victim = models.ForeignKey("cases.Victim", on_delete=models.PROTECT, related_name="referrals")
    service = models.ForeignKey(SupportService, on_delete=models.PROTECT, related_name="referrals")
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="referrals_received",
        help_text="The receiving organisation (the service's, kept for scoping).",
    )
    state = models.CharField(
        max_length=16, choices=ReferralState.choices, default=ReferralState.SENT
    )
    consent_basis = models.CharField(max_length=10, choices=ConsentBasis.choices)
    consent = models.ForeignKey(
        "cases.ConsentRecord", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    risk_level = models.CharField(max_length=10, choices=RiskLevel.choices, blank=True)
    automatic = models.BooleanField(default=False, help_text="Made by the system, not a person.")
    complete_first_time = models.BooleanField(default=True)
    snapshot = EncryptedTextField(help_text="JSON: what was shared, latest version.")
    snapshot_version = models.PositiveIntegerField(default=1)
    event = models.ForeignKey(
        "cases.JourneyEvent", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(default=timezone.now)
    within_deadline = models.BooleanField(
        help_text="Sent within 2 working days of the crime being reported."
    )
    state_changed_at = models.DateTimeField(default=timezone.now)
    decline_reason = models.CharField(max_length=500, blank=True)
    notification = models.ForeignKey(
        "messaging.OutboundMessage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "state", "-sent_at"], name="referral_inbox_idx"),
            models.Index(fields=["crime", "victim"], name="referral_case_idx"),
            models.Index(fields=["service", "sent_at"], name="referral_service_sent_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=ReferralState.values), name="referral_state_valid"
            ),
            models.CheckConstraint(
                condition=~Q(consent_basis=ConsentBasis.EXPLICIT) | Q(consent__isnull=False),
                name="referral_explicit_consent_recorded",
            ),
        ]

    def __str__(self) -> str:  # ids only: no personal data in logs or admin titles
        return f"Referral {self.pk}"


class ReferralSnapshot(models.Model):
    """Each version of what was shared: the first at sending, then one per
    correction made after a data problem (or any later edit of the victim)."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="snapshots")
    version = models.PositiveIntegerField()
    data = EncryptedTextField(help_text="JSON: what was shared.")
    taken_at = models.DateTimeField(default=timezone.now)
    changed_fields = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["referral", "version"]
        constraints = [
            models.UniqueConstraint(fields=["referral", "version"], name="referral_snapshot_uniq")
        ]

    def __str__(self) -> str:
        return f"Referral {self.referral_id} v{self.version}"


class ReferralStatusEvent(models.Model):
    """One state change, by whom and why (the decline reason; fixed words otherwise)."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="status_events")
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["referral", "at", "id"]

    def __str__(self) -> str:
        return f"Referral {self.referral_id}: {self.from_state} -> {self.to_state}"


class DataProblem(models.Model):
    """A problem with the shared data reported by the receiving organisation:
    a rectification task for the officer in the case (and the desk) with a
    deadline; fixed when a new snapshot carries the correction (or the task is
    marked done)."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="problems")
    kind = models.CharField(max_length=16, choices=ProblemKind.choices)
    description = EncryptedTextField()
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    state = models.CharField(max_length=8, choices=ProblemState.choices, default=ProblemState.OPEN)
    task = models.OneToOneField(
        "messaging.ContactTask",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referral_problem",
    )
    fixed_at = models.DateTimeField(null=True, blank=True)
    fixed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    fixed_in_version = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["reported_at", "id"]
        indexes = [models.Index(fields=["state", "due_at"], name="referral_problem_open_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(state=ProblemState.OPEN) | Q(fixed_at__isnull=False),
                name="referral_problem_fixed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"Data problem {self.pk}"
