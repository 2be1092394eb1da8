"""Periodic jobs of messaging (registered with the scheduler by autodiscovery)."""

from __future__ import annotations

import datetime as dt

from victimcare.core.scheduler import periodic

from .callbacks import messages_receipts_poll_once
from .services import messages_sweep_once
from .staff_email import duty_notifications_email


@periodic("messages_sweep", every=dt.timedelta(minutes=1))
def messages_sweep() -> dict[str, int]:
    """Re-queue messages whose doorbell was lost or whose lease expired; give up on exhausted ones."""
    result = messages_sweep_once()
    return {"rung": len(result.rung), "needs_attention": len(result.needs_attention)}


@periodic("messages_receipts_poll", every=dt.timedelta(minutes=30))
def messages_receipts_poll() -> dict[str, int]:
    """Ask Notify about sent messages whose delivery receipt never came."""
    result = messages_receipts_poll_once()
    return {"asked": result.asked, "changed": result.changed, "unknown": result.unknown}


@periodic("duty_notifications_email", every=dt.timedelta(minutes=15))
def duty_notifications_email_job() -> int:
    """Email officers and supervisors a digest of their new duty reminders and escalations."""
    return duty_notifications_email()
