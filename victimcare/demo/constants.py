"""Fixed values of the demo generator and the texts it prints (tests import them)."""

from __future__ import annotations

# One password for every demo account. Demo accounts are otp_exempt, so this is
# all it takes to sign in: never run `demo` against a database reachable by the
# public (the command refuses to touch a populated database without --reset).
DEMO_PASSWORD = "victimcare-demo-2026"  # noqa: S105 - a published demo password, by design

# Where the printed sign-ins point: `make run` serves here.
DEMO_BASE_URL = "http://127.0.0.1:8000"

# Rows per bulk_create call; Django splits further to fit the database's
# parameter limit.
BATCH_SIZE = 2000

ALREADY_PRESENT = (
    "Demo data already present: the database holds organisations or people, so nothing was changed."
)
REFUSE_POPULATED = (
    "The database already holds organisations or people. Run `victimcare demo --reset` to delete the "
    "earlier demo data and generate it again, or `victimcare demo --if-empty` to leave it as it is."
)
REFUSE_EXIT_CODE = 2
