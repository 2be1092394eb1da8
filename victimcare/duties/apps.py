from django.apps import AppConfig


class DutiesConfig(AppConfig):
    """Victims' Code rules (versioned data), the working-day calendar and, later, duties."""

    name = "victimcare.duties"
    label = "duties"
