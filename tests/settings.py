"""Test settings: the real settings plus a test-only app, fast hashing and in-process tasks."""

from config.settings import *  # noqa: F403
from config.settings import INSTALLED_APPS, STORAGES

INSTALLED_APPS = [*INSTALLED_APPS, "tests.testapp"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}

# Each run gets its own PostgreSQL test database, so parallel runs (developers,
# CI, helpers) never collide on one "test_victimcare".
import os  # noqa: E402

from config.settings import DATABASES  # noqa: E402

if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": f"test_victimcare_{os.getpid()}"}

# Outbox tests play the provider's delivery receipts themselves; the embedded
# local outbox otherwise delivers at once (tests that need that turn it on).
MESSAGING_LOCAL_DELIVERS_AT_ONCE = False

# Rate limits count in the database, so every test starts from zero (its
# transaction rolls back) whatever RATELIMIT_BACKEND the environment sets. The
# public-page limits are lifted so stories and property tests that open many
# pages from 127.0.0.1 are not cut short; the rate-limit tests set their own.
RATELIMIT_BACKEND = "database"
FEEDBACK_RATE_ADDRESS = 100_000
FEEDBACK_RATE_TOKEN_POSTS = 100_000
