"""Person-facing error texts of the desk console (tests import these)."""

from victimcare.cases.messages import (  # noqa: F401 (re-exported for the tests)
    EMAIL_INVALID,
    PHONE_INVALID,
    SEARCH_DOB_NEEDS_NAME,
    SEARCH_PURPOSE_REQUIRED,
)

SEARCH_CRITERIA_REQUIRED = (
    "Enter a crime reference number, a phone number, an email address or the victim's full name"
)
METHOD_REQUIRED = "Select how you checked who the caller is"
OUTCOME_REQUIRED = "Select whether the caller passed the identity check"
CALLER_REQUIRED = "Select who the caller is"
NO_DATE_OF_BIRTH = (
    "No date of birth is recorded for this person, so it cannot be checked. "
    "Use another way or record that the check failed"
)
NO_CODE_WORD = (
    "No code word is recorded for this person, so it cannot be checked. "
    "Use another way or record that the check failed"
)
CALLER_NOT_RECORDED = (
    "Only a contact recorded on the case can be told about it. Record that the check failed"
)
