"""The tags the support directory and the /support/ filters use.

Codes only: the words shown for each tag are page texts (`crime.<code>`,
`who.<code>` in data/page/<language>.json), so they are translated with the
rest of the page.
"""

from __future__ import annotations

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
