from django.apps import AppConfig


class FrontendConfig(AppConfig):
    """The Jinja environment, GOV.UK/MOJ helpers, layouts and the static pages."""

    name = "victimcare.frontend"
    label = "frontend"
