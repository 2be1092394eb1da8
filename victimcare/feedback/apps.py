from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    """Rate your contact: invitations (QR, SMS, email), the public page, triage and scores."""

    name = "victimcare.feedback"
    label = "feedback"
