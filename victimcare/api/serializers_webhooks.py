"""Serializers of the webhook endpoints, and the payload partners receive
(`WebhookPayload`, published in the schema as a component)."""

from __future__ import annotations

from rest_framework import serializers

from victimcare.integrations.constants import DeliveryStatus
from victimcare.integrations.webhooks import EVENT_TYPES


class WebhookCrimeSerializer(serializers.Serializer):
    crn = serializers.CharField(help_text="The crime reference number.")
    force = serializers.CharField(allow_null=True, help_text="The police force's code.")


class WebhookEventSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The journey event's id (as in the timeline).")
    code = serializers.CharField(help_text="The journey event code.")
    details = serializers.DictField(
        help_text="The event's structured details (never free text or personal data)."
    )


class WebhookPayloadSerializer(serializers.Serializer):
    """The JSON body of every webhook POST (see docs/webhooks.md)."""

    id = serializers.UUIDField(
        help_text="The delivery's id, also in the Victimcare-Webhook-Id header. "
        "A retry after a timeout sends the same id: de-duplicate on it."
    )
    type = serializers.CharField(
        help_text="The event type the subscription chose: a journey event code, or "
        "vcs_qualifying_sentence (see the event_types of a subscription)."
    )
    occurred_at = serializers.DateTimeField()
    received_at = serializers.DateTimeField()
    crime = WebhookCrimeSerializer()
    event = WebhookEventSerializer()
    vcs_eligible = serializers.BooleanField(
        allow_null=True,
        help_text="For a sentence: whether it qualifies for the Victim Contact Scheme. "
        "Null for other events.",
    )


class SubscriptionInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    url = serializers.CharField(
        max_length=500, help_text="Where to POST the webhooks: https:// only."
    )
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=list(EVENT_TYPES.items())),
        min_length=1,
        max_length=len(EVENT_TYPES),
    )


class SubscriptionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    url = serializers.CharField()
    event_types = serializers.ListField(child=serializers.CharField())
    active = serializers.BooleanField()
    disabled_at = serializers.DateTimeField(allow_null=True)
    disabled_reason = serializers.CharField()
    consecutive_failures = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class SubscriptionCreatedSerializer(SubscriptionOutputSerializer):
    secret = serializers.CharField(
        help_text="The signing secret. Shown in this response only: keep it safe."
    )


class SubscriptionPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    results = SubscriptionOutputSerializer(many=True)


class DeliveryOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="pk")
    event_type = serializers.CharField()
    status = serializers.ChoiceField(choices=DeliveryStatus.choices)
    attempts = serializers.IntegerField()
    last_status_code = serializers.IntegerField(allow_null=True)
    next_attempt_at = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    replay_of = serializers.UUIDField(source="replay_of_id", allow_null=True)
    payload = WebhookPayloadSerializer()


class DeliveryPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    results = DeliveryOutputSerializer(many=True)
