"""Person-facing error texts of the case record. Tests import these; forms and the
API show them as they are (GOV.UK style: say what to do, not what went wrong)."""

# Crime
CRN_REQUIRED = "Enter the crime reference number"
CRN_FORMAT = "Enter the crime reference number in the correct format, like {example}"
CRN_TAKEN = "A crime with this reference number has already been recorded"
OFFENCE_INACTIVE = "Select an offence from the current list"
AREA_NOT_IN_FORCE = "Select a borough your force polices"
OIC_NOT_OFFICER = "The officer in the case must be an active officer in this force"
RESTRICTED_REASON_REQUIRED = "Enter why the case is restricted"
RESTRICTED_REASON_TOO_LONG = "The reason the case is restricted must be 200 characters or fewer"
OCCURRED_IN_FUTURE = "The date the crime happened must be today or in the past"
REPORTED_IN_FUTURE = "The date the crime was reported must be today or in the past"
OCCURRED_TOO_EARLY = "The date the crime happened must be in 1900 or later"
REPORTED_TOO_EARLY = "The date the crime was reported must be in 1900 or later"
REPORTED_BEFORE_OCCURRED = (
    "The date the crime was reported must be the same as or after the date it happened"
)
NO_POLICE_FORCE = "You can only record a crime as a member of a police force"

# Victim
NAME_REQUIRED = "Enter the person's full name"
NAME_TOO_LONG = "The person's full name must be 200 characters or fewer"
DATE_OF_BIRTH_IN_FUTURE = "Date of birth must be in the past"
DATE_OF_BIRTH_TOO_EARLY = "Date of birth must be after 1 January 1900"
PHONE_INVALID = (
    "Enter a UK phone number, like 07700 900982, or an international number starting with +"
)
EMAIL_INVALID = "Enter an email address in the correct format, like name@example.org"
ADDRESS_TOO_LONG = "The address must be 500 characters or fewer"
ROLE_INVALID = "Select how the person is linked to the crime"
CHANNEL_INVALID = "Select how they would like to be contacted"
LANGUAGE_INVALID = "Enter the language as a language code, like pl for Polish"
ACCESSIBLE_FORMAT_INVALID = "Select an accessible format from the list"
CODE_WORD_TOO_LONG = "The code word must be 100 characters or fewer"
NO_SAFE_CHANNEL = (
    "They want updates, so select at least one safe way to contact them "
    "(phone calls, text messages, emails or letters)"
)
PREFERRED_CHANNEL_NOT_SAFE = (
    "The way they would like to be contacted must be one of the ways that is safe"
)
SAFE_TIMES_ORDER = "The latest safe time must be after the earliest safe time"
SAFE_TIMES_BOTH = "Enter both the earliest and the latest safe time, or neither"

# Needs assessment
CHOICE_INVALID = "Select from the list: {value} is not an option"
CHOICE_REPEATED = "Select each option only once"
COMMUNICATION_NEEDS_TOO_LONG = "Communication needs must be 500 characters or fewer"
ENHANCED_REASON_REQUIRED = "Select why they are eligible for enhanced rights"
UPDATE_INTERVAL_INVALID = "Days between updates must be a whole number from 1 to 91"
FULFILS_NOT_A_CONTACT = "Only a visit, call, letter or message to the victim can fulfil a duty"
FULFILS_NEEDS_A_PERSON = "Select who the contact was with, so the duties it fulfils are theirs"
FULFILS_DUTY_INVALID = "Select duties that are still owed on this case"
FULFILS_DUTY_OTHER_VICTIM = "A contact with one victim cannot fulfil a duty owed to another victim"
FULFILS_DUTY_NOT_YOURS = "You cannot complete a duty owed by another organisation"
VICTIM_NOT_ON_CRIME = "This person is not linked to this crime"

# Consent and equality
CONSENT_KIND_INVALID = "Select what they consented to"
CONSENT_METHOD_INVALID = "Select how they gave their answer"
CONSENT_REPEATED = "Record each consent only once"
AGE_BAND_INVALID = "Select an age band from the list"
DISABILITY_INVALID = "Select yes, no or prefer not to say"
EQUALITY_TOO_LONG = "Answers must be 60 characters or fewer"

# Journey events
EVENT_CODE_UNKNOWN = "Select what happened from the list"
EVENT_CODE_NOT_ALLOWED = "Your organisation cannot record this kind of event on this case"
EVENT_IN_FUTURE = "The date it happened must be today or in the past"
RECEIVED_IN_FUTURE = "The date your organisation learned of it must be today or in the past"
EVENT_TOO_EARLY = "The date it happened must be in 1900 or later"
RECEIVED_TOO_EARLY = "The date your organisation learned of it must be in 1900 or later"
RECEIVED_BEFORE_OCCURRED = (
    "The date you learned of it must be the same as or after the date it happened"
)
HEARING_DATE_REQUIRED = "Enter the date of the hearing"
HEARING_DATE_INVALID = "Enter the date and time of the hearing as an ISO 8601 date and time"
HEARING_COURT_REQUIRED = "Enter the court"
DETAILS_UNKNOWN_FIELD = "{field} is not something recorded for this kind of event"
DETAILS_DATETIME_INVALID = "{field} must be a date and time in ISO 8601 form"
DETAILS_NOT_A_LIST = "{field} must be a list of short texts"
DETAILS_TEXT_INVALID = "{field} must be text of 500 characters or fewer"
DETAILS_NOT_AN_OBJECT = "Details must be a set of named fields"
DETAILS_CHOICE_INVALID = "{field} must be one of: {choices}"
DETAILS_NUMBER_INVALID = "{field} must be a whole number of 0 or more"
DETAILS_BOOLEAN_INVALID = "{field} must be true or false"
OUTCOME_REQUIRED = "Select the outcome of the case"
SUMMARY_TOO_LONG = "The summary must be 500 characters or fewer"
SUPERSEDES_OTHER_CRIME = "A correction must replace an event on the same case"
IDEMPOTENCY_KEY_TOO_LONG = "The idempotency key must be 100 characters or fewer"
IDEMPOTENCY_KEY_REUSED = (
    "This idempotency key was already used by your organisation for another case"
)

# Sharing
SHARE_ORGANISATION_INVALID = "Select an active partner organisation or specialist team"
SHARE_REASON_TOO_LONG = "The reason you are sharing the case must be 200 characters or fewer"

# Search
SEARCH_PURPOSE_REQUIRED = "Enter why you are searching"
PURPOSE_TOO_LONG = "The reason must be 500 characters or fewer"
SEARCH_CRITERIA_REQUIRED = (
    "Enter a crime reference number, a victim's full name or a victim's phone number"
)
SEARCH_DOB_NEEDS_NAME = "Enter the victim's full name as well as their date of birth"
