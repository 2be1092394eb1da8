"""The outbox state machine: never leaves a terminal status, never goes back before `sent`."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from victimcare.messaging.constants import (
    ACCEPTED,
    TERMINAL,
    TRANSITIONS,
    IllegalTransition,
    Status,
    sources_of,
    transition_allowed,
    transition_check,
)
from victimcare.messaging.services import _move

from .conftest import enqueue_sms

PRE_SEND = {Status.PENDING, Status.CLAIMED, Status.SENDING, Status.TEMPORARY_FAILURE}


def test_every_status_is_in_the_table_and_terminal_ones_are_final() -> None:
    assert set(TRANSITIONS) == set(Status.values)
    assert TERMINAL == {Status.DELIVERED, Status.PERMANENT_FAILURE, Status.CANCELLED}
    assert sources_of(Status.SENT) == {Status.CLAIMED, Status.SENDING}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(list(Status)), max_size=40))
def test_random_transition_sequences_never_downgrade(targets: list[Status]) -> None:
    status: str = Status.PENDING
    first_terminal: str | None = None
    accepted = False
    for target in targets:
        if transition_allowed(status, target):
            transition_check(status, target)
            status = target
        else:
            with pytest.raises(IllegalTransition):
                transition_check(status, target)
        if first_terminal is not None:
            assert status == first_terminal, "a terminal status is never left"
        elif status in TERMINAL:
            first_terminal = status
        accepted = accepted or status in ACCEPTED
        if accepted:
            assert status not in PRE_SEND, "a message the provider has is never sent again"


@pytest.mark.django_db
def test_a_stale_writer_cannot_move_a_delivered_message() -> None:
    message = enqueue_sms()
    message.__class__.objects.filter(pk=message.pk).update(status=Status.DELIVERED)

    with pytest.raises(IllegalTransition):
        _move(message.pk, source=Status.DELIVERED, target=Status.SENDING, by="worker")
    # A writer that still believes the row is `sending` matches nothing.
    assert not _move(message.pk, source=Status.SENDING, target=Status.SENT, by="worker")
    message.refresh_from_db()
    assert message.status == Status.DELIVERED
