"""Shapes of the partner API's updates: a victim's contact preferences, completing a duty."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from victimcare.cases.constants import AccessibleFormat, Channel

COMMUNICATION_NEEDS_MAX = 2000
NOTHING_TO_CHANGE = "Send at least one of the fields this request can change."

# The contact preferences a PATCH may change (cases.services_contact); the other
# field, communication_needs, is part of the needs assessment.
CONTACT_PREFERENCE_FIELDS = (
    "preferred_channel",
    "language",
    "interpreter_needed",
    "accessible_format",
    "wants_updates",
    "safe_to_call",
    "safe_to_text",
    "safe_to_email",
    "safe_for_letters",
    "voicemail_allowed",
    "safe_from",
    "safe_until",
)
# Named in the message rather than as the error's attr: a name the client made up
# is not echoed back, and attr stays one of the fields the schema lists.
FIELD_UNKNOWN = (
    "The request names a field that cannot be changed through the API. These can: "
    + ", ".join(("communication_needs", *CONTACT_PREFERENCE_FIELDS))
    + "."
)
SAFE_TIME_HELP = (
    "Local time (Europe/London) as HH:MM, 24-hour clock; null for none. "
    "Give both safe_from and safe_until, or neither."
)


class ContactOutputSerializer(serializers.Serializer):
    """How to contact a victim: their preferences and safe-contact rules. Their
    phone number, email and address are not part of this resource."""

    victim = serializers.IntegerField()
    preferred_channel = serializers.ChoiceField(choices=Channel.choices)
    language = serializers.CharField(allow_blank=True)
    interpreter_needed = serializers.BooleanField()
    accessible_format = serializers.ChoiceField(choices=AccessibleFormat.choices, allow_blank=True)
    wants_updates = serializers.BooleanField()
    safe_to_call = serializers.BooleanField()
    safe_to_text = serializers.BooleanField()
    safe_to_email = serializers.BooleanField()
    safe_for_letters = serializers.BooleanField()
    voicemail_allowed = serializers.BooleanField()
    safe_from = serializers.TimeField(allow_null=True, format="%H:%M")
    safe_until = serializers.TimeField(allow_null=True, format="%H:%M")
    communication_needs = serializers.CharField(allow_blank=True)
    needs_version = serializers.IntegerField(
        allow_null=True, help_text="The needs assessment version the record reflects."
    )


class ContactPatchInputSerializer(serializers.Serializer):
    """Any of the fields below; those left out keep their value. The change is
    checked as a whole by the same rules as in victimcare (the preferred channel
    must be one that is safe, both safe times or neither…): a 400 changes nothing."""

    communication_needs = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=True,
        max_length=COMMUNICATION_NEEDS_MAX,
        help_text=(
            "How to communicate with the victim (e.g. 'Large print; calls after 6pm'). "
            "Saved as a new version of their needs assessment."
        ),
    )
    preferred_channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    language = serializers.CharField(
        required=False, max_length=12, help_text="BCP 47 code, e.g. en, pl, ur."
    )
    interpreter_needed = serializers.BooleanField(required=False)
    accessible_format = serializers.ChoiceField(
        choices=AccessibleFormat.choices, required=False, allow_blank=True
    )
    wants_updates = serializers.BooleanField(required=False)
    safe_to_call = serializers.BooleanField(required=False)
    safe_to_text = serializers.BooleanField(required=False)
    safe_to_email = serializers.BooleanField(required=False)
    safe_for_letters = serializers.BooleanField(
        required=False, help_text="False: no letters to their address."
    )
    voicemail_allowed = serializers.BooleanField(required=False)
    safe_from = serializers.TimeField(
        required=False, allow_null=True, input_formats=["%H:%M"], help_text=SAFE_TIME_HELP
    )
    safe_until = serializers.TimeField(
        required=False, allow_null=True, input_formats=["%H:%M"], help_text=SAFE_TIME_HELP
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        initial = self.initial_data if isinstance(self.initial_data, dict) else {}
        if any(name not in self.fields for name in initial):
            raise serializers.ValidationError(FIELD_UNKNOWN)
        if not attrs:
            raise serializers.ValidationError(NOTHING_TO_CHANGE)
        return attrs

    def contact_changes(self) -> dict[str, Any]:
        """The validated contact preferences, as `victim_contact_update` changes."""
        return {
            name: self.validated_data[name]
            for name in CONTACT_PREFERENCE_FIELDS
            if name in self.validated_data
        }


class DutyCompleteInputSerializer(serializers.Serializer):
    event_id = serializers.IntegerField(
        min_value=1,
        max_value=2**63 - 1,
        help_text="The contact event on this crime (e.g. contact_call) that fulfilled the duty.",
    )
