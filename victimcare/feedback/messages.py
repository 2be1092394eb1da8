"""User-visible error texts for feedback; the tests import them."""

# One message for an unknown, used, expired or malformed token: nobody can tell
# which it was, so officers and cases cannot be enumerated.
LINK_UNAVAILABLE = "This link has expired or has already been used"
RATING_REQUIRED = "Select how satisfied you are with the contact"
RATING_INVALID = "Select a number from 1 to 5"
ANSWER_INVALID = "Select one of the options, or leave the question blank"
COMMENT_TOO_LONG = "Your answer must be 2,000 characters or less"
CONTACT_EVENT_NOT_CONTACT = "Only a contact with a victim can have a feedback invitation"
