"""Error texts of the rules loader and the explain command. Tests import these."""

# Rule file
FILE_MISSING = "No rule file called '{name}'."
FILE_NOT_JSON = "{name} is not valid JSON: {error}"
FILE_FIELD_MISSING = "{name}: the rule file needs '{field}'."
EDITION_INVALID = "{name}: edition {edition!r} must be a lower-case slug, like vcop-2021."
EFFECTIVE_FROM_INVALID = "{name}: effective_from {value!r} must be a date, like 2021-04-01."
NO_RULES = "{name}: the rule file lists no rules."
RULE_CODE_INVALID = "{name} rules[{index}]: code {code!r} must be a lower-case slug."
RULE_CODE_DUPLICATE = "{name}: rule code {code!r} appears twice."
RULE_FIELD_MISSING = "Rule {code!r}: '{field}' is required."
RULE_TRIGGER_UNKNOWN = "Rule {code!r}: unknown event code {trigger!r}."
RULE_OWNER_UNKNOWN = "Rule {code!r}: unknown owner {owner!r}."
RULE_CLOCK_UNKNOWN = "Rule {code!r}: clock must be 'occurred' or 'received', not {clock!r}."
RULE_RIGHT_INVALID = "Rule {code!r}: right must be a whole number from 1 to 12, not {right!r}."
RULE_DEADLINE_MISSING = "Rule {code!r}: the {which} deadline is missing."
RULE_DEADLINE_KINDS = (
    "Rule {code!r}: the {which} deadline must give exactly one of working_days, hours "
    "or cadence_days, not {kinds}."
)
RULE_DEADLINE_NOT_POSITIVE = (
    "Rule {code!r}: the {which} deadline must be a whole number greater than 0, not {value!r}."
)
RULE_CONDITIONS_INVALID = "Rule {code!r}: {problem}"
RULE_CONFIRMED_INVALID = "Rule {code!r}: confirmed must be true or false."

# Explain command
EVENT_UNKNOWN = "Unknown event code {event!r}. Known codes: {codes}."
DATETIME_INVALID = "{option} must be a date and time like 2026-12-24T16:30:00+00:00, not {value!r}."
RECEIVED_BEFORE_OCCURRED = "--received-at must be the same as or after --at."
FACT_INVALID = (
    "--fact must look like name=value (value in JSON, e.g. custody_months=18), not {value!r}."
)
NO_RULES_IN_FORCE = (
    "No Victims' Code rules are in force on {day}. Load them with `victimcare duties load-rules`."
)
CONDITION_FACTS_MISSING = "not applied: the rule needs case facts not given ({facts})"
CONDITION_NOT_MET = "not applied: its conditions are not met by the facts given"

# Duties
NOT_APPLICABLE_REASON_REQUIRED = "Enter why this duty does not apply"
NOT_APPLICABLE_REASON_TOO_LONG = "Why this duty does not apply must be 500 characters or fewer"
DUTY_NOT_OWED = "This duty is no longer owed: it was done, replaced or closed"

# Compliance figures (duties/compliance.py, the /compliance/ page and command)
COMPLIANCE_START_REQUIRED = "Enter the first day of the period"
COMPLIANCE_END_REQUIRED = "Enter the last day of the period"
COMPLIANCE_END_BEFORE_START = (
    "The last day of the period must be the same as or after the first day"
)
COMPLIANCE_PERIOD_TOO_LONG = "The period must be 366 days or fewer"
COMPLIANCE_GROUP_BY_INVALID = "Select how to group the figures: by right, borough or team"
COMPLIANCE_DATE_INVALID = "{option} must be a date like 2026-01-31, not {value!r}."
