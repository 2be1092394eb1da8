from django.apps import AppConfig


class PortalConfig(AppConfig):
    """Public pages for victims (no account): the support finder (/support/) and
    complaints (/complain/), with the professional standards queue (/complaints/)."""

    name = "victimcare.portal"
    label = "portal"
    verbose_name = "Victim portal"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the directory check
