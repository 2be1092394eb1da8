"""Victims' Code rules as versioned data, and the local closures of the calendar.

A RuleSet is one edition of the Code (loaded from duties/data/<edition>.json by
`victimcare duties load-rules`); each Rule is one row of its table for one trigger
event. A new Code is a new RuleSet with a later effective date, so duties keep the
rule (and edition) that applied when they arose.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from victimcare.accounts.models import Organisation, User
from victimcare.cases.constants import EventCode
from victimcare.cases.models import Crime, JourneyEvent, Victim

from .constants import (
    FIRST_RIGHT,
    LAST_RIGHT,
    Clock,
    DeadlineKind,
    DutyState,
    NotificationKind,
    Owner,
)


class LocalClosure(models.Model):
    """A day the force or unit treats as non-working, on top of bank holidays."""

    date = models.DateField(unique=True)
    reason = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d}: {self.reason}"


class RuleSet(models.Model):
    """One edition of the Victims' Code, in force from `effective_from` while active."""

    edition = models.SlugField(max_length=60, unique=True)
    title = models.CharField(max_length=300)
    effective_from = models.DateField()
    source = models.TextField(blank=True)
    loaded_at = models.DateTimeField(default=timezone.now)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-effective_from"]
        indexes = [
            models.Index(fields=["active", "effective_from"], name="duties_ruleset_in_force_idx")
        ]

    def __str__(self) -> str:
        return self.edition


def _one_of(prefix: str) -> Q:
    names = [f"{prefix}_{kind}" for kind in DeadlineKind.values]
    options = Q()
    for chosen in names:
        option = Q(**{f"{chosen}__isnull": False})
        for other in names:
            if other != chosen:
                option &= Q(**{f"{other}__isnull": True})
        options |= option
    return options


def _positive(prefix: str) -> Q:
    condition = Q()
    for kind in DeadlineKind.values:
        name = f"{prefix}_{kind}"
        condition &= Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__gt": 0})
    return condition


class Rule(models.Model):
    """A duty one trigger event creates: who owes what to the victim, by when, under which right."""

    rule_set = models.ForeignKey(RuleSet, on_delete=models.CASCADE, related_name="rules")
    code = models.SlugField(max_length=80)
    position = models.PositiveSmallIntegerField(default=0, help_text="Order in the rule file.")
    trigger = models.CharField(max_length=40, choices=EventCode.choices)
    conditions = models.JSONField(default=dict, blank=True)
    duty = models.TextField()
    owner = models.CharField(max_length=20, choices=Owner.choices)
    clock = models.CharField(max_length=10, choices=Clock.choices, default=Clock.OCCURRED)
    standard_working_days = models.PositiveSmallIntegerField(null=True, blank=True)
    standard_hours = models.PositiveSmallIntegerField(null=True, blank=True)
    standard_cadence_days = models.PositiveSmallIntegerField(null=True, blank=True)
    enhanced_working_days = models.PositiveSmallIntegerField(null=True, blank=True)
    enhanced_hours = models.PositiveSmallIntegerField(null=True, blank=True)
    enhanced_cadence_days = models.PositiveSmallIntegerField(null=True, blank=True)
    right = models.PositiveSmallIntegerField()
    source = models.TextField(blank=True, help_text="Where in the Code this rule comes from.")
    confirmed = models.BooleanField(
        default=True, help_text="False for rows not yet confirmed in the Code's own text."
    )
    retired = models.BooleanField(
        default=False,
        help_text="Dropped from the edition's file: creates no new duties, kept for the duties it made.",
    )

    class Meta:
        ordering = ["rule_set", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["rule_set", "code"], name="duties_rule_code_unique"),
            models.CheckConstraint(
                condition=Q(right__gte=FIRST_RIGHT, right__lte=LAST_RIGHT),
                name="duties_rule_right_1_12",
            ),
            models.CheckConstraint(
                condition=_one_of("standard"), name="duties_rule_one_standard_deadline"
            ),
            models.CheckConstraint(
                condition=_one_of("enhanced"), name="duties_rule_one_enhanced_deadline"
            ),
            models.CheckConstraint(
                condition=_positive("standard") & _positive("enhanced"),
                name="duties_rule_deadlines_positive",
            ),
        ]
        indexes = [models.Index(fields=["rule_set", "trigger"], name="duties_rule_trigger_idx")]

    def __str__(self) -> str:
        return self.code

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from .conditions import conditions_problem

        if problem := conditions_problem(self.conditions):
            raise ValidationError({"conditions": problem})

    def deadline(self, *, enhanced: bool) -> tuple[DeadlineKind, int]:
        """The (kind, amount) of the standard or enhanced deadline."""
        prefix = "enhanced" if enhanced else "standard"
        for kind in DeadlineKind:
            value = getattr(self, f"{prefix}_{kind.value}")
            if value is not None:
                return kind, int(value)
        raise ValueError(f"Rule {self.code} has no {prefix} deadline.")


class Duty(models.Model):
    """What one victim is owed because of one event, by whom and by when.

    Created by `services.duties_for_event` from the rule in force when the event
    happened; the rule (and so its edition) stays linked, so a later Code never
    changes an old duty. The deadline is stored with how it was counted
    (`started_at`, `deadline_kind`, `deadline_amount`, `enhanced`) so the duty
    page can explain it. Tightening creates a new duty and marks this one
    `replaced` (`replaced_by`). A done duty reopens only when the message that
    completed it failed (`services.duty_reopen`, audited).
    """

    crime = models.ForeignKey(Crime, on_delete=models.CASCADE, related_name="duties")
    victim = models.ForeignKey(Victim, on_delete=models.PROTECT, related_name="duties")
    event = models.ForeignKey(
        JourneyEvent,
        on_delete=models.PROTECT,
        related_name="duties",
        help_text="The event that created the duty (for a periodic update, the contact that started the period).",
    )
    rule = models.ForeignKey(Rule, on_delete=models.PROTECT, related_name="duties")
    right = models.PositiveSmallIntegerField()
    owner = models.CharField(max_length=20, choices=Owner.choices)
    owner_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="duties",
        help_text="The organisation whose worklist holds the duty.",
    )
    assignee = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="duties",
        null=True,
        blank=True,
        help_text="The person who owes it (the officer in the case for police duties).",
    )
    enhanced = models.BooleanField(help_text="Counted with the enhanced-rights deadline.")
    deadline_kind = models.CharField(max_length=20, choices=DeadlineKind.choices)
    deadline_amount = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField(help_text="When the clock started (day 0).")
    due_at = models.DateTimeField()
    state = models.CharField(max_length=20, choices=DutyState.choices, default=DutyState.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    # Done
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    completed_event = models.ForeignKey(
        JourneyEvent,
        on_delete=models.PROTECT,
        related_name="fulfilled_duties",
        null=True,
        blank=True,
        help_text="The contact with the victim that fulfilled the duty.",
    )
    on_time = models.BooleanField(null=True, blank=True)
    # Not applicable (a person says so, with a reason) or closed by the system
    closed_reason = models.CharField(max_length=500, blank=True)
    closed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    # History
    replaced_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, related_name="replaces", null=True, blank=True
    )
    previous = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        related_name="next_duties",
        null=True,
        blank=True,
        help_text="The periodic update duty done before this one.",
    )
    overdue_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(
        default=timezone.now,
        help_text="When the row last changed. Every write sets it (duties.services, "
        "duties.jobs): the partner API's incremental sync reads it.",
    )

    class Meta:
        constraints = [
            # One live duty per event, victim and rule: recording is idempotent.
            models.UniqueConstraint(
                fields=["event", "victim", "rule"],
                condition=~Q(state=DutyState.REPLACED) & Q(previous__isnull=True),
                name="duty_event_victim_rule_uniq",
            ),
            # A done periodic update starts exactly one next one.
            models.UniqueConstraint(
                fields=["previous"],
                condition=Q(previous__isnull=False) & ~Q(state=DutyState.REPLACED),
                name="duty_one_next_uniq",
            ),
            models.CheckConstraint(
                condition=~Q(state=DutyState.DONE)
                | (Q(completed_at__isnull=False) & Q(on_time__isnull=False)),
                name="duty_done_has_completion",
            ),
            models.CheckConstraint(
                condition=~Q(state=DutyState.NOT_APPLICABLE) | ~Q(closed_reason=""),
                name="duty_not_applicable_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["assignee", "state", "due_at"], name="duty_assignee_idx"),
            models.Index(
                fields=["owner_organisation", "state", "due_at"], name="duty_organisation_idx"
            ),
            models.Index(
                fields=["due_at"],
                condition=Q(state=DutyState.OPEN),
                name="duty_open_due_idx",
            ),
            models.Index(fields=["crime", "victim"], name="duty_crime_victim_idx"),
            # The partner API's sync of a crime's duties (modified_since).
            models.Index(fields=["crime", "updated_at"], name="duty_crime_updated_idx"),
        ]
        ordering = ["due_at", "id"]

    def __str__(self) -> str:
        return f"Duty {self.pk}"

    @property
    def owed(self) -> bool:
        return self.state in (DutyState.OPEN, DutyState.OVERDUE)


class DutyNotification(models.Model):
    """An in-app reminder or escalation about a duty, for one person. Written once."""

    duty = models.ForeignKey(Duty, on_delete=models.CASCADE, related_name="notifications")
    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="duty_notifications")
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(
        null=True, blank=True, help_text="When it went out in the person's email digest."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["duty", "recipient", "kind"], name="dutynotification_once_uniq"
            )
        ]
        indexes = [
            models.Index(
                fields=["recipient", "read_at", "-created_at"], name="dutynotification_inbox_idx"
            )
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"
