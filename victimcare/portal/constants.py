"""The tags the support directory and the /support/ filters use.

Codes only: the words shown for each tag are page texts (`crime.<code>`,
`who.<code>` in data/page/<language>.json), so they are translated with the
rest of the page.
"""

from __future__ import annotations

from django.db import models

from victimcare.cases.constants import OffenceGroup

# A service tagged with ANY_CRIME helps victims of every type of crime; one
# helping EVERYONE helps anyone, whoever they are.
ANY_CRIME = "any_crime"
EVERYONE = "everyone"
ALL_LONDON = "all"

# Types of crime, in the order the filter offers them.
CRIME_TAGS: tuple[str, ...] = (
    ANY_CRIME,
    "domestic_abuse",
    "sexual_violence",
    "stalking_harassment",
    "hate_crime",
    "fraud",
    "violence",
    "robbery",
    "burglary",
    "theft",
    "honour_based_abuse",
    "modern_slavery",
    "intimate_image_abuse",
    "homicide",
)

# Who a service is for, in the order the filter offers them.
WHO_TAGS: tuple[str, ...] = (
    EVERYONE,
    "children_young_people",
    "older_people",
    "women",
    "men",
    "lgbt",
    "disabled_people",
    "other_languages",
)

# The case record's offence groups as directory tags, so a case page can link
# to /support/?crime=<tag> for its crime (the case tracker, a later issue).
OFFENCE_GROUP_TAGS: dict[str, str] = {
    OffenceGroup.HOMICIDE: "homicide",
    OffenceGroup.VIOLENCE_WITH_INJURY: "violence",
    OffenceGroup.VIOLENCE_WITHOUT_INJURY: "violence",
    OffenceGroup.STALKING_HARASSMENT: "stalking_harassment",
    OffenceGroup.SEXUAL_OFFENCES: "sexual_violence",
    OffenceGroup.ROBBERY: "robbery",
    OffenceGroup.BURGLARY: "burglary",
    OffenceGroup.VEHICLE_OFFENCES: "theft",
    OffenceGroup.THEFT: "theft",
    OffenceGroup.CRIMINAL_DAMAGE: ANY_CRIME,
    OffenceGroup.FRAUD: "fraud",
    OffenceGroup.PUBLIC_ORDER: ANY_CRIME,
    OffenceGroup.OTHER: ANY_CRIME,
}


# --- Complaints (VCOP Right 12) ------------------------------------------------

# The full response is due 10 working days after the complaint arrives
# (vcop-2021.json, complaint-received-respond; vcop.md "Rules").
COMPLAINT_RESPONSE_WORKING_DAYS = 10
COMPLAINT_MAX_LENGTH = 5000
RESPONSE_MAX_LENGTH = 5000
NAME_MAX_LENGTH = 150
CRN_MAX_LENGTH = 40
ADDRESS_MAX_LENGTH = 500
# "CMP-" and six characters with no 0/O or 1/I/L to misread over the phone:
# 31**6 ≈ 890 million references, drawn with `secrets`.
REFERENCE_PREFIX = "CMP-"
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERENCE_LENGTH = 6


class ComplaintAbout(models.TextChoices):
    POLICE = "police", "A police officer or member of police staff"
    DESK = "desk", "The Victim Focus Desk"
    OTHER_ORGANISATION = "other_organisation", "Another organisation"
    NOT_SURE = "not_sure", "Not sure"


class ComplaintState(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Responded to and closed"


# Why no acknowledgement message was queued (shown to staff; no personal data).
ACK_NOT_ASKED = "No email address or mobile number was given."
ACK_RESTRICTED = (
    "The crime reference matches a restricted case: nothing is sent automatically. "
    "Reply by a channel the victim has confirmed is safe."
)
ACK_SAFE_CONTACT = (
    "The crime reference matches a case whose victim has safe-contact rules: nothing is "
    "sent automatically. Check them before replying."
)
ACK_NOT_MOBILE = "The phone number is not a mobile: no text was sent. Phone or write instead."
