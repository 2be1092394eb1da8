"""The Victim Voice Forum's fixed choices and limits.

Codes only for what the public page shows: the words for each experience type,
contact preference and "share" item are page texts (`experience.<code>`,
`prefer.<code>`, `share.<code>` in data/page/<language>.json), so they are
translated with the rest of the page. The coordinator's page is in English and
uses the labels here.
"""

from __future__ import annotations

from django.db import models

# The consent wording shown on /forum/join/ (`consent_*` page texts). Change
# this whenever that wording changes in meaning, so each volunteer's record
# says which words they agreed to.
CONSENT_VERSION = "2026-11"

NAME_MAX_LENGTH = 150
EMAIL_MAX_LENGTH = 254
PHONE_MAX_LENGTH = 30
BOROUGH_MAX_LENGTH = 9  # an ONS code, e.g. E09000012 (accounts/data/london.json)


class ExperienceType(models.TextChoices):
    BURGLARY = "burglary", "Burglary"
    VIOLENCE = "violence", "Violence"
    DOMESTIC_ABUSE = "domestic_abuse", "Domestic abuse"
    SEXUAL_OFFENCE = "sexual_offence", "Sexual offence"
    HATE_CRIME = "hate_crime", "Hate crime"
    FRAUD = "fraud", "Fraud"
    ROAD_CRASH = "road_crash", "Road crash"
    BEREAVED = "bereaved", "Bereaved by crime"
    ANTI_SOCIAL = "anti_social", "Anti-social behaviour"
    OTHER = "other", "Another crime"


class ContactPreference(models.TextChoices):
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone call"
    TEXT = "text", "Text message"


class ShareItem(models.TextChoices):
    """What a volunteer may agree to share with the forum coordinator, one by one."""

    NAME = "name", "Name"
    EMAIL = "email", "Email address"
    PHONE = "phone", "Phone number"
    BOROUGH = "borough", "Borough"
    EXPERIENCE = "experience", "Experience of crime"


class Source(models.TextChoices):
    PORTAL = "portal", "Victim portal"
    FEEDBACK = "feedback", "Feedback page"


class ContactStatus(models.TextChoices):
    NEW = "new", "New"
    CONTACTED = "contacted", "Contacted"
    TAKING_PART = "taking_part", "Taking part"
    NOT_REACHED = "not_reached", "Not reached"
    WITHDRAWN = "withdrawn", "Withdrawn"


# The statuses a coordinator may set by hand; WITHDRAWN only comes from a
# withdrawal (services.volunteer_withdraw), which also erases the personal data.
COORDINATOR_STATUSES = (
    ContactStatus.NEW,
    ContactStatus.CONTACTED,
    ContactStatus.TAKING_PART,
    ContactStatus.NOT_REACHED,
)


class WithdrawnVia(models.TextChoices):
    SELF = "self", "The volunteer, with their link"
    COORDINATOR = "coordinator", "The coordinator, as asked (for example by phone)"


# Why no confirmation message was queued (shown to nobody but tests and staff;
# no personal data).
CONFIRM_NOT_MOBILE = "The phone number given is not a mobile: no text was sent."

# Staff page texts (English; the coordinator's page is a staff page).
STATUS_CHANGED = "Contact status updated"
WITHDRAWAL_RECORDED = "Withdrawal recorded: their personal details have been erased"
ALREADY_WITHDRAWN = "This volunteer has already withdrawn."
STATUS_INVALID = "Select a contact status"
WITHDRAW_CONFIRM_REQUIRED = "Confirm that the volunteer asked to leave the forum"
