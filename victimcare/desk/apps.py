from django.apps import AppConfig


class DeskConfig(AppConfig):
    """The Victim Focus Desk console: find a victim fast, check who is calling, and
    read the case in plain words. Composes cases, duties and messaging; no models."""

    name = "victimcare.desk"
    label = "desk"
