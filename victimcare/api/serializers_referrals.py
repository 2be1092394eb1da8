"""Serializers of the referrals endpoints (views_referrals.py): what a support
organisation's system reads of the referrals made to it and what it sends back."""

from __future__ import annotations

from rest_framework import serializers

from victimcare.referrals import inbox
from victimcare.referrals.constants import (
    DECLINE_REASON_MAX,
    PROBLEM_DESCRIPTION_MAX,
    ProblemKind,
    ReferralState,
)

from .serializers_reads import _modified_since

# Plain strings, not enums: drf-spectacular would name them after other parts' fields.
STATE_HELP = "One of: " + ", ".join(ReferralState.values) + "."
KIND_HELP = "One of: " + ", ".join(ProblemKind.values) + "."


class ReferralQuerySerializer(serializers.Serializer):
    modified_since = _modified_since(
        "Only referrals whose state changed at or after this moment (their `state_changed_at`)."
    )


class ReferralSummarySerializer(serializers.Serializer):
    """A row of the list: no personal data."""

    id = serializers.IntegerField(source="pk")
    state = serializers.CharField(help_text=STATE_HELP)
    service = serializers.CharField(source="service.name", help_text="The service referred to.")
    sent_at = serializers.DateTimeField()
    within_deadline = serializers.BooleanField(help_text="Sent within the Victims' Code deadline.")
    state_changed_at = serializers.DateTimeField()


class ReferralPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next page, or null.")
    results = ReferralSummarySerializer(many=True)


class DataProblemSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    kind = serializers.CharField(help_text=KIND_HELP)
    state = serializers.CharField(help_text="open or fixed.")
    reported_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    fixed_at = serializers.DateTimeField(allow_null=True)
    fixed_in_version = serializers.IntegerField(allow_null=True)


class ReferralDetailSerializer(ReferralSummarySerializer):
    decline_reason = serializers.CharField()
    snapshot_version = serializers.IntegerField(
        help_text="The version of the shared details (a new one follows each correction)."
    )
    snapshot = serializers.DictField(
        help_text="The victim's details shared with the service (latest version)."
    )
    next_states = serializers.ListField(
        child=serializers.CharField(help_text=STATE_HELP),
        help_text="The states the referral may be moved to now.",
    )
    problems = DataProblemSerializer(many=True)


class ReferralPatchSerializer(serializers.Serializer):
    # Checked by the inbox's service (its messages), so the states are not an enum here.
    state = serializers.CharField(
        help_text=STATE_HELP,
        error_messages={"required": inbox.MOVE_UNKNOWN, "blank": inbox.MOVE_UNKNOWN},
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=DECLINE_REASON_MAX,
        error_messages={"max_length": inbox.DECLINE_REASON_TOO_LONG},
        help_text="Why the service cannot take the referral (needed to decline).",
    )


class ProblemInputSerializer(serializers.Serializer):
    kind = serializers.CharField(
        help_text=KIND_HELP,
        error_messages={
            "required": inbox.PROBLEM_KIND_REQUIRED,
            "blank": inbox.PROBLEM_KIND_REQUIRED,
        },
    )
    description = serializers.CharField(
        max_length=PROBLEM_DESCRIPTION_MAX,
        error_messages={
            "required": inbox.PROBLEM_DESCRIPTION_REQUIRED,
            "blank": inbox.PROBLEM_DESCRIPTION_REQUIRED,
            "max_length": inbox.PROBLEM_DESCRIPTION_TOO_LONG,
        },
        help_text="What is wrong, for the officer in the case (not shown in their task list).",
    )


class ProblemCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text=KIND_HELP)
    due_at = serializers.DateTimeField()
