from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The deterministic synthetic-London generator (`victimcare demo`)."""

    name = "victimcare.demo"
    label = "demo"
