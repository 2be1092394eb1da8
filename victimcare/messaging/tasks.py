"""Doorbell tasks: they carry only an id; the outbox row is the state."""

from __future__ import annotations

from django.tasks import task

from .services import message_send, worker_identity


@task()
def message_send_task(*, message_id: str) -> str:
    """Try to send one message (idempotent: a row that is not claimable is left alone)."""
    return message_send(message_id=message_id, worker_id=worker_identity()).result
