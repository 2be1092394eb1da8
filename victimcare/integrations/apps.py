from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """Partner integration beyond the request/response API (issue 10): signed
    webhooks delivered through an outbox, the health of each partner feed
    (a feed that goes quiet is noticed and its open cases flagged), and bulk
    uploads of journey events for partners without an integration."""

    name = "victimcare.integrations"
    label = "integrations"
    verbose_name = "Partner integration"
