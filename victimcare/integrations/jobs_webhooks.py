"""Periodic jobs of the webhooks part of issue 10 (registered with core.scheduler.periodic)."""

from __future__ import annotations

import datetime as dt

from victimcare.core.scheduler import periodic

from .webhooks_send import deliveries_send


@periodic("webhook_deliveries_sweep", every=dt.timedelta(minutes=1))
def webhook_deliveries_sweep() -> dict[str, int]:
    """Send every due webhook delivery (and retry those whose lease ran out)."""
    return deliveries_send()
