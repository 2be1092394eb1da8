"""The story: a victim rings the desk. Dana Desk finds the case by phone number,
passes the identity check, sees "Do not leave voicemail", and records that she
explained the bail conditions, which completes the bail duty. The timeline
shows the call in fixed words; the desk's own note is encrypted. Bad input
writes nothing; officers never reach these pages."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from victimcare.cases.constants import EventCode
from victimcare.cases.models import JourneyEvent
from victimcare.cases.services import event_record
from victimcare.core.constants import AuditAction
from victimcare.core.models import AuditEvent
from victimcare.desk import messages as msg
from victimcare.desk.models import DeskCall
from victimcare.duties.constants import DutyState
from victimcare.duties.models import Duty

from .conftest import VICTIM_PHONE, signed_in, text

pytestmark = pytest.mark.django_db
SUMMARY = "Explained the bail conditions: no contact, stay away from the home street."


@pytest.fixture
def bail_duty(crime, victim, officer):  # type: ignore[no-untyped-def]
    event_record(
        actor=officer,
        crime=crime,
        code=EventCode.RELEASED_ON_BAIL,
        occurred_at=crime.reported_at,
        details={"conditions": ["Not to contact the victim"]},
    )
    return Duty.objects.get(crime=crime, victim=victim, rule__code="released-on-bail-inform")


def _checked(desk, victim, crime) -> str:  # type: ignore[no-untyped-def]
    check = reverse("desk:identity-check", args=[victim.pk, crime.pk])
    desk.post(check, {"method": "code_word", "outcome": "passed"})
    return reverse("desk:record-call", args=[victim.pk, crime.pk])


def test_the_agent_records_that_they_explained_the_bail_conditions(
    desk, desk_agent, crime, victim, bail_duty
):
    found = desk.post(
        reverse("desk:search"),
        {"phone": VICTIM_PHONE, "purpose": "The victim called the desk"},
        follow=True,
    )
    check = reverse("desk:identity-check", args=[victim.pk, crime.pk])
    assert check in found.content.decode()
    record = _checked(desk, victim, crime)
    case = text(desk.get(reverse("desk:case", args=[victim.pk, crime.pk])))
    assert "Do not leave voicemail" in case and "Record the call" in case

    form = text(desk.get(record))
    assert "Inform the victim that the suspect was released on bail" in form
    response = desk.post(
        record,
        {
            "channel": "phone_in",
            "caller": "victim",
            "topics": ["bail"],
            "summary": SUMMARY,
            "fulfils": [str(bail_duty.pk)],
            "follow_up": "none",
            "idempotency_key": "k" * 24,
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("desk:case", args=[victim.pk, crime.pk])

    bail_duty.refresh_from_db()
    assert bail_duty.state == DutyState.DONE
    event = JourneyEvent.objects.get(crime=crime, code=EventCode.CONTACT_CALL)
    assert event.victim_id == victim.pk
    assert event.summary == (
        "Victim Focus Desk call (they rang the desk). "
        "Told them about the suspect's bail and its conditions."
    )
    call = DeskCall.objects.get()
    assert call.event == event and call.summary == SUMMARY and call.recorded_by == desk_agent
    with connection.cursor() as cursor:
        cursor.execute("SELECT summary FROM desk_deskcall WHERE id = %s", [call.pk])
        assert "bail" not in cursor.fetchone()[0]
    # Audited as the event service does, plus the desk's note (ids only).
    created = AuditEvent.objects.get(
        action=AuditAction.CREATE, object_type="cases.crime", detail__event_id=event.pk
    )
    assert created.detail["fulfilled_duty_ids"] == [bail_duty.pk]
    note = AuditEvent.objects.get(object_type="desk.call")
    assert note.subject_id == str(victim.pk) and SUMMARY not in str(note.detail)

    # The case view now shows what they were last told.
    page = text(desk.get(reverse("desk:case", args=[victim.pk, crime.pk])))
    assert "Told them about the suspect's bail and its conditions." in page

    # A resubmitted form records nothing more.
    again = desk.post(
        record,
        {
            "channel": "phone_in",
            "caller": "victim",
            "summary": SUMMARY,
            "follow_up": "none",
            "idempotency_key": "k" * 24,
        },
    )
    assert again.status_code == 302
    assert DeskCall.objects.count() == 1
    assert JourneyEvent.objects.filter(code=EventCode.CONTACT_CALL).count() == 1


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"channel": "phone_in", "caller": "victim", "follow_up": "none"}, msg.SUMMARY_REQUIRED),
        (
            {"channel": "phone_in", "caller": "victim", "follow_up": "none", "summary": "x" * 2001},
            msg.SUMMARY_TOO_LONG,
        ),
        ({"caller": "victim", "follow_up": "none", "summary": "Called"}, msg.CHANNEL_REQUIRED),
        (
            {"channel": "phone_in", "caller": "contact", "follow_up": "none", "summary": "Hi"},
            msg.CONTACT_REQUIRED,
        ),
        (
            {
                "channel": "phone_in",
                "caller": "victim",
                "follow_up": "none",
                "summary": "Hi",
                "fulfils": ["999999"],
            },
            msg.FULFILS_INVALID,
        ),
    ],
    ids=["no-summary", "long-summary", "no-channel", "no-contact", "unknown-duty"],
)
def test_bad_input_writes_nothing(desk, crime, victim, bail_duty, data, error):
    record = _checked(desk, victim, crime)
    response = desk.post(record, data)
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    assert error in text(response)
    assert not DeskCall.objects.exists()
    assert not JourneyEvent.objects.filter(code=EventCode.CONTACT_CALL).exists()
    bail_duty.refresh_from_db()
    assert bail_duty.state != DutyState.DONE


def test_a_third_party_call_cannot_complete_duties(desk, crime, victim, bail_duty):
    record = _checked(desk, victim, crime)
    response = desk.post(
        record,
        {
            "channel": "phone_in",
            "caller": "third_party",
            "summary": "A neighbour asked about the case; nothing was said.",
            "fulfils": [str(bail_duty.pk)],
            "follow_up": "none",
        },
    )
    assert msg.THIRD_PARTY_FULFILS in text(response)
    assert not DeskCall.objects.exists()


def test_recording_needs_the_identity_check(desk, crime, victim):
    record = reverse("desk:record-call", args=[victim.pk, crime.pk])
    assert desk.get(record).url == reverse("desk:identity-check", args=[victim.pk, crime.pk])


def test_escalating_to_the_supervisor_after_the_call(desk, desk_agent, crime, victim, supervisor):
    record = _checked(desk, victim, crime)
    response = desk.post(
        record,
        {
            "channel": "phone_in",
            "caller": "victim",
            "summary": "Worried the suspect is breaking bail.",
            "follow_up": "escalate",
        },
    )
    call = DeskCall.objects.get()
    escalate = reverse("desk:escalate", args=[victim.pk, crime.pk])
    assert response.url == f"{escalate}?call={call.pk}"
    missing = desk.post(escalate, {"call": call.pk, "to": "supervisor"})
    assert msg.ESCALATE_REASON_REQUIRED in text(missing)
    done = desk.post(
        escalate, {"call": call.pk, "to": "supervisor", "reason": "Possible bail breach."}
    )
    assert done.status_code == 302
    page = text(desk.get(reverse("desk:case", args=[victim.pk, crime.pk])))
    assert "Escalated to a supervisor of the officer's team (Sam Supervisor)" in page
    assert "Possible bail breach." in page
    entry = AuditEvent.objects.get(object_type="desk.escalation")
    assert entry.detail["assignee_id"] == supervisor.pk
    assert "bail" not in str(entry.detail)


def test_officers_get_not_found(crime, victim, officer):
    client = signed_in(officer)
    for name in ("desk:record-call", "desk:call-back", "desk:escalate"):
        url = reverse(name, args=[victim.pk, crime.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {}).status_code == 404
    assert not DeskCall.objects.exists()


def test_a_call_from_a_recorded_contact(desk, crime, victim, officer, bail_duty):
    from victimcare.cases.services import VictimInput, victim_add

    contact = victim_add(
        actor=officer,
        crime=crime,
        data=VictimInput(full_name="Test Contact", role="nominated_contact"),
    )
    record = _checked(desk, victim, crime)
    assert f'value="{contact.pk}"' in desk.get(record).content.decode()
    response = desk.post(
        record,
        {
            "channel": "phone_in",
            "caller": "contact",
            "contact": str(contact.pk),
            "topics": ["bail"],
            "summary": "Their contact rang; explained the bail conditions.",
            "fulfils": [str(bail_duty.pk)],
            "follow_up": "none",
        },
    )
    assert response.status_code == 302
    call = DeskCall.objects.get()
    assert call.caller_contact_id == contact.pk and call.victim_id == victim.pk
    assert call.event.summary.startswith("Victim Focus Desk call with their recorded contact")
    bail_duty.refresh_from_db()
    assert bail_duty.state == DutyState.DONE
