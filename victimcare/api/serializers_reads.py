"""Shapes of the partner API's read endpoints for incremental sync (issue 10, item 1).

Query serializers parse the lists' filters, so a bad value is a structured 400
naming the parameter. Output serializers carry no victim's personal data:
crimes by reference, messages by status (never a recipient, subject or body),
feedback by its categories (never the free text, never an officer).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from victimcare.accounts.models import Area
from victimcare.cases.constants import (
    AgeBand,
    CrimeStatus,
    DisabilityAnswer,
    Ethnicity,
    OffenceGroup,
)
from victimcare.duties.calendar import LONDON
from victimcare.feedback.constants import NeedsRecognised
from victimcare.insights.constants import NOT_KNOWN, ContactType
from victimcare.messaging.constants import Channel, Status
from victimcare.referrals.constants import Gender, ReceiveBy, RiskLevel, ServiceKind

MODIFIED_SINCE = "modified_since"
MODIFIED_SINCE_INVALID = (
    "Enter modified_since as an ISO 8601 date and time with its offset, for example "
    "2026-05-01T09:30:00+01:00 or 2026-05-01T08:30:00Z (send '+' as %2B)."
)
MODIFIED_SINCE_NO_OFFSET = (
    "modified_since must include its offset from UTC, for example +01:00 or Z."
)
BOROUGH_UNKNOWN = "There is no borough with this ONS code, for example E09000012."
KIND_UNKNOWN = "There is no kind of support service called this. Use one of: {kinds}."
# An unencoded '+' in a query string arrives as a space: '…T09:30:00 01:00'.
_SPACE_FOR_PLUS = re.compile(r"^(\d{4}-\d{2}-\d{2}T[\d:.]+) (\d{2}(?::?\d{2})?)$")
_NOT_KNOWN = [(NOT_KNOWN, "Not known")]
# Feedback's categories as the statistics define them: the victim's answer or
# "not known". Named enums in the schema (SPECTACULAR_SETTINGS' ENUM_NAME_OVERRIDES),
# apart from the same categories without "not known" elsewhere.
AGE_BAND_OR_NOT_KNOWN = AgeBand.choices + _NOT_KNOWN
ETHNICITY_OR_NOT_KNOWN = Ethnicity.choices + _NOT_KNOWN
DISABILITY_OR_NOT_KNOWN = DisabilityAnswer.choices + _NOT_KNOWN
NEEDS_RECOGNISED_OR_NOT_KNOWN = NeedsRecognised.choices + _NOT_KNOWN
OFFENCE_GROUP_OR_NOT_KNOWN = OffenceGroup.choices + _NOT_KNOWN


class ModifiedSinceField(serializers.DateTimeField):
    """An ISO 8601 date and time that must carry its offset (a naive time would
    be read in an unstated zone and could skip changes)."""

    default_error_messages = {
        "invalid": MODIFIED_SINCE_INVALID,
        "offset_required": MODIFIED_SINCE_NO_OFFSET,
    }

    def to_internal_value(self, value: Any) -> dt.datetime:
        text = str(value).strip()
        text = _SPACE_FOR_PLUS.sub(r"\1+\2", text)
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            self.fail("invalid")
        if "T" not in text.upper():
            self.fail("invalid")
        if moment.tzinfo is None:
            self.fail("offset_required")
        try:
            # The database compares in UTC: year 1 at +14:00 has no UTC moment.
            return moment.astimezone(dt.UTC)
        except OverflowError:
            self.fail("invalid")


def _modified_since(help_text: str) -> ModifiedSinceField:
    return ModifiedSinceField(required=False, help_text=help_text)


class CrimeQuerySerializer(serializers.Serializer):
    modified_since = _modified_since(
        "Only crimes changed at or after this moment (their `updated_at`)."
    )


class MessageQuerySerializer(serializers.Serializer):
    modified_since = _modified_since(
        "Only messages whose status changed at or after this moment (their `updated_at`)."
    )


class TimelineQuerySerializer(serializers.Serializer):
    modified_since = _modified_since(
        "Only events recorded at or after this moment (their `recorded_at`; events never "
        "change), oldest first."
    )


class DutiesQuerySerializer(serializers.Serializer):
    modified_since = _modified_since(
        "Only duties created or changed at or after this moment (their `updated_at`), "
        "oldest change first."
    )


class NeedsQuerySerializer(serializers.Serializer):
    modified_since = _modified_since(
        "Only victims whose needs or communication needs changed at or after this moment "
        "(their `updated_at`), oldest change first."
    )


class DirectoryQuerySerializer(serializers.Serializer):
    borough = serializers.CharField(
        required=False,
        max_length=9,
        help_text="Only services covering this borough (ONS code, e.g. E09000012).",
    )
    kind = serializers.CharField(
        required=False, max_length=20, help_text="Only services of this kind, e.g. idva."
    )
    modified_since = _modified_since(
        "Only services changed at or after this moment (their `updated_at`)."
    )

    def validate_borough(self, value: str) -> Area:
        area = Area.objects.filter(code=value.strip().upper()).first()
        if area is None:
            raise serializers.ValidationError(BOROUGH_UNKNOWN, code="invalid")
        return area

    def validate_kind(self, value: str) -> str:
        if value not in ServiceKind.values:
            raise serializers.ValidationError(
                KIND_UNKNOWN.format(kinds=", ".join(ServiceKind.values)), code="invalid_choice"
            )
        return value


class FeedbackQuerySerializer(serializers.Serializer):
    modified_since = _modified_since(
        "Only responses received in the week holding this moment or later (it is read "
        "as the start of its week: Monday 00:00 London time). Responses never change."
    )


# ---------------------------------------------------------------- output


class CrimeChangeSerializer(serializers.Serializer):
    """A crime as the sync list shows it: what changed, never who the victims are.
    Read the rest with GET /crimes/{crn}/ and its timeline."""

    crn = serializers.CharField()
    offence_group = serializers.ChoiceField(choices=OffenceGroup.choices, source="offence.group")
    status = serializers.ChoiceField(choices=CrimeStatus.choices)
    area = serializers.CharField(source="area.code", help_text="The borough's ONS code.")
    restricted = serializers.BooleanField(
        help_text="Restricted cases are seen only by the officer in the case, supervisors "
        "and the organisations it is shared with."
    )
    updated_at = serializers.DateTimeField()


class CrimeChangesPageSerializer(serializers.Serializer):
    next = serializers.URLField(
        allow_null=True, help_text="The next page (later changes), or null on the last page."
    )
    results = CrimeChangeSerializer(many=True)


class MessageStatusSerializer(serializers.Serializer):
    """Where a message to a victim is, not what it said or where it went."""

    id = serializers.UUIDField()
    victim = serializers.IntegerField(source="victim_id", allow_null=True)
    channel = serializers.ChoiceField(choices=Channel.choices)
    template_code = serializers.CharField(help_text="Which standard message it was.")
    language = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    safety_outcome = serializers.CharField(
        source="safety_reason",
        allow_blank=True,
        help_text="Why a safe-contact rule held or stopped it (rule names only), or blank.",
    )
    duty = serializers.IntegerField(source="duty_id", allow_null=True)
    event = serializers.IntegerField(source="event_id", allow_null=True)
    created_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.SerializerMethodField(
        help_text="When the provider confirmed delivery (SMS, email), or null."
    )
    updated_at = serializers.DateTimeField()

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_delivered_at(self, message: Any) -> str | None:
        if message.status != Status.DELIVERED or message.completed_at is None:
            return None
        return str(serializers.DateTimeField().to_representation(message.completed_at))


class MessageStatusPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next page, or null.")
    results = MessageStatusSerializer(many=True)


class DirectoryServiceSerializer(serializers.Serializer):
    """A support service: who it is for, how it takes referrals, how busy it is."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    organisation = serializers.CharField(source="organisation.code")
    organisation_name = serializers.CharField(source="organisation.name")
    kind = serializers.ChoiceField(choices=ServiceKind.choices)
    description = serializers.CharField(allow_blank=True)
    active = serializers.BooleanField()
    boroughs = serializers.SerializerMethodField(help_text="ONS codes of the boroughs covered.")
    min_age = serializers.IntegerField(allow_null=True)
    max_age = serializers.IntegerField(allow_null=True)
    genders = serializers.ListField(
        child=serializers.ChoiceField(choices=Gender.choices), help_text="Empty: everyone."
    )
    offence_groups = serializers.ListField(
        child=serializers.ChoiceField(choices=OffenceGroup.choices), help_text="Empty: any."
    )
    risk_levels = serializers.ListField(
        child=serializers.ChoiceField(choices=RiskLevel.choices), help_text="Empty: any."
    )
    languages = serializers.ListField(child=serializers.CharField())
    self_referral = serializers.BooleanField(help_text="Victims may contact it directly.")
    public_phone = serializers.CharField(allow_blank=True)
    public_url = serializers.CharField(allow_blank=True)
    receive_by = serializers.ChoiceField(
        choices=ReceiveBy.choices, help_text="How the service receives referrals."
    )
    advocates_in_post = serializers.IntegerField()
    caseload_each = serializers.IntegerField()
    capacity = serializers.IntegerField(help_text="Advocates in post × caseload each.")
    open_cases = serializers.IntegerField()
    waiting_days = serializers.IntegerField()
    capacity_updated_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField()

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_boroughs(self, service: Any) -> list[str]:
        return sorted(area.code for area in service.boroughs.all())


class DirectoryPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next page, or null.")
    results = DirectoryServiceSerializer(many=True)


class LondonWeekField(serializers.DateTimeField):
    """A week's start in Europe/London with its numeric offset (+00:00 or +01:00)."""

    def to_representation(self, value: dt.datetime) -> str:
        return value.astimezone(LONDON).isoformat()


class FeedbackResponseSerializer(serializers.Serializer):
    """One victim's rating of a contact, by category only.

    Never the free text (it can name people and describe lives: it is read only
    by people, audited, in the review pages) and never the officer. When it was
    received only to the week (docs/api-sync.md, "Feedback and time"): with the
    borough and the victim's own categories an exact time could single a victim
    out, e.g. as the one rating a visit someone knows was made that afternoon."""

    id = serializers.IntegerField()
    rating = serializers.IntegerField(
        min_value=1, max_value=5, help_text="1 (very dissatisfied) to 5."
    )
    age_band = serializers.ChoiceField(choices=AGE_BAND_OR_NOT_KNOWN, source="dim_age_band")
    ethnicity = serializers.ChoiceField(choices=ETHNICITY_OR_NOT_KNOWN, source="dim_ethnicity")
    disability = serializers.ChoiceField(choices=DISABILITY_OR_NOT_KNOWN, source="dim_disability")
    needs_recognised = serializers.ChoiceField(
        choices=NEEDS_RECOGNISED_OR_NOT_KNOWN, source="dim_needs_recognised"
    )
    borough = serializers.CharField(
        source="dim_borough", allow_null=True, help_text="ONS code; null without a case."
    )
    offence_group = serializers.ChoiceField(
        choices=OFFENCE_GROUP_OR_NOT_KNOWN, source="dim_offence_group"
    )
    contact_type = serializers.ChoiceField(choices=ContactType.choices, source="dim_contact_type")
    received_week = LondonWeekField(
        help_text="The ISO week it was received in, as the week's start: Monday 00:00 "
        "London time, with its offset. Never the exact time."
    )


class FeedbackResponsesPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next page, or null.")
    results = FeedbackResponseSerializer(many=True)
