"""Request and response shapes of the partner API.

Input serializers parse and check types only; every business rule (CRN
format, valid phone numbers, dates not in the future, what an event needs)
is checked by the domain services, whose errors come back as 400s naming the
field. Output serializers set `allow_null` explicitly, so the schema says
which fields can be null (drf-spectacular#383).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from drf_standardized_errors.openapi_serializers import ClientErrorEnum
from rest_framework import serializers

from victimcare.accounts.models import Area
from victimcare.cases import messages as case_messages
from victimcare.cases.constants import (
    AccessibleFormat,
    AgeBand,
    Channel,
    ConsentKind,
    ConsentMethod,
    CrimeOutcome,
    CrimeStatus,
    EnhancedReason,
    EventCode,
    OffenceGroup,
    SpecialMeasure,
    SupportNeed,
    VictimRole,
    Vulnerability,
)
from victimcare.cases.models import Offence
from victimcare.duties.calendar import LONDON
from victimcare.duties.constants import Clock, DeadlineKind, DutyState, Owner
from victimcare.duties.models import Duty
from victimcare.duties.selectors import duty_explain

# ---------------------------------------------------------------- input


class NeedsInputSerializer(serializers.Serializer):
    vulnerabilities = serializers.ListField(
        child=serializers.ChoiceField(choices=Vulnerability.choices), required=False, default=list
    )
    communication_needs = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default=""
    )
    special_measures = serializers.ListField(
        child=serializers.ChoiceField(choices=SpecialMeasure.choices), required=False, default=list
    )
    support_wanted = serializers.ListField(
        child=serializers.ChoiceField(choices=SupportNeed.choices), required=False, default=list
    )
    enhanced = serializers.BooleanField(required=False, default=False)
    enhanced_reasons = serializers.ListField(
        child=serializers.ChoiceField(choices=EnhancedReason.choices), required=False, default=list
    )


class ConsentInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ConsentKind.choices)
    given = serializers.BooleanField()
    method = serializers.ChoiceField(choices=ConsentMethod.choices)


class EqualityInputSerializer(serializers.Serializer):
    age_band = serializers.ChoiceField(
        choices=AgeBand.choices, required=False, default=AgeBand.NOT_SAID
    )
    sex = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    ethnicity = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    disability = serializers.ChoiceField(
        choices=[("yes", "Yes"), ("no", "No"), ("not_said", "Prefer not to say")],
        required=False,
        allow_blank=True,
        default="",
    )


class VictimInputSerializer(serializers.Serializer):
    """A victim (or the relative or parent who is the contact) on a new crime.

    Mirrors `victimcare.cases.services.VictimInput`."""

    full_name = serializers.CharField(max_length=200)
    date_of_birth = serializers.DateField(required=False, allow_null=True, default=None)
    phone = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        default="",
        help_text="A UK or international number; stored in E.164 form.",
    )
    email = serializers.CharField(max_length=254, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    role = serializers.ChoiceField(
        choices=VictimRole.choices, required=False, default=VictimRole.VICTIM
    )
    preferred_channel = serializers.ChoiceField(
        choices=Channel.choices, required=False, default=Channel.PHONE
    )
    language = serializers.CharField(
        max_length=12, required=False, default="en", help_text="BCP 47 code, e.g. pl, ur, pa."
    )
    interpreter_needed = serializers.BooleanField(required=False, default=False)
    accessible_format = serializers.ChoiceField(
        choices=AccessibleFormat.choices, required=False, allow_blank=True, default=""
    )
    wants_updates = serializers.BooleanField(required=False, default=True)
    safe_to_call = serializers.BooleanField(required=False, default=True)
    safe_to_text = serializers.BooleanField(required=False, default=True)
    safe_to_email = serializers.BooleanField(required=False, default=True)
    safe_for_letters = serializers.BooleanField(required=False, default=True)
    voicemail_allowed = serializers.BooleanField(required=False, default=True)
    safe_from = serializers.TimeField(required=False, allow_null=True, default=None)
    safe_until = serializers.TimeField(required=False, allow_null=True, default=None)
    code_word = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    contact_only_if_victim_initiates = serializers.BooleanField(required=False, default=False)
    needs = NeedsInputSerializer(required=False, allow_null=True, default=None)
    consents = ConsentInputSerializer(many=True, required=False, default=list)
    equality = EqualityInputSerializer(required=False, allow_null=True, default=None)


class CrimeCreateInputSerializer(serializers.Serializer):
    crn = serializers.CharField(
        max_length=40, help_text="Crime reference number in the force's format, e.g. 4412345/26."
    )
    offence = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Offence.objects.filter(active=True),
        help_text="Offence code from the force's offence list.",
    )
    occurred_at = serializers.DateTimeField()
    reported_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    area = serializers.SlugRelatedField(
        slug_field="code", queryset=Area.objects.all(), help_text="ONS code, e.g. E09000012."
    )
    domestic_abuse = serializers.BooleanField(required=False, default=False)
    hate_crime = serializers.BooleanField(required=False, default=False)
    restricted = serializers.BooleanField(
        required=False, default=False, help_text="Mark the case restricted (give a reason)."
    )
    restricted_reason = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    victims = VictimInputSerializer(many=True, required=False, default=list)


class EventInputSerializer(serializers.Serializer):
    code = serializers.ChoiceField(
        choices=EventCode.choices,
        error_messages={"invalid_choice": case_messages.EVENT_CODE_UNKNOWN},
    )
    occurred_at = serializers.DateTimeField()
    received_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text=(
            "When your organisation learned of it; defaults to the moment victimcare "
            "receives the request (a duty whose clock runs from receipt starts then)."
        ),
    )
    victim = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        help_text="Id of a victim on this crime, for contacts and victim-specific events.",
    )
    details = serializers.DictField(
        required=False,
        default=dict,
        help_text=(
            'Typed fields of the event. hearing_scheduled and hearing_changed need {"hearing_at": '
            '"<ISO 8601 date-time>", "court": "<court>"}; released_on_bail and '
            'bail_conditions_changed may carry {"conditions": ["…"]}.'
        ),
    )
    summary = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    supersedes = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        help_text="Id of an event on this crime that this one corrects.",
    )
    fulfils = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        default=list,
        max_length=50,
        help_text=(
            "For a contact (contact_visit, contact_call, contact_letter, contact_message) "
            "with `victim`: ids of that victim's owed duties on this crime that the "
            "contact fulfils (see GET …/duties/). They are marked done, on time or late."
        ),
    )


# ---------------------------------------------------------------- output


class CrimeVictimOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="victim_id")
    role = serializers.ChoiceField(choices=VictimRole.choices)
    is_primary_contact = serializers.BooleanField()


class CrimeOutputSerializer(serializers.Serializer):
    """A crime's summary: no victim's personal data, only victims' ids and roles."""

    crn = serializers.CharField()
    offence = serializers.CharField(source="offence.code")
    offence_name = serializers.CharField(source="offence.name")
    offence_group = serializers.ChoiceField(choices=OffenceGroup.choices, source="offence.group")
    domestic_abuse = serializers.BooleanField()
    hate_crime = serializers.BooleanField()
    restricted = serializers.BooleanField()
    occurred_at = serializers.DateTimeField()
    reported_at = serializers.DateTimeField()
    area = serializers.CharField(source="area.code")
    area_name = serializers.CharField(source="area.name")
    team = serializers.CharField(source="team.code")
    team_name = serializers.CharField(source="team.name")
    status = serializers.ChoiceField(choices=CrimeStatus.choices)
    outcome = serializers.ChoiceField(choices=CrimeOutcome.choices, allow_blank=True)
    victims = CrimeVictimOutputSerializer(source="victim_links.all", many=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class EventOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.ChoiceField(choices=EventCode.choices)
    title = serializers.CharField(source="get_code_display")
    occurred_at = serializers.DateTimeField()
    received_at = serializers.DateTimeField()
    recorded_at = serializers.DateTimeField()
    recording_organisation = serializers.CharField(source="recording_organisation.code")
    recording_organisation_name = serializers.CharField(source="recording_organisation.name")
    recorded_by = serializers.CharField(source="recorded_by.full_name", allow_null=True)
    victim = serializers.IntegerField(source="victim_id", allow_null=True)
    details = serializers.DictField()
    summary = serializers.CharField(allow_blank=True)
    supersedes = serializers.IntegerField(source="supersedes_id", allow_null=True)


class TimelinePageSerializer(serializers.Serializer):
    next = serializers.URLField(
        allow_null=True,
        help_text="The next page (older events; with modified_since, later-recorded ones), "
        "or null.",
    )
    results = EventOutputSerializer(many=True)


class NeedsVersionOutputSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    vulnerabilities = serializers.ListField(
        child=serializers.ChoiceField(choices=Vulnerability.choices)
    )
    communication_needs = serializers.CharField(allow_blank=True)
    special_measures = serializers.ListField(
        child=serializers.ChoiceField(choices=SpecialMeasure.choices)
    )
    support_wanted = serializers.ListField(
        child=serializers.ChoiceField(choices=SupportNeed.choices)
    )
    enhanced = serializers.BooleanField()
    enhanced_reasons = serializers.ListField(
        child=serializers.ChoiceField(choices=EnhancedReason.choices)
    )
    decided_at = serializers.DateTimeField()
    decided_by_organisation = serializers.CharField(
        source="decided_by_organisation.code", allow_null=True
    )


class VictimNeedsOutputSerializer(serializers.Serializer):
    """One victim's communication needs and current needs assessment ("tell us once")."""

    victim = serializers.IntegerField()
    role = serializers.ChoiceField(choices=VictimRole.choices)
    language = serializers.CharField()
    interpreter_needed = serializers.BooleanField()
    accessible_format = serializers.ChoiceField(choices=AccessibleFormat.choices, allow_blank=True)
    needs = NeedsVersionOutputSerializer(allow_null=True)
    updated_at = serializers.DateTimeField(
        help_text="When the victim's record or needs assessment last changed (for sync)."
    )


class CrimeNeedsOutputSerializer(serializers.Serializer):
    crn = serializers.CharField()
    next = serializers.URLField(
        allow_null=True,
        help_text="With modified_since, the next page (later changes); otherwise null: "
        "every victim is on the one page.",
    )
    victims = VictimNeedsOutputSerializer(many=True)


class LondonDateTimeField(serializers.DateTimeField):
    """ISO 8601 in Europe/London with a numeric offset (+00:00 or +01:00), the form
    `victimcare duties explain` prints, so a deadline reads the same everywhere."""

    def to_representation(self, value):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        return value.astimezone(LONDON).isoformat()


class DutyExplanationEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.ChoiceField(choices=EventCode.choices)
    label = serializers.CharField()
    occurred_at = serializers.DateTimeField()
    received_at = serializers.DateTimeField()


class DutyExplanationRuleSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="The rule's code in its edition of the Code.")
    edition = serializers.CharField()
    edition_title = serializers.CharField()
    right = serializers.IntegerField(min_value=1, max_value=12)
    source = serializers.CharField(allow_blank=True)
    confirmed = serializers.BooleanField(
        help_text="False for rules not yet confirmed in the Code's own text."
    )
    clock = serializers.ChoiceField(choices=Clock.choices)


class DutyDeadlineSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DeadlineKind.choices)
    amount = serializers.IntegerField()


class SkippedDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    reason = serializers.CharField(help_text="Saturday, Sunday, a bank holiday or a closure.")


class DutyExplanationSerializer(serializers.Serializer):
    """Why the duty exists and how its deadline was counted (duties.selectors.duty_explain)."""

    event = DutyExplanationEventSerializer()
    rule = DutyExplanationRuleSerializer()
    enhanced = serializers.BooleanField()
    deadline = DutyDeadlineSerializer()
    started_at = serializers.DateTimeField()
    started_day = serializers.DateField(help_text="Day 0 of the count, in London.")
    due_at = serializers.DateTimeField()
    skipped_days = SkippedDaySerializer(many=True)
    periodic_after_duty_id = serializers.IntegerField(allow_null=True)
    replaced_by_duty_id = serializers.IntegerField(allow_null=True)


class DutyOutputSerializer(serializers.Serializer):
    """One Victims' Code duty on a crime: the victim by id only, no names or contact details."""

    id = serializers.IntegerField()
    victim = serializers.IntegerField(source="victim_id")
    right = serializers.IntegerField(min_value=1, max_value=12)
    rule = serializers.CharField(source="rule.code")
    duty = serializers.CharField(source="rule.duty")
    owner = serializers.ChoiceField(choices=Owner.choices)
    owner_organisation = serializers.CharField(source="owner_organisation.code")
    state = serializers.ChoiceField(choices=DutyState.choices)
    enhanced = serializers.BooleanField(help_text="Counted with the enhanced-rights deadline.")
    due = LondonDateTimeField(source="due_at")
    started = LondonDateTimeField(source="started_at", help_text="When the clock started.")
    completed_at = LondonDateTimeField(allow_null=True)
    on_time = serializers.BooleanField(allow_null=True, help_text="Null until the duty is done.")
    closed_reason = serializers.CharField(
        allow_blank=True, help_text="Why it does not apply (or why the system closed it)."
    )
    explanation = serializers.SerializerMethodField()
    updated_at = serializers.DateTimeField(
        help_text="When the duty last changed: made, overdue, reminded, done, reopened, "
        "not applicable or replaced (for sync; see docs/api-sync.md)."
    )

    @extend_schema_field(DutyExplanationSerializer)
    def get_explanation(self, duty: Duty) -> dict[str, Any]:
        return dict(DutyExplanationSerializer(duty_explain(duty=duty)).data)


class DutiesPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next (later-due) page, or null.")
    results = DutyOutputSerializer(many=True)


CONFLICT_CODES = [("idempotency_conflict", "idempotency_conflict")]


class ConflictErrorSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=CONFLICT_CODES)
    detail = serializers.CharField()
    attr = serializers.CharField(allow_null=True)


class ConflictErrorResponseSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=ClientErrorEnum.choices)
    errors = ConflictErrorSerializer(many=True)
