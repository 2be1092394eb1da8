"""From case events to messages, and from message outcomes back to duties.

`message_status_changed` is called by the outbox services after every committed
status change of a message (the hook the duties and contact tasks hang on).
"""

from __future__ import annotations

from .models import OutboundMessage


def message_status_changed(*, message: OutboundMessage, old: str, new: str) -> None:
    """React to a message's new status (complete or reopen its duty, raise a task).

    Called after the change is committed; must be idempotent (a retried or
    replayed change may call it again)."""
    return None
