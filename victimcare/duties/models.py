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

from victimcare.cases.constants import EventCode

from .constants import FIRST_RIGHT, LAST_RIGHT, Clock, DeadlineKind, Owner


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
