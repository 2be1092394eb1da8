"""The demo's last days of events were told to their victims through the real
messaging path: messages queued (or contact tasks where it is not safe), which
the local outbox delivers, completing their duties."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from victimcare.duties.constants import DutyState
from victimcare.messaging.constants import RecipientKind, Status
from victimcare.messaging.models import ContactTask, OutboundMessage
from victimcare.messaging.services import message_send

pytestmark = pytest.mark.django_db


def test_recent_events_are_messaged_and_the_outbox_completes_their_duties(
    settings, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    settings.MESSAGING_LOCAL_DELIVERS_AT_ONCE = True
    call_command(
        "demo",
        *("--scale", "0.2", "--seed", "1", "--crimes", "600", "--epoch", "2026-11-30"),
        stdout=StringIO(),
        stderr=StringIO(),
    )
    # To victims (the desk step also writes to complainants and forum volunteers).
    messages = list(
        OutboundMessage.objects.filter(recipient_kind=RecipientKind.VICTIM).select_related("duty")
    )
    assert messages, "the last days' events queue messages"
    assert all(m.duty is not None and m.status == Status.PENDING for m in messages)

    # The worker's path, with the status hook run as each change commits.
    with django_capture_on_commit_callbacks(execute=True):
        for message in messages:
            message_send(message_id=message.pk, worker_id="demo-test")
    for message in messages:
        message.refresh_from_db()
        message.duty.refresh_from_db()
        assert message.status == Status.DELIVERED
        assert message.duty.state == DutyState.DONE


def test_a_reset_deletes_the_demo_messages_first() -> None:
    args = ("--scale", "0.2", "--seed", "1", "--crimes", "300", "--epoch", "2026-11-30")
    call_command("demo", *args, stdout=StringIO(), stderr=StringIO())
    before = OutboundMessage.objects.count() + ContactTask.objects.count()
    call_command("demo", *args, "--reset", stdout=StringIO(), stderr=StringIO())
    assert OutboundMessage.objects.count() + ContactTask.objects.count() == before
