"""Enumerations and fixed values of insights (statistics, targets, publication)."""

from django.db import models

from victimcare.cases.constants import AgeBand, DisabilityAnswer, Ethnicity, OffenceGroup
from victimcare.feedback.constants import NeedsRecognised

# A cell or figure with fewer responses than this shows "Not enough data" on
# the dashboards: no share, no interval, no verdict against a target.
MIN_BASE = 10

# Unknown values in a dimension (a response that left the question blank, a
# personal-card response with no crime and so no borough or offence).
NOT_KNOWN = "not_known"
NOT_KNOWN_LABEL = "Not known"


class Source(models.TextChoices):
    """Where a satisfaction rating comes from (the evidence base)."""

    FEEDBACK = "feedback", "Rate your contact (feedback service)"
    SURVEY = "survey", "Imported survey"


class Dimension(models.TextChoices):
    """How satisfaction is broken down. `ALL` is the whole (one value, "all").
    Each rollup row holds the counts for one value of one dimension, so any
    single breakdown within a borough and month is a sum of rollup rows."""

    ALL = "all", "All responses"
    OFFENCE_GROUP = "offence_group", "Offence group"
    CONTACT_TYPE = "contact_type", "Contact type"
    AGE_BAND = "age_band", "Age band"
    ETHNICITY = "ethnicity", "Ethnicity"
    DISABILITY = "disability", "Disability"
    NEEDS_RECOGNISED = "needs_recognised", "Vulnerability or needs recognised"


ALL_VALUE = "all"


class ContactType(models.TextChoices):
    """The kind of contact a rating is about."""

    VISIT = "visit", "Visit"
    CALL = "call", "Phone call"
    LETTER = "letter", "Letter"
    MESSAGE = "message", "Message"
    STREET = "street", "In person, no case (personal card)"
    REPORT = "report", "Reporting the crime"


# The values each dimension may take (the survey import checks against these;
# `NOT_KNOWN` is always allowed). Labels come from the same enumerations.
DIMENSION_VALUES: dict[str, dict[str, str]] = {
    Dimension.ALL: {ALL_VALUE: "All responses"},
    Dimension.OFFENCE_GROUP: dict(OffenceGroup.choices),
    Dimension.CONTACT_TYPE: dict(ContactType.choices),
    Dimension.AGE_BAND: dict(AgeBand.choices),
    Dimension.ETHNICITY: dict(Ethnicity.choices),
    Dimension.DISABILITY: dict(DisabilityAnswer.choices),
    Dimension.NEEDS_RECOGNISED: dict(NeedsRecognised.choices),
}

# Groups of values compared in the 2013 report: BAME (every known group but
# White) against White.
ETHNICITY_BAME = frozenset({"asian", "black", "mixed", "other"})


class SurveyImportState(models.TextChoices):
    PENDING = "pending", "Waiting to be checked"
    CHECKING = "checking", "Being checked"
    IMPORTED = "imported", "Imported"
    REJECTED = "rejected", "Rejected"


class Measure(models.TextChoices):
    """What a target is set on. Each is a share (0–100%)."""

    SATISFACTION = "satisfaction", "Victim satisfaction (rated 4 or 5)"
    COMPLIANCE = "compliance", "Victims' Code duties met on time"
    VPS_OFFERED = "vps_offered", "Victim Personal Statement offered"
    REFERRAL_TIMELY = "referral_timely", "Referred to support within 2 working days"


class Rag(models.TextChoices):
    """A figure against its target, judged with its 95% interval."""

    GREEN = "green", "Met"  # the whole interval is at or above the target
    AMBER = "amber", "Cannot tell yet"  # the interval straddles the target
    RED = "red", "Below target"  # the whole interval is below the target
    NOT_ENOUGH = "not_enough", "Not enough data"
