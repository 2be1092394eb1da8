from django.apps import AppConfig


class InsightsConfig(AppConfig):
    """Insights and accountability: satisfaction and Victims' Code compliance
    by borough and group from every source (feedback, imported surveys, duties,
    referrals, complaints), kept fast by monthly rollups of the raw data; targets
    with milestones; the quarterly publication with statistical disclosure control."""

    name = "victimcare.insights"
    label = "insights"
    verbose_name = "Insights and accountability"
