from django.apps import AppConfig


class DeskConfig(AppConfig):
    """The Victim Focus Desk console: find a victim fast, check who is calling, and
    read the case in plain words, record the call, book call backs and escalate.
    Composes cases, duties and messaging; its own rows are calls, call backs and
    escalations."""

    name = "victimcare.desk"
    label = "desk"
