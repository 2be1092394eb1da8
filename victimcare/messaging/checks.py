"""System checks for messaging settings."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

from .channels import CHANNELS


@checks.register()
def messaging_settings_check(**kwargs: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    if settings.MESSAGING_CHANNEL not in CHANNELS:
        errors.append(
            checks.Error(
                f"MESSAGING_CHANNEL must be one of {sorted(CHANNELS)}.", id="messaging.E001"
            )
        )
    # An expired lease must mean the previous attempt's HTTP call is over, or a
    # re-claim could look the reference up while that call is still in flight.
    if settings.MESSAGING_LEASE_SECONDS < 2 * settings.NOTIFY_TIMEOUT_SECONDS:
        errors.append(
            checks.Error(
                "MESSAGING_LEASE_SECONDS must be at least twice NOTIFY_TIMEOUT_SECONDS.",
                id="messaging.E002",
            )
        )
    return errors
