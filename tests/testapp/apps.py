from django.apps import AppConfig


class TestAppConfig(AppConfig):
    """Models that exist only in the test suite (e.g. to exercise encrypted fields
    before the case record uses them)."""

    name = "tests.testapp"
    label = "testapp"
