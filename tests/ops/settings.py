"""Settings for the processes the ops tests start: the test settings, with the
database task backend (a real worker takes tasks) and the slow test view."""

from tests.settings import *  # noqa: F403

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
ROOT_URLCONF = "tests.ops.urls"
