"""The retention table: what is deleted or erased, after how long, from when, and why.

`docs/retention.md` is the same table in words. `sweep.py` applies it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import Max, Q, QuerySet

DELETE = "delete"
ERASE = "erase"
AUDIT_OBJECT_TYPE = "core.retentionrule"

# Never touched by any rule, directly or by cascade (see module docstring).
PROTECTED_MODELS = frozenset(
    {"core.auditevent", "cases.journeyevent", "cases.needsassessmentversion"}
)

DAY = 1
YEAR = 365

# Plain-English messages (operators read them; tests import them).
UNKNOWN_OVERRIDE = "RETENTION_{name}_DAYS names no retention rule. Known rules: {known}."
OVERRIDE_TOO_SHORT = "RETENTION_{name}_DAYS is {days}; this rule needs at least {minimum} days."
RULE_ON_PROTECTED = "Retention rule {name} acts on {model}, which is never deleted or erased."
DELETE_REACHES_PROTECTED = (
    "Retention rule {name} deletes {model}, and that delete would cascade to {target}, "
    "which is never deleted. Erase the personal fields instead."
)


@dataclass(frozen=True)
class RetentionRule:
    """One line of the retention table. `rows` returns the model's rows the
    rule can still act on (for delete rules and marker-based erasures, rows not
    yet done); `eligible` narrows them to those that may be acted on now."""

    name: str
    model: str
    what: str
    action: str
    days: int
    clock: str
    from_when: str
    reason: str
    source: str
    erase: Mapping[str, Any] = field(default_factory=dict)
    rows: Callable[[], QuerySet[Any]] | None = None
    eligible: Callable[[], Q] | None = None
    watermark: bool = False
    min_days: int = DAY

    @property
    def model_class(self) -> type[models.Model]:
        return apps.get_model(self.model)

    def queryset(self) -> QuerySet[Any]:
        if self.rows is not None:
            return self.rows()
        return self.model_class._default_manager.all()


# --- The rows each rule can still act on ---------------------------------------------


def _victims_closed(*, serious: bool) -> Callable[[], QuerySet[Any]]:
    """Victims not yet anonymised whose every crime is closed, with the last
    change to any of their crimes as `last_case_change` (a closed crime that is
    touched again restarts the period: the safe direction). `serious` picks
    victims linked to an enhanced, restricted or domestic abuse crime."""

    def rows() -> QuerySet[Any]:
        from victimcare.cases.constants import CrimeStatus
        from victimcare.cases.models import Victim

        serious_q = (
            Q(crime_links__crime__offence__enhanced=True)
            | Q(crime_links__crime__offence__restricted=True)
            | Q(crime_links__crime__restricted=True)
            | Q(crime_links__crime__domestic_abuse=True)
        )
        qs = (
            Victim.objects.filter(name_index__isnull=False)
            .exclude(
                crime_links__crime__status__in=[s for s in CrimeStatus.values if s != "closed"]
            )
            .annotate(last_case_change=Max("crime_links__crime__updated_at"))
        )
        serious_ids = Victim.objects.filter(serious_q).values("pk")
        return qs.filter(pk__in=serious_ids) if serious else qs.exclude(pk__in=serious_ids)

    return rows


def _message_final() -> Q:
    from victimcare.messaging.constants import TERMINAL

    return Q(status__in=TERMINAL)


def _response_not_under_review() -> Q:
    from victimcare.feedback.constants import ReviewState

    return ~Q(review__state=ReviewState.OPEN)


def _finished_file(model: str) -> Callable[[], QuerySet[Any]]:
    def rows() -> QuerySet[Any]:
        return apps.get_model(model)._default_manager.exclude(content=b"").defer("content")

    return rows


def _webhook_final() -> Q:
    from victimcare.integrations.constants import DeliveryStatus

    return Q(status__in=[DeliveryStatus.DELIVERED, DeliveryStatus.FAILED, DeliveryStatus.CANCELLED])


def _nonempty_payload() -> QuerySet[Any]:
    from victimcare.integrations.models import WebhookDelivery

    return WebhookDelivery.objects.exclude(payload={})


def _status_events_with_raw() -> QuerySet[Any]:
    from victimcare.messaging.models import MessageStatusEvent

    return MessageStatusEvent.objects.filter(raw__isnull=False)


def _inbound_not_erased() -> QuerySet[Any]:
    from victimcare.messaging.models import InboundSms

    return InboundSms.objects.filter(from_number_index__isnull=False)


def _upload_finished() -> Q:
    return Q(finished_at__isnull=False)


# Anonymising a victim: identity and contact details go; blind indexes are
# cleared by hand (an update() does not recompute them), and a NULL name index
# marks the victim as done.
VICTIM_ERASE: dict[str, Any] = {
    "full_name": "",
    "name_index": None,
    "date_of_birth": None,
    "phone": None,
    "phone_index": None,
    "email": None,
    "email_index": None,
    "address": None,
    "code_word": None,
}

MOPI_SOURCE = (
    "College of Policing APP Information management (MoPI): review after a 6-year "
    "clear period for other offences, 10 years for serious ones; Limitation Act 1980 s.2 (6 years)"
)
NOTIFY_SOURCE = "GOV.UK Notify data retention default: 7 days (3 to 90 allowed)"

RULES: tuple[RetentionRule, ...] = (
    RetentionRule(
        name="intake_drafts",
        model="cases.IntakeDraft",
        what="unfinished crime intakes (encrypted answers)",
        action=DELETE,
        days=30,
        clock="updated_at",
        from_when="the draft was last saved",
        reason="Personal data typed by an officer, kept only while plausibly being worked on.",
        source="UK GDPR Art. 5(1)(e) storage limitation; cases.jobs.INTAKE_DRAFT_RETENTION",
    ),
    RetentionRule(
        name="message_content",
        model="messaging.OutboundMessage",
        what="recipient, subject and body of texts, emails and letters in a final status",
        action=ERASE,
        days=7,
        clock="created_at",
        from_when="the message was queued (erased once it is delivered, failed or cancelled)",
        reason=(
            "The row, its status history and template code stay for duties and statistics; "
            "the words and the address are not needed once the outcome is known."
        ),
        source=NOTIFY_SOURCE,
        erase={"recipient": "", "subject": "", "body": ""},
        eligible=_message_final,
        watermark=True,
        min_days=3,
    ),
    RetentionRule(
        name="message_receipts",
        model="messaging.MessageStatusEvent",
        what="raw provider receipts kept on message status events",
        action=ERASE,
        days=7,
        clock="occurred_at",
        from_when="the status change",
        reason="A raw receipt may repeat the recipient; the status itself stays.",
        source=NOTIFY_SOURCE,
        erase={"raw": None},
        rows=_status_events_with_raw,
        min_days=3,
    ),
    RetentionRule(
        name="delivery_callbacks",
        model="messaging.DeliveryReceipt",
        what="bodies of delivery-status callbacks",
        action=ERASE,
        days=7,
        clock="received_at",
        from_when="the callback arrived",
        reason="Applied within minutes; Notify itself gives up after 72 hours.",
        source=NOTIFY_SOURCE,
        erase={"raw": ""},
        watermark=True,
        min_days=3,
    ),
    RetentionRule(
        name="inbound_sms",
        model="messaging.InboundSms",
        what="texts victims sent to the service's number (number and words)",
        action=ERASE,
        days=YEAR,
        clock="received_at",
        from_when="the text arrived",
        reason="Mostly feedback replies: kept as long as feedback free text.",
        source="Same period as feedback free text (below)",
        erase={"from_number": "", "from_number_index": None, "content": "", "raw": ""},
        rows=_inbound_not_erased,
    ),
    RetentionRule(
        name="feedback_free_text",
        model="feedback.Response",
        what="the two free-text answers of a feedback response, once no review is open",
        action=ERASE,
        days=YEAR,
        clock="created_at",
        from_when="the response was given",
        reason=(
            "Ratings and equality answers stay for scores and published statistics; "
            "comments are read within weeks and a year covers annual reporting."
        ),
        source="UK GDPR Art. 5(1)(e); project decision (docs/retention.md)",
        erase={"went_well": "", "could_be_better": ""},
        eligible=_response_not_under_review,
        watermark=True,
    ),
    RetentionRule(
        name="sessions",
        model="sessions.Session",
        what="expired sign-in and tracker sessions",
        action=DELETE,
        days=0,
        clock="expire_date",
        from_when="the session expired",
        reason="An expired session is of no use and holds who was signed in.",
        source="OWASP ASVS 5.0 7.3 (session termination)",
        min_days=0,
    ),
    RetentionRule(
        name="rate_counters",
        model="core.RateCounter",
        what="rate-limit counters (hashed keys)",
        action=DELETE,
        days=2,
        clock="window_start",
        from_when="the counter's window started",
        reason="The longest window is a day.",
        source="core.ratelimit.MAX_WINDOW_SECONDS",
    ),
    RetentionRule(
        name="idempotency_records",
        model="api.IdempotencyRecord",
        what="partner API request fingerprints and the first responses kept for retries",
        action=DELETE,
        days=30,
        clock="created_at",
        from_when="the first request",
        reason=(
            "Retries come within hours; a stored response can repeat shared details. "
            "Events keep their own idempotency key, so a very late retry is still not recorded twice."
        ),
        source="Project decision; IETF draft-ietf-httpapi-idempotency-key-header (expiry is the server's choice)",
    ),
    RetentionRule(
        name="webhook_payloads",
        model="integrations.WebhookDelivery",
        what="bodies of webhook deliveries that were delivered, failed or cancelled",
        action=ERASE,
        days=90,
        clock="created_at",
        from_when="the delivery was queued",
        reason="Partners may ask for a replay for 90 days; the event stays on the timeline.",
        source="Project decision (partner API docs: replays)",
        erase={"payload": {}},
        rows=_nonempty_payload,
        eligible=_webhook_final,
    ),
    RetentionRule(
        name="bulk_upload_files",
        model="integrations.BulkUpload",
        what="uploaded event files still held after their check finished",
        action=ERASE,
        days=7,
        clock="uploaded_at",
        from_when="the file was uploaded",
        reason="The file is emptied when its check ends; this catches any left behind.",
        source="UK GDPR Art. 5(1)(e); core.filejobs",
        erase={"content": b""},
        rows=_finished_file("integrations.BulkUpload"),
        eligible=_upload_finished,
    ),
    RetentionRule(
        name="survey_import_files",
        model="insights.SurveyImport",
        what="uploaded survey files still held after their check finished",
        action=ERASE,
        days=7,
        clock="uploaded_at",
        from_when="the file was uploaded",
        reason="The file is emptied when its check ends; this catches any left behind.",
        source="UK GDPR Art. 5(1)(e); core.filejobs",
        erase={"content": b""},
        rows=_finished_file("insights.SurveyImport"),
        eligible=_upload_finished,
    ),
    RetentionRule(
        name="victims_closed_cases",
        model="cases.Victim",
        what="victims all of whose crimes are closed (no serious or restricted crime)",
        action=ERASE,
        days=6 * YEAR,
        clock="last_case_change",
        from_when="the last change to any of their crimes, once all are closed",
        reason=(
            "Anonymised: name, date of birth, contact details and code word erased; the row, "
            "its links, duties and equality data stay for compliance statistics."
        ),
        source=MOPI_SOURCE,
        erase=VICTIM_ERASE,
        rows=_victims_closed(serious=False),
        min_days=YEAR,
    ),
    RetentionRule(
        name="victims_closed_serious_cases",
        model="cases.Victim",
        what="victims all of whose crimes are closed, one of them serious, restricted or domestic abuse",
        action=ERASE,
        days=10 * YEAR,
        clock="last_case_change",
        from_when="the last change to any of their crimes, once all are closed",
        reason="As above, with the longer review period for serious offences.",
        source=MOPI_SOURCE,
        erase=VICTIM_ERASE,
        rows=_victims_closed(serious=True),
        min_days=YEAR,
    ),
)
