"""The case record: crimes, victims, the shared needs assessment and the journey.

Personal data (names, dates of birth, contact details, code words) is held in
EncryptedTextField columns with blind indexes for exact look-ups. Equality data
sits in its own table, read only for statistics. Needs assessments and journey
events are append-only: a change is a new version, a correction a new event
that supersedes the old one.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.db import models
from django.utils import timezone

from victimcare.accounts.models import Area, Organisation, User
from victimcare.core.fields import BlindIndexField, EncryptedTextField

from .constants import (
    AccessibleFormat,
    AgeBand,
    Channel,
    ConsentKind,
    ConsentMethod,
    CrimeOutcome,
    CrimeStatus,
    EventCode,
    OffenceGroup,
    VictimRole,
)


class ImmutableRowError(Exception):
    """Raised on an attempt to change or delete a versioned or append-only row."""


class Offence(models.Model):
    """An offence on the force's configurable list (loaded from cases/data/offences.json)."""

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    group = models.CharField(max_length=40, choices=OffenceGroup.choices)
    restricted = models.BooleanField(
        default=False,
        help_text="Crimes of this offence are restricted cases (e.g. sexual offences).",
    )
    enhanced = models.BooleanField(
        default=False, help_text="Victims are entitled to enhanced rights (most serious crime)."
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["group", "name"]

    def __str__(self) -> str:
        return self.name


class Crime(models.Model):
    """One case record per crime. CRN is unique per force."""

    force = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    crn = models.CharField("crime reference number", max_length=40)
    offence = models.ForeignKey(Offence, on_delete=models.PROTECT, related_name="crimes")
    domestic_abuse = models.BooleanField(default=False)
    hate_crime = models.BooleanField(default=False)
    occurred_at = models.DateTimeField()
    reported_at = models.DateTimeField()
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="crimes")
    oic = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="oic_crimes",
        verbose_name="officer in the case",
    )
    team = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="team_crimes")
    status = models.CharField(max_length=20, choices=CrimeStatus.choices, default=CrimeStatus.OPEN)
    outcome = models.CharField(max_length=30, choices=CrimeOutcome.choices, blank=True, default="")
    restricted = models.BooleanField(default=False)
    restricted_reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["force", "crn"], name="crime_force_crn_uniq"),
            models.CheckConstraint(
                condition=~models.Q(status=CrimeStatus.CLOSED) | ~models.Q(outcome=""),
                name="crime_closed_has_outcome",
            ),
        ]
        indexes = [
            models.Index(fields=["oic", "status", "-updated_at"], name="crime_oic_status_idx"),
            models.Index(fields=["team", "status", "-updated_at"], name="crime_team_status_idx"),
            models.Index(fields=["area", "-reported_at"], name="crime_area_reported_idx"),
            models.Index(fields=["updated_at"], name="crime_updated_idx"),
        ]

    def __str__(self) -> str:
        return self.crn


class CaseShare(models.Model):
    """A crime shared with an organisation (a specialist team or a partner agency).

    Members of that organisation may see the case, restricted or not."""

    crime = models.ForeignKey(Crime, on_delete=models.CASCADE, related_name="shares")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="shared_crimes"
    )
    shared_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    shared_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["crime", "organisation"], name="caseshare_crime_org_uniq"
            )
        ]
        indexes = [models.Index(fields=["organisation", "crime"], name="caseshare_org_idx")]

    def __str__(self) -> str:
        return f"{self.crime_id} → {self.organisation_id}"


class Victim(models.Model):
    """A person the Victims' Code is owed to, linked to one or more crimes.

    Contact details are encrypted; `*_index` columns are blind indexes for exact
    search. The safe-contact fields are checked at send time by messaging.
    """

    force = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    full_name = EncryptedTextField()
    name_index = BlindIndexField(source="full_name", kind="name")
    date_of_birth = EncryptedTextField(null=True, blank=True, help_text="ISO date, encrypted.")
    phone = EncryptedTextField(
        null=True, blank=True, help_text="A number that is safe to use, E.164."
    )
    phone_index = BlindIndexField(source="phone", kind="phone")
    email = EncryptedTextField(null=True, blank=True)
    email_index = BlindIndexField(source="email", kind="email")
    address = EncryptedTextField(null=True, blank=True)
    # Communication
    preferred_channel = models.CharField(
        max_length=10, choices=Channel.choices, default=Channel.PHONE
    )
    language = models.CharField(
        max_length=12, default="en", help_text="BCP 47 code, e.g. pl, ur, pa."
    )
    interpreter_needed = models.BooleanField(default=False)
    accessible_format = models.CharField(
        max_length=20, choices=AccessibleFormat.choices, blank=True, default=""
    )
    # Safe-contact rules
    wants_updates = models.BooleanField(default=True)
    safe_to_call = models.BooleanField(default=True)
    safe_to_text = models.BooleanField(default=True)
    safe_to_email = models.BooleanField(default=True)
    safe_for_letters = models.BooleanField(
        default=True, help_text="False: no letters to the home address."
    )
    voicemail_allowed = models.BooleanField(default=True)
    safe_from = models.TimeField(null=True, blank=True, help_text="Earliest safe time to contact.")
    safe_until = models.TimeField(null=True, blank=True, help_text="Latest safe time to contact.")
    code_word = EncryptedTextField(null=True, blank=True)
    contact_only_if_victim_initiates = models.BooleanField(default=False)
    # Restricted cases get no automated message until a person has confirmed with
    # the victim that a channel is safe (messaging checks this at send time).
    safe_channel_confirmed_at = models.DateTimeField(null=True, blank=True)
    safe_channel_confirmed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["updated_at"], name="victim_updated_idx")]

    def __str__(self) -> str:
        return f"Victim {self.pk}"


class CrimeVictim(models.Model):
    """A person's link to a crime: the victim, or a relative or parent who is the contact."""

    crime = models.ForeignKey(Crime, on_delete=models.CASCADE, related_name="victim_links")
    victim = models.ForeignKey(Victim, on_delete=models.PROTECT, related_name="crime_links")
    role = models.CharField(max_length=30, choices=VictimRole.choices, default=VictimRole.VICTIM)
    is_primary_contact = models.BooleanField(default=True)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["crime", "victim"], name="crimevictim_uniq")]
        indexes = [models.Index(fields=["victim", "crime"], name="crimevictim_victim_idx")]

    def __str__(self) -> str:
        return f"{self.crime_id}/{self.victim_id}"


class EqualityData(models.Model):
    """Self-declared equality data, kept apart from the case and read only for statistics."""

    victim = models.OneToOneField(Victim, on_delete=models.CASCADE, related_name="equality")
    age_band = models.CharField(max_length=10, choices=AgeBand.choices, default=AgeBand.NOT_SAID)
    sex = models.CharField(max_length=20, blank=True)
    ethnicity = models.CharField(max_length=60, blank=True)
    disability = models.CharField(max_length=20, blank=True, help_text="yes, no or not_said")
    recorded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Equality data {self.pk}"


class ConsentRecord(models.Model):
    """A consent given or withdrawn, with when and how. Append-only: the latest per kind counts."""

    victim = models.ForeignKey(Victim, on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(max_length=20, choices=ConsentKind.choices)
    given = models.BooleanField()
    method = models.CharField(max_length=20, choices=ConsentMethod.choices)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        indexes = [
            models.Index(fields=["victim", "kind", "-recorded_at"], name="consent_victim_kind_idx")
        ]

    def __str__(self) -> str:
        return f"{self.kind}={'yes' if self.given else 'no'}"


class NeedsAssessment(models.Model):
    """The one needs assessment per victim that every authorised agency sees ("tell us once").

    The content lives in NeedsAssessmentVersion rows; `current` points at the latest."""

    victim = models.OneToOneField(Victim, on_delete=models.CASCADE, related_name="needs")
    current = models.ForeignKey(
        "NeedsAssessmentVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"Needs assessment {self.pk}"


class NeedsAssessmentVersion(models.Model):
    """One version of a needs assessment. Never changed: a change is a new version.

    List fields hold codes from constants (Vulnerability, SpecialMeasure,
    SupportNeed, EnhancedReason)."""

    assessment = models.ForeignKey(
        NeedsAssessment, on_delete=models.CASCADE, related_name="versions"
    )
    version = models.PositiveIntegerField()
    vulnerabilities = models.JSONField(default=list, blank=True)
    communication_needs = models.CharField(max_length=500, blank=True)
    special_measures = models.JSONField(default=list, blank=True)
    support_wanted = models.JSONField(default=list, blank=True)
    enhanced = models.BooleanField(default=False)
    enhanced_reasons = models.JSONField(default=list, blank=True)
    update_interval_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Contact plan: days between regular updates the victim agreed (blank: the Code's default).",
    )
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_by_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "version"], name="needsversion_uniq"),
            models.CheckConstraint(
                condition=models.Q(enhanced=False) | ~models.Q(enhanced_reasons=[]),
                name="needsversion_enhanced_has_reason",
            ),
        ]
        ordering = ["assessment", "-version"]

    def __str__(self) -> str:
        return f"v{self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableRowError(
                "A needs assessment version is never changed; add a new version."
            )
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ImmutableRowError("A needs assessment version is never deleted.")


class JourneyEvent(models.Model):
    """One typed event on a crime's timeline. Never edited or deleted.

    `occurred_at` is when it happened; `received_at` when the recording
    organisation learned of it (Witness Care duties run from receipt). A
    correction is a new event with `supersedes` set. `details` holds the
    event's typed fields (e.g. hearing date and court, bail conditions) and no
    free-text personal data beyond what the event needs.
    """

    crime = models.ForeignKey(Crime, on_delete=models.CASCADE, related_name="events")
    code = models.CharField(max_length=40, choices=EventCode.choices)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField()
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    recording_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+"
    )
    victim = models.ForeignKey(
        Victim,
        on_delete=models.PROTECT,
        related_name="events",
        null=True,
        blank=True,
        help_text="For contacts and victim-specific events.",
    )
    details = models.JSONField(default=dict, blank=True)
    summary = models.CharField(max_length=500, blank=True)
    supersedes = models.ForeignKey(
        "self", on_delete=models.PROTECT, related_name="superseded_by", null=True, blank=True
    )
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["recording_organisation", "idempotency_key"], name="event_idempotency_uniq"
            ),
        ]
        indexes = [
            models.Index(fields=["crime", "-occurred_at"], name="event_crime_time_idx"),
            models.Index(fields=["code", "occurred_at"], name="event_code_time_idx"),
            models.Index(fields=["recorded_at"], name="event_recorded_idx"),
        ]
        ordering = ["-occurred_at", "-id"]

    def __str__(self) -> str:
        return f"{self.code} {self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableRowError("A journey event is never changed; record a correction.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ImmutableRowError("A journey event is never deleted; record a correction.")


class IntakeDraft(models.Model):
    """An officer's unfinished crime intake, so a multi-page form can be saved and resumed.

    The answers are personal data, so they are stored encrypted (JSON text).
    Drafts belong to one officer and are deleted when the crime is recorded or
    after the retention period (a periodic job)."""

    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="intake_drafts")
    data = EncryptedTextField(default="{}")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["owner", "-updated_at"], name="draft_owner_idx")]

    def __str__(self) -> str:
        return f"Draft {self.pk}"
