"""Queueing a message: written with the case change, rung only after commit, once per fact."""

from __future__ import annotations

import pytest
from django.db import transaction

from victimcare.messaging.constants import Status
from victimcare.messaging.models import MessageStatusEvent, OutboundMessage

from .conftest import enqueue_sms

pytestmark = pytest.mark.django_db


class CaseChangeFailed(Exception):
    pass


def test_the_same_fact_queued_twice_is_one_message(django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks() as callbacks:
        first = enqueue_sms("crime-1:charged:v1:sms")
        again = enqueue_sms("crime-1:charged:v1:sms", body="Different words, same fact.")

    assert again.pk == first.pk
    assert OutboundMessage.objects.count() == 1
    assert len(callbacks) == 1, "only the new row rings the doorbell"
    assert OutboundMessage.objects.get().body.startswith("An update on your case")


def test_personal_data_is_encrypted_at_rest() -> None:
    message = enqueue_sms()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT recipient, body FROM messaging_outboundmessage WHERE id = %s",
            [message.pk.hex if connection.vendor == "sqlite" else message.pk],
        )
        recipient, body = cursor.fetchone()
    assert "900123" not in recipient
    assert "case" not in body
    assert OutboundMessage.objects.get().recipient == "07700 900123"


def test_a_rolled_back_case_change_leaves_no_message_and_no_task(
    django_capture_on_commit_callbacks,
) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(CaseChangeFailed):
            with transaction.atomic():
                enqueue_sms()
                raise CaseChangeFailed

    assert callbacks == []
    assert not OutboundMessage.objects.exists()


def test_a_committed_message_is_delivered_to_the_local_outbox(
    django_capture_on_commit_callbacks, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.MESSAGING_LOCAL_DELIVERS_AT_ONCE = True
    # Tests run tasks with the ImmediateBackend: the doorbell runs the send task.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = enqueue_sms()

    # The doorbell, then the status hook after each committed change (claimed,
    # sending, sent, delivered: the local outbox is where the message ends up).
    assert len(callbacks) == 5
    message.refresh_from_db()
    assert message.status == Status.DELIVERED
    assert message.completed_at is not None
    assert message.provider_id == f"local-{message.pk}"
    assert message.attempts == 1
    assert message.doorbell_at is not None
    assert list(
        MessageStatusEvent.objects.filter(message=message).values_list("to_status", flat=True)
    ) == [Status.PENDING, Status.CLAIMED, Status.SENDING, Status.SENT, Status.DELIVERED]
