from django.apps import AppConfig


class MessagingConfig(AppConfig):
    """Messages to victims and staff: the outbox ledger, channels and the Notify-compatible server."""

    name = "victimcare.messaging"
    label = "messaging"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
