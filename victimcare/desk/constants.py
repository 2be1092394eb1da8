"""Choices of the desk console: calls, call backs and escalations."""

from __future__ import annotations

import datetime as dt

from django.db import models

SUMMARY_MAX = 2000
OUTCOME_MAX = 1000
REASON_MAX = 1000
# A call back is due this long after the start of the time it was booked for.
CALL_BACK_WINDOW = dt.timedelta(hours=1)
# How far ahead a call back may be booked.
CALL_BACK_HORIZON = dt.timedelta(days=28)
OFFERED_SLOTS = 3


class CallChannel(models.TextChoices):
    PHONE_IN = "phone_in", "Phone: they rang the desk"
    PHONE_OUT = "phone_out", "Phone: the desk rang them"
    CALL_BACK = "call_back", "Phone: a call back they asked for"
    RELAY = "relay", "Relay service or interpreter line"


class Caller(models.TextChoices):
    VICTIM = "victim", "The victim"
    CONTACT = "contact", "A contact recorded on the case"
    THIRD_PARTY = "third_party", "Someone else (nothing about the case was discussed)"


class Topic(models.TextChoices):
    """What the victim was told, in fixed words: these go on the shared timeline,
    free text (which may hold personal data) does not."""

    BAIL = "bail", "the suspect's bail and its conditions"
    PROGRESS = "progress", "how the investigation is going"
    NEXT_STEPS = "next_steps", "what happens next"
    COURT = "court", "court dates and what to expect"
    SUPPORT = "support", "support services they can use"
    RIGHTS = "rights", "their rights under the Victims' Code"
    COMPLAINT = "complaint", "how to complain"


class FollowUp(models.TextChoices):
    NONE = "none", "No follow-up"
    CALL_BACK = "call_back", "Book a call back"
    ESCALATE = "escalate", "Escalate to the officer in the case or a supervisor"


class CallBackReason(models.TextChoices):
    """Why a call back is wanted, in fixed words (no free personal text)."""

    UPDATE = "update", "An update on the case"
    QUESTION = "question", "A question the desk needs to find out about"
    SUPPORT = "support", "Support or a referral"
    COURT = "court", "Court or witness questions"
    OTHER = "other", "Something else"


class CallBackSource(models.TextChoices):
    DESK = "desk", "Booked by the desk"
    PORTAL = "portal", "Asked for on the portal"


class CallBackState(models.TextChoices):
    OPEN = "open", "To do"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class CallBackCancelReason(models.TextChoices):
    """Why a call back is cancelled, in fixed words (no free personal text)."""

    VICTIM_ASKED = "victim_asked", "The victim asked to cancel it"
    DEALT_WITH = "dealt_with", "Dealt with another way"
    DUPLICATE = "duplicate", "Booked twice by mistake"
    NOT_SAFE = "not_safe", "Not safe to call them now"
    CANNOT_REACH = "cannot_reach", "They cannot be reached on any safe number"


class EscalateTo(models.TextChoices):
    OIC = "oic", "The officer in the case"
    SUPERVISOR = "supervisor", "A supervisor of the officer's team"


class EscalationState(models.TextChoices):
    """An escalation's state: its contact task's (messaging.TaskState)."""

    OPEN = "open", "To do"
    DONE = "done", "Done"


# The contact task of an escalation: fixed words only (the reason itself is
# encrypted on the escalation and read on its own, audited, page).
ESCALATION_TASK_REASON = {
    "oic": "The desk asks you, as the officer in the case, to act. Read what they asked.",
    "supervisor": "The desk asks you, as a supervisor of the officer's team, to act. "
    "Read what they asked.",
}
