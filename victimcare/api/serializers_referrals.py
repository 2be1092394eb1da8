"""Serializers of the referrals endpoints (views_referrals.py): what a support
organisation's system reads of the referrals made to it and what it sends back,
and what a police system sends to make a referral and reads of those made."""

from __future__ import annotations

from drf_standardized_errors.openapi_serializers import ClientErrorEnum
from rest_framework import serializers

from victimcare.cases.constants import ConsentMethod
from victimcare.referrals import inbox
from victimcare.referrals.constants import (
    DECLINE_REASON_MAX,
    PROBLEM_DESCRIPTION_MAX,
    ProblemKind,
    ProblemState,
    ReferralState,
    RiskLevel,
)

from .serializers_reads import _modified_since

STATE_INVALID = "Give state as one of: " + ", ".join(ReferralState.values) + "."
KIND_INVALID = "Give kind as one of: " + ", ".join(ProblemKind.values) + "."


class ReferralQuerySerializer(serializers.Serializer):
    modified_since = _modified_since(
        "Only referrals whose state changed at or after this moment (their `state_changed_at`)."
    )


class ReferralSummarySerializer(serializers.Serializer):
    """A row of the list: no personal data."""

    id = serializers.IntegerField(source="pk")
    state = serializers.ChoiceField(choices=ReferralState.choices)
    service = serializers.CharField(source="service.name", help_text="The service referred to.")
    sent_at = serializers.DateTimeField()
    within_deadline = serializers.BooleanField(help_text="Sent within the Victims' Code deadline.")
    state_changed_at = serializers.DateTimeField()


class ReferralPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next page, or null.")
    results = ReferralSummarySerializer(many=True)


class DataProblemSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    kind = serializers.ChoiceField(choices=ProblemKind.choices)
    state = serializers.ChoiceField(choices=ProblemState.choices)
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
        child=serializers.ChoiceField(choices=ReferralState.choices),
        help_text="The states the referral may be moved to now.",
    )
    problems = DataProblemSerializer(many=True)


class ReferralPatchSerializer(serializers.Serializer):
    # Whether the referral may make this move now is the inbox service's to say.
    state = serializers.ChoiceField(
        choices=ReferralState.choices,
        help_text="The state to move the referral to (one of its `next_states`).",
        error_messages={
            "required": inbox.MOVE_UNKNOWN,
            "null": inbox.MOVE_UNKNOWN,
            "invalid_choice": STATE_INVALID,
        },
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=DECLINE_REASON_MAX,
        error_messages={"max_length": inbox.DECLINE_REASON_TOO_LONG},
        help_text="Why the service cannot take the referral (needed to decline).",
    )


class PreconditionErrorSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="precondition_required (428) or precondition_failed (412)."
    )
    detail = serializers.CharField()
    attr = serializers.CharField(allow_null=True)


class PreconditionErrorResponseSerializer(serializers.Serializer):
    """A PATCH without If-Match (428), or with a stale one (412, with the current ETag)."""

    type = serializers.ChoiceField(choices=ClientErrorEnum.choices)
    errors = PreconditionErrorSerializer(many=True)


class ProblemInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=ProblemKind.choices,
        error_messages={
            "required": inbox.PROBLEM_KIND_REQUIRED,
            "null": inbox.PROBLEM_KIND_REQUIRED,
            "invalid_choice": KIND_INVALID,
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
    kind = serializers.ChoiceField(choices=ProblemKind.choices)
    due_at = serializers.DateTimeField()


# --- Making a referral (the police side): /crimes/{crn}/victims/{victim_id}/referrals/ ---

RISK_LEVEL_HELP = (
    "The risk assessed (for domestic abuse, the DASH result): one of "
    + ", ".join(RiskLevel.values)
    + ". Leave it out if it has not been assessed (a domestic abuse referral needs it)."
)
CONSENT_METHOD_HELP = (
    "Only if the victim has just agreed to this referral: how they told you, one of "
    + ", ".join(ConsentMethod.values)
    + ". Their consent is recorded before the referral is sent, as on the page."
)
SERVICE_REQUIRED = "Give service: the id of the support service to refer the victim to."
RISK_LEVEL_INVALID = (
    "Give risk_level as "
    + ", ".join(RiskLevel.values[:-1])
    + " or "
    + RiskLevel.values[-1]
    + ", or leave it out if it has not been assessed."
)
CONSENT_METHOD_INVALID = (
    "Give consent_method as "
    + ", ".join(ConsentMethod.values[:-1])
    + " or "
    + ConsentMethod.values[-1]
    + " (how the victim agreed), or leave it out."
)


class ReferralCreateInputSerializer(serializers.Serializer):
    # Checked against the choices here, with the API's messages (plain strings
    # whose help names the values, as the page's fields do).
    service = serializers.IntegerField(
        min_value=1,
        max_value=2**63 - 1,
        help_text=(
            "The id of the support service (one of `services` in the GET on this path: "
            "the suggested ones first)."
        ),
        error_messages={
            "required": SERVICE_REQUIRED,
            "null": SERVICE_REQUIRED,
            "invalid": SERVICE_REQUIRED,
            "min_value": SERVICE_REQUIRED,
            "max_value": SERVICE_REQUIRED,
            "max_string_length": SERVICE_REQUIRED,
        },
    )
    risk_level = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=20,
        help_text=RISK_LEVEL_HELP,
        error_messages={"max_length": RISK_LEVEL_INVALID, "null": RISK_LEVEL_INVALID},
    )
    consent_method = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=20,
        help_text=CONSENT_METHOD_HELP,
        error_messages={"max_length": CONSENT_METHOD_INVALID, "null": CONSENT_METHOD_INVALID},
    )

    def validate_risk_level(self, value: str) -> str:
        value = value.strip()
        if value and value not in RiskLevel.values:
            raise serializers.ValidationError(RISK_LEVEL_INVALID, code="invalid")
        return value

    def validate_consent_method(self, value: str) -> str:
        value = value.strip()
        if value and value not in ConsentMethod.values:
            raise serializers.ValidationError(CONSENT_METHOD_INVALID, code="invalid")
        return value


class VictimReferralSerializer(serializers.Serializer):
    """A referral made for the victim on the crime, as the officer's page lists it:
    its progress, never the details shared."""

    id = serializers.IntegerField(source="pk")
    service_id = serializers.IntegerField()
    service = serializers.CharField(source="service.name", help_text="The service referred to.")
    state = serializers.ChoiceField(choices=ReferralState.choices)
    automatic = serializers.BooleanField(
        help_text="Made by victimcare's automatic referral, not by a person."
    )
    sent_at = serializers.DateTimeField()
    within_deadline = serializers.BooleanField(help_text="Sent within the Victims' Code deadline.")
    state_changed_at = serializers.DateTimeField()


class ReferralServiceChoiceSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    kind = serializers.CharField(help_text="The kind of service (e.g. general, isva, idva).")
    suggested = serializers.BooleanField(
        help_text="Eligible for this victim and crime: suggested, best fit first."
    )


class VictimReferralsSerializer(serializers.Serializer):
    referrals = VictimReferralSerializer(
        many=True, help_text="The referrals made for this victim on this crime, newest first."
    )
    services = ReferralServiceChoiceSerializer(
        many=True,
        help_text=(
            "The services the victim may be referred to, as the page offers them: the "
            "suggested ones first (best fit first), then every other active service by name."
        ),
    )
