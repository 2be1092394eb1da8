from django.apps import AppConfig


class ForumConfig(AppConfig):
    """The Victim Voice Forum: people who have experienced crime offer to help
    the police and MOPAC improve the service. Public sign-up (/forum/join/),
    withdrawal at any time (/forum/withdraw/<token>/) and the coordinator's
    list (/forum/volunteers/)."""

    name = "victimcare.forum"
    label = "forum"
    verbose_name = "Victim Voice Forum"
