"""Insights: imported survey results, the monthly rollups the dashboards read,
targets, and the quarterly publications.

Raw data (feedback responses, survey responses, duties, journey events) stays
the source of truth; the rollups are derived from it by `rollups.py`, can be
rebuilt at any time, and `rollups_verify` proves they match.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from victimcare.accounts.models import Area, Organisation, User

from .constants import Dimension, Measure, Source, SurveyImportState

RATING_CHECK = models.Q(rating__gte=1) & models.Q(rating__lte=5)


class SurveyImport(models.Model):
    """One uploaded survey file (docs/survey-import.md). Checked whole before
    anything is imported; imported in one transaction or not at all. The file
    is kept only until it has been checked (`content` is emptied after)."""

    survey = models.SlugField(
        max_length=40, help_text="Which survey, e.g. uss. Respondent ids are unique within it."
    )
    filename = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField(default=b"", editable=False)
    state = models.CharField(
        max_length=10, choices=SurveyImportState.choices, default=SurveyImportState.PENDING
    )
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    rows_checked = models.PositiveIntegerField(default=0)
    rows_imported = models.PositiveIntegerField(default=0)
    # Every problem found: [{"row": 12, "column": "rating", "message": "..."}],
    # the first ERRORS_KEPT of them; `error_count` counts them all.
    errors = models.JSONField(default=list, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["-uploaded_at"], name="survey_import_time_idx")]

    def __str__(self) -> str:
        return f"survey import {self.pk}"


class SurveyResponse(models.Model):
    """One respondent's answer from an imported survey: the same dimensions as
    the feedback service, no personal data (the respondent id is the survey's
    own pseudonymous reference)."""

    survey_import = models.ForeignKey(
        SurveyImport, on_delete=models.PROTECT, related_name="responses"
    )
    survey = models.SlugField(max_length=40)
    respondent_id = models.CharField(max_length=64)
    interviewed_on = models.DateField()
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", null=True)
    offence_group = models.CharField(max_length=40)
    contact_type = models.CharField(max_length=20)
    age_band = models.CharField(max_length=20)
    ethnicity = models.CharField(max_length=20)
    disability = models.CharField(max_length=20)
    needs_recognised = models.CharField(max_length=20)
    rating = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "respondent_id"], name="survey_response_respondent_uniq"
            ),
            models.CheckConstraint(condition=RATING_CHECK, name="survey_response_rating_1_5"),
        ]
        indexes = [models.Index(fields=["interviewed_on"], name="survey_response_date_idx")]

    def __str__(self) -> str:
        return f"survey response {self.pk}"


class SatisfactionMonthly(models.Model):
    """Ratings counted per month (London calendar), source, borough, and one
    value of one dimension. The counts of ratings 1–5 are all a figure needs:
    responses, share satisfied (4–5) with its interval, mean and distribution.
    `area` is empty when the borough is not known."""

    month = models.DateField(help_text="The first day of the month.")
    source = models.CharField(max_length=10, choices=Source.choices)
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+", null=True)
    dimension = models.CharField(max_length=20, choices=Dimension.choices)
    value = models.CharField(max_length=40)
    r1 = models.PositiveIntegerField(default=0)
    r2 = models.PositiveIntegerField(default=0)
    r3 = models.PositiveIntegerField(default=0)
    r4 = models.PositiveIntegerField(default=0)
    r5 = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["dimension", "month"], name="satisfaction_monthly_idx"),
        ]

    def __str__(self) -> str:
        return f"satisfaction {self.month:%Y-%m} {self.dimension}={self.value}"


class ComplianceMonthly(models.Model):
    """Victims' Code duties counted per month of their deadline (London
    calendar), right, borough of the crime and the organisation that owes them,
    in the categories of `duties.compliance` as they stood at the last refresh."""

    month = models.DateField()
    right = models.PositiveSmallIntegerField()
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+", null=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    due = models.PositiveIntegerField(default=0)
    on_time = models.PositiveIntegerField(default=0)
    late = models.PositiveIntegerField(default=0)
    overdue = models.PositiveIntegerField(default=0)
    still_open = models.PositiveIntegerField(default=0)
    not_applicable = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["month", "right"], name="compliance_monthly_idx")]

    def __str__(self) -> str:
        return f"compliance {self.month:%Y-%m} right {self.right}"


class StatementMonthly(models.Model):
    """Victim Personal Statement outcomes (VCOP Right 7) of the statements taken
    in a month, per borough and team of the crime (`duties.compliance` rules)."""

    month = models.DateField()
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+", null=True)
    team = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    made = models.PositiveIntegerField(default=0)
    declined = models.PositiveIntegerField(default=0)
    not_offered = models.PositiveIntegerField(default=0)
    not_recorded = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["month"], name="statement_monthly_idx")]

    def __str__(self) -> str:
        return f"statements {self.month:%Y-%m}"


class ReferralMonthly(models.Model):
    """Referrals to support services (VCOP Right 4) sent in a month, per borough
    of the crime: how many, how many within 2 working days, how many passed the
    data-quality gate at the first attempt (`referrals.measures` definitions)."""

    month = models.DateField()
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+", null=True)
    sent = models.PositiveIntegerField(default=0)
    within_deadline = models.PositiveIntegerField(default=0)
    complete_first_time = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["month"], name="referral_monthly_idx")]

    def __str__(self) -> str:
        return f"referrals {self.month:%Y-%m}"


class RollupState(models.Model):
    """When each rollup was last refreshed, and the highest raw row id it had
    seen (rows added since, even back-dated ones, mark their months for refresh)."""

    name = models.CharField(max_length=40, unique=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    rebuilt_at = models.DateTimeField(null=True, blank=True)
    watermark = models.BigIntegerField(default=0)
    seconds = models.FloatField(null=True, blank=True, help_text="How long the last refresh took.")

    def __str__(self) -> str:
        return self.name


class Target(models.Model):
    """An annual target for one measure in one borough (or the whole force when
    `area` is empty) for a financial year (April to March; `year` 2027 is
    2027/28), with interim milestones for the end of each quarter of it.
    Percentages. Set by oversight users; every change is audited."""

    measure = models.CharField(max_length=20, choices=Measure.choices)
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    year = models.PositiveSmallIntegerField(help_text="First year of the financial year.")
    annual = models.DecimalField(max_digits=5, decimal_places=2)
    q1 = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    q2 = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    q3 = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    q4 = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    set_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "area", "year"],
                condition=models.Q(area__isnull=False),
                name="target_measure_area_year_uniq",
            ),
            models.UniqueConstraint(
                fields=["measure", "year"],
                condition=models.Q(area__isnull=True),
                name="target_measure_force_year_uniq",
            ),
            models.CheckConstraint(
                condition=models.Q(annual__gte=0) & models.Q(annual__lte=100),
                name="target_annual_percentage",
            ),
        ]

    def __str__(self) -> str:
        return f"target {self.measure} {self.year}"


class Publication(models.Model):
    """One run of the quarterly publication. The first run of a quarter fixes
    the data snapshot (the highest feedback and survey row ids included); every
    later run of that quarter uses the same snapshot, so it reproduces the same
    files byte for byte and a published figure is never revised (nothing can be
    recovered by differencing two releases)."""

    quarter = models.CharField(max_length=7, help_text="e.g. 2026-Q3 (calendar quarter).")
    response_watermark = models.BigIntegerField()
    survey_watermark = models.BigIntegerField()
    snapshot_sha256 = models.CharField(max_length=64)
    manifest = models.JSONField(default=dict)
    archive = models.BinaryField(default=b"", editable=False)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["quarter", "created_at"], name="publication_quarter_idx")]

    def __str__(self) -> str:
        return f"publication {self.quarter}"
