"""Data retention: what the nightly sweep deletes or erases, when, and what it records.

Each story puts rows just inside and just past a rule's period (the clock is
moved with time-machine, never waited for), runs the sweep, and looks at the
rows and the audit log.
"""

from __future__ import annotations

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from victimcare.cases.constants import CrimeOutcome, CrimeStatus
from victimcare.cases.models import Crime, CrimeVictim, IntakeDraft, Victim
from victimcare.core import retention as ret
from victimcare.core.audit import audit_verify
from victimcare.core.constants import AuditAction
from victimcare.core.models import AuditEvent
from victimcare.core.retention import DELETE, ERASE, RetentionRule, retention_run
from victimcare.core.scheduler import discover_jobs
from victimcare.feedback.constants import InvitationChannel, ReviewKind, ReviewState
from victimcare.feedback.models import Response, Review
from victimcare.feedback.services import invitation_create
from victimcare.messaging.constants import Channel, RecipientKind, Status, TaskKind
from victimcare.messaging.models import ContactTask, OutboundMessage

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


def rule(name: str) -> RetentionRule:
    return next(r for r in ret.RULES if r.name == name)


def entries(name: str) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(object_type=ret.AUDIT_OBJECT_TYPE, object_id=name).order_by("seq")
    )


def run_at(when: dt.datetime, only: str, **kwargs: object) -> ret.RuleOutcome:
    with time_machine.travel(when, tick=False):
        (outcome,) = retention_run(only=only, **kwargs)  # type: ignore[arg-type]
    return outcome


def draft_saved(owner, when: dt.datetime) -> IntakeDraft:  # type: ignore[no-untyped-def]
    with time_machine.travel(when, tick=False):
        return IntakeDraft.objects.create(owner=owner, data='{"step": 1}')


def message_queued(n: int, when: dt.datetime, status: str = Status.DELIVERED) -> OutboundMessage:
    with time_machine.travel(when, tick=False):
        return OutboundMessage.objects.create(
            channel=Channel.SMS,
            recipient_kind=RecipientKind.VICTIM,
            recipient=f"+4477009000{n:02d}",
            body="An update on your case is ready.",
            template_code="regular_update",
            idempotency_key=f"retention-test:{n}",
            status=status,
        )


# --- Delete rules: intake drafts ------------------------------------------------------


@pytest.mark.django_db
def test_a_draft_just_inside_its_30_days_survives_and_one_just_past_is_deleted(officer) -> None:
    kept = draft_saved(officer, START + 2 * MINUTE)
    gone = draft_saved(officer, START)

    outcome = run_at(START + dt.timedelta(days=30) + MINUTE, "intake_drafts")

    assert list(IntakeDraft.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not IntakeDraft.objects.filter(pk=gone.pk).exists()
    assert (outcome.due, outcome.done, outcome.complete) == (1, 1, True)


@pytest.mark.django_db
def test_each_run_writes_one_audit_entry_per_rule_with_counts_only(officer) -> None:
    draft_saved(officer, START)
    draft_saved(officer, START + MINUTE)

    with time_machine.travel(START + dt.timedelta(days=31), tick=False):
        outcomes = retention_run()

    assert len(outcomes) == len(ret.RULES)
    (entry,) = entries("intake_drafts")
    assert entry.action == AuditAction.DELETE
    assert entry.actor_id is None and entry.subject_type == "" and entry.subject_id == ""
    assert entry.detail["done"] == 2 and entry.detail["due"] == 2
    assert entry.detail["complete"] is True
    # Counts only: no row ids or values of what was deleted.
    assert set(entry.detail) <= {
        "rule", "action", "days", "due", "done", "cascaded", "refused", "batches",
        "complete", "through", "window_from", "resume",
    }  # fmt: skip
    for other in ret.RULES:
        assert len(entries(other.name)) == 1
    assert audit_verify().ok


@pytest.mark.django_db
def test_a_dry_run_counts_and_changes_nothing(officer) -> None:
    draft = draft_saved(officer, START)
    message = message_queued(1, START)
    before = AuditEvent.objects.count()

    with time_machine.travel(START + dt.timedelta(days=60), tick=False):
        outcomes = {o.rule: o for o in retention_run(dry_run=True)}

    assert outcomes["intake_drafts"].due == 1
    assert outcomes["message_content"].due == 1
    assert IntakeDraft.objects.filter(pk=draft.pk).exists()
    message.refresh_from_db()
    assert message.body == "An update on your case is ready."
    assert AuditEvent.objects.count() == before


@pytest.mark.django_db
def test_the_batch_limit_is_respected_and_the_next_run_finishes_the_job(officer) -> None:
    for i in range(5):
        draft_saved(officer, START + i * MINUTE)
    later = START + dt.timedelta(days=40)

    first = run_at(later, "intake_drafts", batch_size=2, max_batches=2)

    assert (first.done, first.batches, first.complete) == (4, 2, False)
    assert IntakeDraft.objects.count() == 1
    assert entries("intake_drafts")[-1].detail["complete"] is False

    second = run_at(later, "intake_drafts", batch_size=2, max_batches=2)

    assert (second.done, second.complete) == (1, True)
    assert IntakeDraft.objects.count() == 0


# --- Erase rules: message content (the audit-log watermark) ---------------------------


@pytest.mark.django_db
def test_message_words_and_address_are_erased_after_7_days_and_the_status_row_stays() -> None:
    old = message_queued(1, START)
    recent = message_queued(2, START + 2 * MINUTE)

    outcome = run_at(START + dt.timedelta(days=7) + MINUTE, "message_content")

    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.recipient, old.subject, old.body) == ("", "", "")
    assert old.status == Status.DELIVERED and old.template_code == "regular_update"
    assert recent.body == "An update on your case is ready."
    assert recent.recipient == "+447700900002"
    assert outcome.done == 1


@pytest.mark.django_db
def test_a_message_still_being_sent_is_kept_and_erased_once_it_is_final() -> None:
    waiting = message_queued(1, START, status=Status.NEEDS_ATTENTION)
    done = message_queued(2, START + MINUTE)
    night = START + dt.timedelta(days=8)

    first = run_at(night, "message_content")

    waiting.refresh_from_db()
    assert waiting.body == "An update on your case is ready."
    assert first.done == 1
    # The message that could not be erased holds the mark back for later runs.
    assert entries("message_content")[-1].detail["through"] == START.isoformat()

    OutboundMessage.objects.filter(pk=waiting.pk).update(status=Status.CANCELLED)
    second = run_at(night + dt.timedelta(days=1), "message_content")

    waiting.refresh_from_db()
    assert waiting.body == "" and waiting.recipient == ""
    assert second.done >= 1
    done.refresh_from_db()
    assert done.body == ""


@pytest.mark.django_db
def test_an_erase_rule_past_its_batch_limit_resumes_where_it_stopped() -> None:
    for i in range(5):
        message_queued(i, START + i * MINUTE)
    night = START + dt.timedelta(days=10)

    first = run_at(night, "message_content", batch_size=2, max_batches=2)

    assert (first.done, first.complete) == (4, False)
    assert "resume" in entries("message_content")[-1].detail
    assert sorted(m.body for m in OutboundMessage.objects.all()) == [""] * 4 + [
        "An update on your case is ready."
    ]

    second = run_at(night, "message_content", batch_size=2, max_batches=2)

    assert (second.done, second.complete) == (1, True)
    assert {m.body for m in OutboundMessage.objects.all()} == {""}
    # Finished: the next run starts after everything already erased.
    third = run_at(night, "message_content", batch_size=2, max_batches=2)
    assert third.due == 0


# --- Feedback free text ---------------------------------------------------------------


@pytest.mark.django_db
def test_feedback_comments_go_after_a_year_unless_a_review_is_still_open(officer) -> None:
    def respond(comment: str) -> Response:
        with time_machine.travel(START, tick=False):
            invitation, _ = invitation_create(officer=officer, channel=InvitationChannel.CARD)
            return Response.objects.create(invitation=invitation, rating=2, went_well=comment)

    plain = respond("Kind and quick.")
    reviewed = respond("Could have called back.")
    Review.objects.create(
        response=reviewed,
        kind=ReviewKind.LOW_RATING,
        officer=officer,
        organisation=officer.organisation,
        due_at=START + dt.timedelta(days=14),
        state=ReviewState.OPEN,
    )

    run_at(START + dt.timedelta(days=365) - MINUTE, "feedback_free_text")
    plain.refresh_from_db()
    assert plain.went_well == "Kind and quick."

    run_at(START + dt.timedelta(days=365) + MINUTE, "feedback_free_text")
    plain.refresh_from_db()
    reviewed.refresh_from_db()
    assert plain.went_well == "" and plain.rating == 2
    assert reviewed.went_well == "Could have called back."


# --- Victims: anonymised years after their cases closed -------------------------------


def closed(crime: Crime, when: dt.datetime) -> None:
    Crime.objects.filter(pk=crime.pk).update(
        status=CrimeStatus.CLOSED, outcome=CrimeOutcome.NO_SUSPECT, updated_at=when
    )


def victim_of(*crimes: Crime) -> Victim:
    person = Victim.objects.create(
        force_id=crimes[0].force_id,
        full_name="Example Person",
        phone="+447700900123",
        email="person@example.org",
        address="1 Example Street",
    )
    for crime in crimes:
        CrimeVictim.objects.create(crime=crime, victim=person)
    return person


@pytest.mark.django_db
def test_a_victim_is_anonymised_six_years_after_their_last_case_closed(make_crime) -> None:
    first, second = make_crime(), make_crime()
    person = victim_of(first, second)
    still_open = victim_of(make_crime())
    closed(first, START)
    closed(second, START + dt.timedelta(days=30))
    six_years = dt.timedelta(days=6 * 365)

    run_at(START + six_years + MINUTE, "victims_closed_cases")
    person.refresh_from_db()
    assert person.full_name == "Example Person"  # the second case closed later

    outcome = run_at(START + dt.timedelta(days=30) + six_years + MINUTE, "victims_closed_cases")

    person.refresh_from_db()
    assert person.full_name == "" and person.name_index is None
    assert (person.phone, person.email, person.address) == (None, None, None)
    assert person.phone_index is None and person.email_index is None
    assert CrimeVictim.objects.filter(victim=person).count() == 2
    still_open.refresh_from_db()
    assert still_open.full_name == "Example Person"
    assert outcome.done == 1


@pytest.mark.django_db
def test_a_victim_of_a_serious_crime_is_kept_ten_years(make_crime) -> None:
    crime = make_crime(offence="rape")
    person = victim_of(crime)
    closed(crime, START)

    run_at(START + dt.timedelta(days=6 * 365 + 1), "victims_closed_cases")
    run_at(START + dt.timedelta(days=6 * 365 + 1), "victims_closed_serious_cases")
    person.refresh_from_db()
    assert person.full_name == "Example Person"

    run_at(START + dt.timedelta(days=10 * 365 + 1), "victims_closed_serious_cases")
    person.refresh_from_db()
    assert person.full_name == ""


# --- Rows that must never be deleted, and rows still needed elsewhere ------------------


@pytest.mark.parametrize(
    ("model", "action", "message"),
    [
        ("cases.JourneyEvent", ERASE, "never deleted or erased"),
        ("cases.NeedsAssessmentVersion", DELETE, "never deleted or erased"),
        ("core.AuditEvent", DELETE, "never deleted or erased"),
        ("cases.Crime", DELETE, "would cascade to cases.journeyevent"),
    ],
)
@pytest.mark.django_db
def test_a_rule_that_would_touch_the_audit_log_or_an_immutable_row_is_refused_before_anything_changes(
    officer, model: str, action: str, message: str
) -> None:
    draft = draft_saved(officer, START)
    bad = RetentionRule(
        name="bad",
        model=model,
        what="",
        action=action,
        days=1,
        clock="id",
        from_when="",
        reason="",
        source="",
    )

    with time_machine.travel(START + dt.timedelta(days=90), tick=False):
        with pytest.raises(ImproperlyConfigured, match=message):
            retention_run(rules=(rule("intake_drafts"), bad))

    assert IntakeDraft.objects.filter(pk=draft.pk).exists()


@pytest.mark.django_db
def test_a_row_still_needed_by_another_table_is_refused_and_the_others_go(make_crime) -> None:
    crime = make_crime()
    person = victim_of(crime)
    needed = message_queued(1, START)
    free = message_queued(2, START + MINUTE)
    ContactTask.objects.create(
        crime=crime, victim=person, message=needed, kind=TaskKind.DELIVERY_FAILED, reason="test"
    )
    delete_messages = RetentionRule(
        name="messages_deleted",
        model="messaging.OutboundMessage",
        what="",
        action=DELETE,
        days=1,
        clock="created_at",
        from_when="",
        reason="",
        source="",
    )

    with time_machine.travel(START + dt.timedelta(days=2), tick=False):
        (outcome,) = retention_run(rules=(delete_messages,))

    assert OutboundMessage.objects.filter(pk=needed.pk).exists()
    assert not OutboundMessage.objects.filter(pk=free.pk).exists()
    assert (outcome.done, outcome.refused) == (1, 1)
    assert entries("messages_deleted")[-1].detail["refused"] == 1


# --- Overrides from the environment ---------------------------------------------------


@pytest.mark.django_db
def test_a_period_can_be_shortened_by_the_environment(officer, settings) -> None:
    settings.RETENTION_DAYS = {"INTAKE_DRAFTS": 10}
    draft = draft_saved(officer, START)

    outcome = run_at(START + dt.timedelta(days=10) + MINUTE, "intake_drafts")

    assert not IntakeDraft.objects.filter(pk=draft.pk).exists()
    assert outcome.days == 10
    assert entries("intake_drafts")[-1].detail["days"] == 10


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"NO_SUCH_RULE": 5}, "RETENTION_NO_SUCH_RULE_DAYS names no retention rule"),
        ({"MESSAGE_CONTENT": 1}, "RETENTION_MESSAGE_CONTENT_DAYS is 1; this rule needs at least 3"),
    ],
)
@pytest.mark.django_db
def test_a_bad_override_stops_the_sweep_before_it_changes_anything(
    officer, settings, overrides: dict[str, int], message: str
) -> None:
    settings.RETENTION_DAYS = overrides
    draft = draft_saved(officer, START)

    with time_machine.travel(START + dt.timedelta(days=90), tick=False):
        with pytest.raises(ImproperlyConfigured, match=message):
            retention_run()

    assert IntakeDraft.objects.filter(pk=draft.pk).exists()
    assert not entries("intake_drafts")


# --- The job and the command ----------------------------------------------------------


@pytest.mark.django_db
def test_the_nightly_job_runs_once_in_the_night_hour(officer) -> None:
    spec = discover_jobs()["retention_sweep"]
    first, second = draft_saved(officer, START), draft_saved(officer, START + MINUTE)
    # Mid-morning the claim does nothing; ten past two in London it runs.
    morning = START + dt.timedelta(days=31)
    night = dt.datetime(2026, 4, 3, 2, 10, tzinfo=ZoneInfo("Europe/London"))

    with time_machine.travel(morning, tick=False):
        assert spec.func() == {}
    assert IntakeDraft.objects.count() == 2

    with time_machine.travel(night, tick=False):
        done = spec.func()
    assert done["intake_drafts"] == 2  # type: ignore[index]
    assert not IntakeDraft.objects.filter(pk__in=[first.pk, second.pk]).exists()

    # A second claim in the same hour finds the night's run recorded.
    draft_saved(officer, START)
    with time_machine.travel(night + dt.timedelta(minutes=30), tick=False):
        assert spec.func() == {}
    assert IntakeDraft.objects.count() == 1


@pytest.mark.django_db
def test_the_command_lists_the_rules_and_runs_them_dry_or_for_real(officer) -> None:
    draft_saved(officer, START)
    out = StringIO()
    call_command("retention", "list", stdout=out)
    assert "intake_drafts" in out.getvalue() and "message_content" in out.getvalue()

    out = StringIO()
    with time_machine.travel(START + dt.timedelta(days=31), tick=False):
        call_command("retention", "run", "--dry-run", "--rule", "intake_drafts", stdout=out)
    assert out.getvalue().strip() == "intake_drafts: 1 rows would be deleted (dry run)"
    assert IntakeDraft.objects.count() == 1

    out = StringIO()
    with time_machine.travel(START + dt.timedelta(days=31), tick=False):
        call_command("retention", "run", "--rule", "intake_drafts", stdout=out)
    assert out.getvalue().strip() == "intake_drafts: 1 rows deleted"
    assert IntakeDraft.objects.count() == 0

    with pytest.raises(CommandError, match="No retention rule is called"):
        call_command("retention", "run", "--rule", "nonsense")


# --- Short-lived technical rows, and raw texts ----------------------------------------


@pytest.mark.django_db
def test_expired_sessions_old_rate_counters_and_idempotency_records_go(orgs) -> None:
    from django.contrib.sessions.models import Session

    from victimcare.api.models import IdempotencyRecord
    from victimcare.core.models import RateCounter

    with time_machine.travel(START, tick=False):
        Session.objects.create(session_key="a" * 32, session_data="{}", expire_date=START)
        Session.objects.create(
            session_key="b" * 32, session_data="{}", expire_date=START + dt.timedelta(days=60)
        )
        RateCounter.objects.create(key="k" * 64, window_start=START)
        IdempotencyRecord.objects.create(
            organisation=orgs["wcu"], key="retry-1", request_hash="0" * 64
        )

    with time_machine.travel(START + dt.timedelta(days=30) + MINUTE, tick=False):
        done = {o.rule: o.done for o in retention_run()}

    assert list(Session.objects.values_list("session_key", flat=True)) == ["b" * 32]
    assert not RateCounter.objects.exists()
    assert not IdempotencyRecord.objects.exists()
    assert (done["sessions"], done["rate_counters"], done["idempotency_records"]) == (1, 1, 1)


@pytest.mark.django_db
def test_inbound_texts_and_raw_receipts_are_erased_and_their_rows_kept() -> None:
    from victimcare.messaging.constants import EventSource
    from victimcare.messaging.models import InboundSms, MessageStatusEvent

    message = message_queued(1, START)
    with time_machine.travel(START, tick=False):
        text = InboundSms.objects.create(
            provider_id="in-1", from_number="+447700900321", content="5", raw='{"n": 1}'
        )
        event = MessageStatusEvent.objects.create(
            message=message,
            from_status=Status.SENT,
            to_status=Status.DELIVERED,
            source=EventSource.RECEIPT,
            raw='{"to": "+447700900001"}',
        )

    run_at(START + dt.timedelta(days=8), "message_receipts")
    event.refresh_from_db()
    text.refresh_from_db()
    assert event.raw is None and event.to_status == Status.DELIVERED
    assert text.content == "5"  # a year for texts

    run_at(START + dt.timedelta(days=366), "inbound_sms")
    text.refresh_from_db()
    assert (text.from_number, text.content, text.raw) == ("", "", "")
    assert text.from_number_index is None
