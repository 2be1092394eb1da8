from django.apps import AppConfig


class PortalConfig(AppConfig):
    """Public pages for victims (no account): for now the support finder, /support/."""

    name = "victimcare.portal"
    label = "portal"
    verbose_name = "Victim portal"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the directory check
