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
