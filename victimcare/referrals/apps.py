from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    """Referrals to support services (VCOP Right 4): the directory of services
    with their capacity, referrals with consent and a data-quality gate, the
    receiving organisation's side (status, data problems fixed at source), and
    the measures, including advocate capacity against demand."""

    name = "victimcare.referrals"
    label = "referrals"
    verbose_name = "Referrals to support services"
