"""Enumerations for the case record. Event codes follow ../shared/domain/vcop.md."""

from django.db import models


class CrimeStatus(models.TextChoices):
    OPEN = "open", "Open"
    SUSPECT_CHARGED = "suspect_charged", "Suspect charged"
    IN_COURT = "in_court", "In court"
    CLOSED = "closed", "Closed"


class CrimeOutcome(models.TextChoices):
    NONE = "", "No outcome yet"
    NO_SUSPECT = "no_suspect", "No suspect identified"
    NO_FURTHER_ACTION = "no_further_action", "No further action"
    OUT_OF_COURT = "out_of_court", "Out-of-court disposal"
    NOT_PROSECUTED = "not_prosecuted", "Decision not to prosecute"
    CONVICTED = "convicted", "Convicted"
    ACQUITTED = "acquitted", "Acquitted"
    WITHDRAWN = "withdrawn", "Victim withdrew support"


class OffenceGroup(models.TextChoices):
    """Home Office counting groups (simplified)."""

    HOMICIDE = "homicide", "Homicide"
    VIOLENCE_WITH_INJURY = "violence_with_injury", "Violence with injury"
    VIOLENCE_WITHOUT_INJURY = "violence_without_injury", "Violence without injury"
    STALKING_HARASSMENT = "stalking_harassment", "Stalking and harassment"
    SEXUAL_OFFENCES = "sexual_offences", "Sexual offences"
    ROBBERY = "robbery", "Robbery"
    BURGLARY = "burglary", "Burglary"
    VEHICLE_OFFENCES = "vehicle_offences", "Vehicle offences"
    THEFT = "theft", "Theft"
    CRIMINAL_DAMAGE = "criminal_damage", "Criminal damage and arson"
    FRAUD = "fraud", "Fraud"
    PUBLIC_ORDER = "public_order", "Public order offences"
    OTHER = "other", "Other offences"


class EventCode(models.TextChoices):
    # Police investigation (VCOP Right 6)
    CRIME_REPORTED = "crime_reported", "Crime reported"
    STATEMENT_TAKEN = "statement_taken", "Statement taken"
    DECISION_NOT_TO_INVESTIGATE = "decision_not_to_investigate", "Decision not to investigate"
    SUSPECT_ARRESTED = "suspect_arrested", "Suspect arrested"
    SUSPECT_INTERVIEWED = "suspect_interviewed", "Suspect interviewed"
    RELEASED_NO_FURTHER_ACTION = "released_no_further_action", "Released with no further action"
    RELEASED_ON_BAIL = "released_on_bail", "Released on bail"
    RELEASED_UNDER_INVESTIGATION = "released_under_investigation", "Released under investigation"
    BAIL_CONDITIONS_CHANGED = "bail_conditions_changed", "Bail conditions changed"
    BAIL_CANCELLED = "bail_cancelled", "Bail cancelled"
    CHARGED = "charged", "Charged"
    OUT_OF_COURT_DISPOSAL = "out_of_court_disposal", "Out-of-court disposal"
    DECISION_NOT_TO_PROSECUTE = "decision_not_to_prosecute", "Decision not to prosecute"
    CHARGE_DROPPED = "charge_dropped", "Charge dropped"
    CHARGE_ALTERED = "charge_altered", "Charge altered"
    VRR_REQUESTED = "vrr_requested", "Victims' Right to Review requested"
    # Court and Witness Care (VCOP Rights 8, 9)
    HEARING_SCHEDULED = "hearing_scheduled", "Hearing scheduled"
    HEARING_CHANGED = "hearing_changed", "Hearing changed"
    BAIL_HEARING_OUTCOME = "bail_hearing_outcome", "Bail hearing outcome"
    WARRANT_ISSUED = "warrant_issued", "Warrant issued"
    WITNESS_REQUIRED = "witness_required", "Witness required (not guilty plea)"
    VERDICT = "verdict", "Verdict"
    SENTENCED = "sentenced", "Sentenced"
    APPEAL_LODGED = "appeal_lodged", "Appeal lodged"
    # Probation (VCOP Right 11)
    VCS_REFERRAL_RECEIVED = "vcs_referral_received", "Victim Contact Scheme referral received"
    OFFENDER_RELEASED = "offender_released", "Offender released from custody"
    # Complaints (VCOP Right 12)
    COMPLAINT_RECEIVED = "complaint_received", "Complaint received"
    COMPLAINT_RESPONDED = "complaint_responded", "Complaint responded to"
    # Referrals to support services (VCOP Right 4)
    REFERRAL_SENT = "referral_sent", "Referred to a support service"
    REFERRAL_DECLINED = "referral_declined", "The victim did not want a referral"
    # Contacts with the victim
    CONTACT_VISIT = "contact_visit", "Visit to the victim"
    CONTACT_CALL = "contact_call", "Call with the victim"
    CONTACT_LETTER = "contact_letter", "Letter to the victim"
    CONTACT_MESSAGE = "contact_message", "Message to the victim"
    # Record changes that belong on the timeline
    NEEDS_ASSESSED = "needs_assessed", "Needs assessment recorded"
    ENHANCED_ELIGIBILITY_CHANGED = (
        "enhanced_eligibility_changed",
        "Enhanced rights eligibility changed",
    )
    CASE_SHARED = "case_shared", "Case shared with an organisation"
    CASE_CLOSED = "case_closed", "Case closed"


CONTACT_EVENTS = frozenset(
    {
        EventCode.CONTACT_VISIT,
        EventCode.CONTACT_CALL,
        EventCode.CONTACT_LETTER,
        EventCode.CONTACT_MESSAGE,
    }
)


class Channel(models.TextChoices):
    SMS = "sms", "Text message"
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone call"
    LETTER = "letter", "Letter"


class AccessibleFormat(models.TextChoices):
    STANDARD = "", "No special format"
    LARGE_PRINT = "large_print", "Large print"
    EASY_READ = "easy_read", "Easy read"
    BRAILLE = "braille", "Braille"
    BSL = "bsl", "British Sign Language"


class VpsOutcome(models.TextChoices):
    """VCOP Right 7: whether a Victim Personal Statement was offered, and the answer."""

    MADE = "made", "Offered and made"
    DECLINED = "declined", "Offered and declined"
    NOT_OFFERED = "not_offered", "Not offered"


class VictimRole(models.TextChoices):
    """How a person is linked to a crime (the Victims' Code lets a relative or parent be the contact)."""

    VICTIM = "victim", "Victim"
    BEREAVED_RELATIVE = "bereaved_relative", "Close relative of someone who died"
    PARENT_OR_GUARDIAN = "parent_or_guardian", "Parent or guardian of a victim under 18"
    NOMINATED_CONTACT = "nominated_contact", "Contact nominated by the victim"


class EnhancedReason(models.TextChoices):
    """VCOP enhanced-rights categories (vcop.md, "Enhanced rights")."""

    MOST_SERIOUS_CRIME = "most_serious_crime", "Victim of the most serious crime"
    PERSISTENTLY_TARGETED = "persistently_targeted", "Persistently targeted"
    UNDER_18 = "under_18", "Under 18 at the time of the offence"
    MENTAL_DISORDER = "mental_disorder", "Mental disorder"
    IMPAIRMENT = "impairment", "Significant impairment of intelligence and social functioning"
    PHYSICAL_DISABILITY = "physical_disability", "Physical disability or disorder"
    INTIMIDATED = "intimidated", "Intimidated (fear or distress about testifying)"


class Vulnerability(models.TextChoices):
    ELDERLY = "elderly", "Older person"
    MENTAL_HEALTH = "mental_health", "Mental health condition"
    LEARNING_DISABILITY = "learning_disability", "Learning disability"
    PHYSICAL_DISABILITY = "physical_disability", "Physical disability"
    REPEAT_VICTIM = "repeat_victim", "Repeat victim"
    ISOLATED = "isolated", "Socially isolated"
    SUBSTANCE_MISUSE = "substance_misuse", "Substance misuse"
    HOMELESS = "homeless", "Homeless or insecure housing"


class SpecialMeasure(models.TextChoices):
    SCREENS = "screens", "Screens in the courtroom"
    LIVE_LINK = "live_link", "Give evidence by live link"
    PRIVATE_EVIDENCE = "private_evidence", "Public gallery cleared"
    WIGS_GOWNS = "wigs_gowns", "Wigs and gowns removed"
    RECORDED_INTERVIEW = "recorded_interview", "Video-recorded interview as evidence"
    INTERMEDIARY = "intermediary", "Intermediary"
    COMMUNICATION_AIDS = "communication_aids", "Communication aids"


class SupportNeed(models.TextChoices):
    EMOTIONAL = "emotional", "Emotional support"
    PRACTICAL = "practical", "Practical help (e.g. locks, repairs)"
    IDVA = "idva", "Independent domestic violence adviser"
    ISVA = "isva", "Independent sexual violence adviser"
    HOUSING = "housing", "Housing advice"
    FINANCIAL = "financial", "Financial advice"
    COUNSELLING = "counselling", "Counselling"


class ConsentKind(models.TextChoices):
    REFERRAL = "referral", "Referral to support services"
    SHARING = "sharing", "Sharing details with partner agencies"
    FEEDBACK_CONTACT = "feedback_contact", "Contact to ask for feedback"


class ConsentMethod(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    PHONE = "phone", "By phone"
    WRITTEN = "written", "In writing"
    ONLINE = "online", "Online"


class AgeBand(models.TextChoices):
    UNDER_16 = "under_16", "Under 16"
    AGE_16_24 = "16_24", "16 to 24"
    AGE_25_34 = "25_34", "25 to 34"
    AGE_35_44 = "35_44", "35 to 44"
    AGE_45_54 = "45_54", "45 to 54"
    AGE_55_64 = "55_64", "55 to 64"
    AGE_65_PLUS = "65_plus", "65 or over"
    NOT_SAID = "not_said", "Prefer not to say"


class Sex(models.TextChoices):
    """Self-declared sex, for equality statistics only (EqualityData.sex)."""

    FEMALE = "female", "Female"
    MALE = "male", "Male"
    NOT_SAID = "not_said", "Prefer not to say"


class Ethnicity(models.TextChoices):
    """The five high-level ethnic groups of the 2021 Census (England and Wales),
    for equality statistics only (EqualityData.ethnicity)."""

    ASIAN = "asian", "Asian or Asian British"
    BLACK = "black", "Black, Black British, Caribbean or African"
    MIXED = "mixed", "Mixed or multiple ethnic groups"
    WHITE = "white", "White"
    OTHER = "other", "Another ethnic group"
    NOT_SAID = "not_said", "Prefer not to say"


class DisabilityAnswer(models.TextChoices):
    """Self-declared disability (validation.DISABILITY_ANSWERS), for statistics only."""

    YES = "yes", "Yes"
    NO = "no", "No"
    NOT_SAID = "not_said", "Prefer not to say"
