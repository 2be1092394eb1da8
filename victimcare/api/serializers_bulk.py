"""Shapes of the bulk upload API: the JSON body, the multipart file, and an upload's status."""

from __future__ import annotations

from rest_framework import serializers

from victimcare.integrations.constants import UploadState


class BulkEventSerializer(serializers.Serializer):
    """One event of a JSON upload (checked by the worker, not by this serializer)."""

    crime_reference = serializers.CharField(help_text="The crime reference number (CRN).")
    event = serializers.CharField(help_text="The journey event code, e.g. hearing_scheduled.")
    occurred_at = serializers.CharField(
        help_text="When it happened: ISO 8601 with a time zone offset."
    )
    victim_id = serializers.IntegerField(required=False, allow_null=True)
    details = serializers.DictField(required=False, allow_null=True)
    idempotency_key = serializers.CharField(
        required=False, allow_null=True, help_text="Recommended: makes a retried file safe."
    )


class BulkJsonInputSerializer(serializers.Serializer):
    events = BulkEventSerializer(many=True, help_text="Up to 10,000 events.")


class BulkFileInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A CSV or JSON file (by its name), up to 10 MB.")


class BulkProblemSerializer(serializers.Serializer):
    row = serializers.IntegerField(
        help_text="As a spreadsheet shows it (the header is 1); in JSON, the event's place from 1."
    )
    column = serializers.CharField(help_text="Empty for the whole row or file.")
    message = serializers.CharField()


class BulkUploadOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    format = serializers.CharField()
    state = serializers.ChoiceField(choices=UploadState.choices)
    rows_total = serializers.IntegerField(allow_null=True, help_text="About how many events.")
    rows_checked = serializers.IntegerField()
    rows_applied = serializers.IntegerField(help_text="Events newly recorded.")
    error_count = serializers.IntegerField()
    errors = BulkProblemSerializer(many=True, help_text="The first 1,000 problems, by row.")
    uploaded_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


class BulkUploadErrorSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="invalid (the file is missing or not .csv/.json) or parse_error (bad JSON)."
    )
    detail = serializers.CharField()
    attr = serializers.CharField(allow_null=True, help_text="file, or null for a bad JSON body.")


class BulkUploadErrorResponseSerializer(serializers.Serializer):
    """A refused upload request (the events themselves are checked later, by the worker)."""

    type = serializers.CharField(help_text="validation_error or client_error.")
    errors = BulkUploadErrorSerializer(many=True)
