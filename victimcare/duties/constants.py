"""Enumerations of the Victims' Code rules (../shared/domain/vcop.md)."""

from django.db import models

# The rule file loaded when no other is named (duties/data/<name>.json).
DEFAULT_RULE_FILE = "vcop-2021"

# Deadlines are counted on the England and Wales calendar, in London time.
CALENDAR_TIMEZONE = "Europe/London"
HOLIDAY_COUNTRY = "GB"
HOLIDAY_SUBDIVISION = "ENG"


class Owner(models.TextChoices):
    """Who owes the duty."""

    POLICE = "police", "Police"
    CPS = "cps", "Crown Prosecution Service"
    WCU = "wcu", "Witness Care Unit"
    PROBATION = "probation", "Probation (Victim Contact Scheme)"
    ANY_PROVIDER = "any_provider", "The provider complained about"


class Clock(models.TextChoices):
    """Which moment starts a duty's clock: the event, or the owner learning of it."""

    OCCURRED = "occurred", "When the event happened"
    RECEIVED = "received", "When the duty-holder received the information"


class DeadlineKind(models.TextChoices):
    WORKING_DAYS = "working_days", "Working days"
    HOURS = "hours", "Hours"
    CADENCE_DAYS = "cadence_days", "Agreed cadence (calendar days)"


FIRST_RIGHT = 1
LAST_RIGHT = 12


class DutyState(models.TextChoices):
    """Where a duty is. Open and overdue are owed; the others are finished.

    `replaced` keeps the history when a tighter deadline (the victim became
    eligible for enhanced rights) replaced an open duty."""

    OPEN = "open", "Open"
    OVERDUE = "overdue", "Overdue"
    DONE = "done", "Done"
    NOT_APPLICABLE = "not_applicable", "Not applicable"
    REPLACED = "replaced", "Replaced by a tighter deadline"


OWED_STATES = (DutyState.OPEN, DutyState.OVERDUE)


class NotificationKind(models.TextChoices):
    """In-app notifications about duties (the messaging issue adds email)."""

    REMINDER = "reminder", "Due by the end of the next working day"
    ESCALATION = "escalation", "Overdue: escalated to a supervisor"


# Why the system (not a person) closed a duty: shown on the duty and in figures.
REASON_INVESTIGATION_CLOSED = "The investigation is no longer open, so regular updates stop."
