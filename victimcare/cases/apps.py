from django.apps import AppConfig


class CasesConfig(AppConfig):
    """Crimes, victims, the shared needs assessment and the journey timeline."""

    name = "victimcare.cases"
    label = "cases"
