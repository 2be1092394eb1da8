from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    """Rate your contact: invitations (QR, SMS, email), the public page, triage and scores."""

    name = "victimcare.feedback"
    label = "feedback"

    def ready(self) -> None:
        # Infrastructure wiring only: text replies to invitations (feedback.sms).
        from victimcare.messaging.signals import inbound_sms_received

        from .sms import inbound_sms_answer

        inbound_sms_received.connect(inbound_sms_answer, dispatch_uid="feedback.sms_reply")
