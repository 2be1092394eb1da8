from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared building blocks: audit log, encrypted fields, logging, health, scheduler."""

    name = "victimcare.core"
    label = "core"
