from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The partner API: tokens, authentication, throttling, endpoints and the OpenAPI schema."""

    name = "victimcare.api"
    label = "api"

    def ready(self) -> None:
        # Registers the OpenAPI description of the token authentication with drf-spectacular.
        from . import schema  # noqa: F401
