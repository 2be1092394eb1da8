from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Organisations, areas, people, roles, sign-in and the permission policy."""

    name = "victimcare.accounts"
    label = "accounts"
