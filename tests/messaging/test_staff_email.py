"""Officers' reminders and escalations also arrive by email: one digest per person
per run, through the outbox, naming cases by CRN and never a victim."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from victimcare.cases.services import VictimInput
from victimcare.duties.jobs import duties_overdue_sweep, duties_reminder_sweep
from victimcare.duties.models import DutyNotification
from victimcare.messaging.constants import Channel, RecipientKind
from victimcare.messaging.models import OutboundMessage
from victimcare.messaging.staff_email import duty_notifications_email

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def test_reminders_and_escalations_go_out_once_as_a_digest(make_crime, officer, supervisor):
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=LONDON), tick=False):
        crime = make_crime(
            occurred_at=dt.datetime(2026, 3, 1, 20, 0, tzinfo=LONDON),
            victims=[VictimInput(full_name="Test Victim", phone="07700 900001")],
        )
    # Tuesday: the needs assessment (2 working days) is due by Wednesday's end.
    with time_machine.travel(dt.datetime(2026, 3, 3, 9, 0, tzinfo=LONDON), tick=False):
        assert duties_reminder_sweep() > 0
        assert duty_notifications_email() == 1
        assert duty_notifications_email() == 0, "a rerun queues nothing"
    # Thursday: they are overdue, escalated to the team's supervisor.
    with time_machine.travel(dt.datetime(2026, 3, 5, 9, 0, tzinfo=LONDON), tick=False):
        assert duties_overdue_sweep() > 0
        assert duty_notifications_email() == 1

    emails = list(OutboundMessage.objects.order_by("created_at"))
    assert [(e.channel, e.recipient_kind, e.recipient) for e in emails] == [
        (Channel.EMAIL, RecipientKind.STAFF, officer.email),
        (Channel.EMAIL, RecipientKind.STAFF, supervisor.email),
    ]
    reminder, escalation = emails
    assert "due soon" in reminder.subject and crime.crn in reminder.body
    assert "overdue since" in escalation.body and crime.crn in escalation.body
    for email in emails:
        assert "Test Victim" not in email.body
        assert "/duties/" in email.body
    assert not DutyNotification.objects.filter(emailed_at__isnull=True).exists()


def test_a_person_who_read_the_notification_gets_no_email(make_crime, officer):
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=LONDON), tick=False):
        make_crime(
            occurred_at=dt.datetime(2026, 3, 1, 20, 0, tzinfo=LONDON),
            victims=[VictimInput(full_name="Test Victim", phone="07700 900001")],
        )
    with time_machine.travel(dt.datetime(2026, 3, 3, 9, 0, tzinfo=LONDON), tick=False):
        duties_reminder_sweep()
        DutyNotification.objects.update(read_at=dt.datetime(2026, 3, 3, 9, 1, tzinfo=LONDON))
        assert duty_notifications_email() == 0
    assert not OutboundMessage.objects.exists()
