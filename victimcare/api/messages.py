"""Texts the partner API returns. Tests import them."""

# ruff: noqa: S105  (names containing TOKEN are messages, not secrets)

TOKEN_INVALID = "The API token is not valid."
TOKEN_EXPIRED = "The API token has expired. Ask for a new one."
TOKEN_REVOKED = "The API token has been revoked."
TOKEN_MALFORMED_HEADER = "Send the token as 'Authorization: Bearer <token>'."
IDEMPOTENCY_CONFLICT = (
    "This Idempotency-Key was already used with a different request. "
    "Send a new key for a new request, or repeat the original request exactly."
)
IDEMPOTENCY_KEY_INVALID = (
    "The Idempotency-Key must be 1 to 100 printable ASCII characters without spaces."
)
CRN_PATH_HELP = (
    "The crime reference number. It contains '/' (e.g. 4412345/26): send it "
    "percent-encoded as 4412345%2F26. The literal form 4412345/26 is accepted too."
)

# Command output.
ORG_UNKNOWN = "No organisation with code {code!r}."
ORG_INACTIVE = "Organisation {code!r} is not active."
ROLE_NOT_ALLOWED = "A token for a {kind} cannot hold the role {role!r}. Allowed: {allowed}."
DAYS_OUT_OF_RANGE = "--days must be between 1 and {max_days}."
TOKEN_UNKNOWN = "No token with prefix {prefix!r}."
TOKEN_ALREADY_REVOKED = "Token {prefix} was already revoked."
VICTIM_NOT_ON_CRIME = "There is no victim with this id on this crime."
EVENT_NOT_ON_CRIME = "There is no event with this id on this crime."
BODY_TOO_LARGE = (
    "The request body is too large. Send at most 2.5 MB, or use a bulk upload for many events."
)
