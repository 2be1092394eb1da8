"""Choices of the referral flow: services, how they take referrals, states, data problems."""

from __future__ import annotations

from django.db import models

# The Victims' Code: refer within 2 working days of the crime being reported.
REFERRAL_WORKING_DAYS = 2
# A data problem reported by the receiving organisation is fixed within this
# many working days (settings.REFERRAL_RECTIFY_WORKING_DAYS overrides).
RECTIFY_WORKING_DAYS = 1
DECLINE_REASON_MAX = 500
PROBLEM_DESCRIPTION_MAX = 1000


class ServiceKind(models.TextChoices):
    GENERAL = "general", "General victim support"
    IDVA = "idva", "Independent domestic violence adviser (IDVA)"
    ISVA = "isva", "Independent sexual violence adviser (ISVA)"
    RAPE_CRISIS = "rape_crisis", "Rape Crisis"
    HATE_CRIME = "hate_crime", "Hate crime"
    YOUNG_VICTIMS = "young_victims", "Young victims"
    BEREAVED = "bereaved", "Bereaved by crime"
    ROAD_CRASH = "road_crash", "Road crash"
    FRAUD = "fraud", "Fraud"
    LGBT = "lgbt", "LGBT+"
    DISABLED = "disabled", "Disabled victims"
    LANGUAGE = "language", "Specialist language service"


# Services whose capacity is counted in advocates (recommendations 7-8).
ADVOCATE_KINDS = frozenset({ServiceKind.IDVA, ServiceKind.ISVA})


class ReceiveBy(models.TextChoices):
    VICTIMCARE = "victimcare", "In victimcare"
    SECURE_EMAIL = "secure_email", "Secure email"
    API = "api", "Their own system, through the API"


class Gender(models.TextChoices):
    FEMALE = "female", "Women and girls"
    MALE = "male", "Men and boys"
    NON_BINARY = "non_binary", "Non-binary people"


class RiskLevel(models.TextChoices):
    """The risk assessed (DASH for domestic abuse): advocates take high risk."""

    STANDARD = "standard", "Standard"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class ConsentBasis(models.TextChoices):
    """On what basis the victim's details were shared."""

    AUTOMATIC = "automatic", "Automatic referral; the victim did not opt out"
    EXPLICIT = "explicit", "The victim gave explicit consent"


class ReferralState(models.TextChoices):
    SENT = "sent", "Sent"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined by the service"
    CONTACT_MADE = "contact_made", "Contact made"
    NOT_REACHED = "not_reached", "Could not reach the victim"
    SUPPORT_STARTED = "support_started", "Support started"
    CLOSED = "closed", "Closed"
    WITHDRAWN = "withdrawn", "Withdrawn (the victim changed their mind)"


S = ReferralState
# What the receiving organisation may move a referral to, from each state.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.SENT: frozenset({S.ACCEPTED, S.DECLINED, S.WITHDRAWN}),
    S.ACCEPTED: frozenset({S.CONTACT_MADE, S.NOT_REACHED, S.CLOSED, S.WITHDRAWN}),
    S.NOT_REACHED: frozenset({S.CONTACT_MADE, S.CLOSED, S.WITHDRAWN}),
    S.CONTACT_MADE: frozenset({S.SUPPORT_STARTED, S.CLOSED, S.WITHDRAWN}),
    S.SUPPORT_STARTED: frozenset({S.CLOSED, S.WITHDRAWN}),
    S.DECLINED: frozenset(),
    S.CLOSED: frozenset(),
    S.WITHDRAWN: frozenset(),
}
OPEN_STATES = frozenset(s for s, targets in TRANSITIONS.items() if targets)


class ProblemKind(models.TextChoices):
    WRONG_PHONE = "wrong_phone", "Wrong or missing phone number"
    WRONG_EMAIL = "wrong_email", "Wrong or missing email address"
    WRONG_ADDRESS = "wrong_address", "Wrong or missing address"
    MISSING_NEEDS = "missing_needs", "Needs missing or wrong"
    MISSING_RISK = "missing_risk", "Risk missing or wrong"
    WRONG_VICTIM = "wrong_victim", "Details of the wrong person"
    SAFE_CONTACT = "safe_contact", "Safe-contact rules missing or wrong"
    OTHER = "other", "Something else"


class ProblemState(models.TextChoices):
    OPEN = "open", "To fix"
    FIXED = "fixed", "Fixed"
