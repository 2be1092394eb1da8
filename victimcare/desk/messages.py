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

# Recording a call
CHANNEL_REQUIRED = "Select how the call was made"
CALLER_KIND_REQUIRED = "Select who called"
CONTACT_REQUIRED = "Select which recorded contact called"
CONTACT_NOT_ON_CASE = "Select a contact recorded on this case"
SUMMARY_REQUIRED = "Enter a summary of the call"
SUMMARY_TOO_LONG = "The summary must be 2,000 characters or fewer"
TOLD_TOO_LONG = "What they were told must be 2,000 characters or fewer"
TOPIC_INVALID = "Select what they were told from the list"
FULFILS_INVALID = "Select duties from the list of what is owed to them"
FOLLOW_UP_REQUIRED = "Select whether the call needs a follow-up"
THIRD_PARTY_FULFILS = (
    "A call with someone not recorded on the case cannot complete the victim's duties"
)

# Call backs
CALL_BACK_DATE_REQUIRED = "Enter the date for the call back"
CALL_BACK_TIME_REQUIRED = "Enter the time for the call back"
CALL_BACK_REASON_REQUIRED = "Select why they want a call back"
CALL_BACK_IN_PAST = "The call back must be for a time in the future"
CALL_BACK_TOO_FAR = "The call back must be within the next 4 weeks"
DESK_CLOSED = "The desk is closed then. The next times it is open: {slots}"
DESK_CLOSED_NO_SLOTS = "The desk is closed then, and for the next 4 weeks. Call the victim's OIC"
CALL_BACK_CLOSED = "This call back has already been marked done or cancelled"
CALL_BACK_OUTCOME_REQUIRED = "Enter what happened on the call back"
OUTCOME_TOO_LONG = "The outcome must be 1,000 characters or fewer"
SLOT_REQUIRED = "Select one of the times the desk is open"
SLOT_INVALID = "Select one of the times offered"
CANCEL_REASON_REQUIRED = "Select why the call back is cancelled"
CALL_BACK_ALREADY_CANCELLED = "This call back has already been cancelled"
CALL_BACK_ALREADY_DONE = "This call back has been marked done, so it cannot be cancelled"

# Escalation
ESCALATE_TO_REQUIRED = "Select who to escalate to"
ESCALATE_REASON_REQUIRED = "Enter why you are escalating"
ESCALATE_REASON_TOO_LONG = "The reason must be 1,000 characters or fewer"
NO_SUPERVISOR = "No supervisor is recorded for the officer's team. Escalate to the officer"
NO_OIC = "No officer in the case is recorded. Escalate to a supervisor"
ESCALATION_NOTE_REQUIRED = "Say what was done about the escalation"
ESCALATION_ALREADY_CLOSED = "This escalation has already been closed"
