"""What the desk records: the calls it takes, the call backs it owes and the
escalations it raises. Free text that may hold personal data is encrypted;
what goes on the shared timeline is the journey event, in fixed words."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from victimcare.core.fields import EncryptedTextField
from victimcare.messaging.constants import TaskState

from .constants import (
    CallBackCancelReason,
    CallBackReason,
    CallBackSource,
    CallBackState,
    CallChannel,
    Caller,
    EscalateTo,
    EscalationState,
)


class DeskCall(models.Model):
    """One call recorded by the desk: the journey event it wrote (the timeline
    entry, which completes duties) and the desk's own note of it."""

    event = models.OneToOneField(
        "cases.JourneyEvent", on_delete=models.PROTECT, related_name="desk_call"
    )
    crime = models.ForeignKey("cases.Crime", on_delete=models.CASCADE, related_name="desk_calls")
    victim = models.ForeignKey("cases.Victim", on_delete=models.PROTECT, related_name="desk_calls")
    channel = models.CharField(max_length=16, choices=CallChannel.choices)
    caller = models.CharField(max_length=16, choices=Caller.choices)
    caller_contact = models.ForeignKey(
        "cases.Victim", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    topics = models.JSONField(default=list, blank=True)
    summary = EncryptedTextField()
    told = EncryptedTextField(blank=True, default="")
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["crime", "victim"], name="desk_call_crime_victim_idx")]

    def __str__(self) -> str:  # ids only: no personal data in logs or admin titles
        return f"Desk call {self.pk}"


class CallBack(models.Model):
    """A call the desk owes a victim: booked within opening hours, due by `due_at`."""

    crime = models.ForeignKey("cases.Crime", on_delete=models.CASCADE, related_name="call_backs")
    victim = models.ForeignKey("cases.Victim", on_delete=models.PROTECT, related_name="call_backs")
    requested_for = models.DateTimeField(help_text="The start of the time the victim asked for.")
    due_at = models.DateTimeField()
    reason = models.CharField(max_length=16, choices=CallBackReason.choices)
    source = models.CharField(
        max_length=8, choices=CallBackSource.choices, default=CallBackSource.DESK
    )
    requested_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The agent who booked it; empty when asked for on the portal.",
    )
    call = models.ForeignKey(
        DeskCall, on_delete=models.SET_NULL, null=True, blank=True, related_name="call_backs"
    )
    assignee = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    state = models.CharField(
        max_length=10, choices=CallBackState.choices, default=CallBackState.OPEN
    )
    created_at = models.DateTimeField(default=timezone.now)
    overdue_flagged_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome = EncryptedTextField(blank=True, default="")
    cancel_reason = models.CharField(
        max_length=16, choices=CallBackCancelReason.choices, blank=True, default=""
    )

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["state", "due_at"], name="desk_callback_state_due_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=CallBackState.values), name="desk_callback_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(state=CallBackState.OPEN) | Q(done_at__isnull=False),
                name="desk_callback_closed_has_time",
            ),
            models.CheckConstraint(
                condition=Q(state=CallBackState.CANCELLED) | Q(cancel_reason=""),
                name="desk_callback_cancel_reason_only_cancelled",
            ),
        ]

    def __str__(self) -> str:
        return f"Call back {self.pk}"


class Escalation(models.Model):
    """The desk asks the officer in the case or a supervisor to act, with a reason.

    Each escalation raises its own DESK_ESCALATION contact task for the person
    asked (their worklist), and its state is that task's: marking the task done
    (on the worklist, or by the desk closing the escalation) closes it. Shown on
    the desk case view while open."""

    crime = models.ForeignKey("cases.Crime", on_delete=models.CASCADE, related_name="escalations")
    victim = models.ForeignKey("cases.Victim", on_delete=models.PROTECT, related_name="+")
    to = models.CharField(max_length=12, choices=EscalateTo.choices)
    assignee = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = EncryptedTextField()
    call = models.ForeignKey(
        DeskCall, on_delete=models.SET_NULL, null=True, blank=True, related_name="escalations"
    )
    raised_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(default=timezone.now)
    task = models.OneToOneField(
        "messaging.ContactTask", on_delete=models.PROTECT, related_name="desk_escalation"
    )

    class Meta:
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["crime", "victim"], name="desk_escalation_case_idx")]

    def __str__(self) -> str:
        return f"Escalation {self.pk}"

    @property
    def state(self) -> str:
        """Open while its contact task is open (the task is the one source of truth)."""
        return EscalationState.OPEN if self.task.state == TaskState.OPEN else EscalationState.DONE
