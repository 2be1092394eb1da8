"""Shapes of the partner API's updates: a victim's contact preferences, completing a duty."""

from __future__ import annotations

from rest_framework import serializers

COMMUNICATION_NEEDS_MAX = 2000


class ContactOutputSerializer(serializers.Serializer):
    """How to contact a victim. Only `communication_needs` can be changed through the
    API (it is part of the needs assessment, whose every change is kept as a version);
    the rest is read-only here and changed in victimcare by the officer in the case."""

    victim = serializers.IntegerField()
    preferred_channel = serializers.CharField()
    language = serializers.CharField(allow_blank=True)
    interpreter_needed = serializers.BooleanField()
    accessible_format = serializers.CharField(allow_blank=True)
    safe_to_call = serializers.BooleanField()
    safe_to_text = serializers.BooleanField()
    safe_to_email = serializers.BooleanField()
    voicemail_allowed = serializers.BooleanField()
    communication_needs = serializers.CharField(allow_blank=True)
    needs_version = serializers.IntegerField(
        allow_null=True, help_text="The needs assessment version the record reflects."
    )


class ContactPatchInputSerializer(serializers.Serializer):
    communication_needs = serializers.CharField(
        allow_blank=True,
        trim_whitespace=True,
        max_length=COMMUNICATION_NEEDS_MAX,
        help_text=(
            "How to communicate with the victim (e.g. 'Large print; calls after 6pm'). "
            "Saved as a new version of their needs assessment."
        ),
    )


class DutyCompleteInputSerializer(serializers.Serializer):
    event_id = serializers.IntegerField(
        min_value=1,
        max_value=2**63 - 1,
        help_text="The contact event on this crime (e.g. contact_call) that fulfilled the duty.",
    )
