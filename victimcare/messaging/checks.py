"""System checks for messaging settings."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

from .channels import CHANNELS, NotifyChannel, SmtpEmailChannel


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
    if settings.MESSAGING_CHANNEL == SmtpEmailChannel.name:
        errors.append(
            checks.Error(
                "MESSAGING_CHANNEL cannot be smtp (texts and letters); set "
                "MESSAGING_EMAIL_CHANNEL=smtp for email only.",
                id="messaging.E003",
            )
        )
    if settings.MESSAGING_EMAIL_CHANNEL and settings.MESSAGING_EMAIL_CHANNEL not in CHANNELS:
        errors.append(
            checks.Error(
                f"MESSAGING_EMAIL_CHANNEL must be empty or one of {sorted(CHANNELS)}.",
                id="messaging.E004",
            )
        )
    # A worker sleeping for a rate-limit token still holds its claim.
    if settings.MESSAGING_RATE_MAX_WAIT_SECONDS * 2 > settings.MESSAGING_LEASE_SECONDS:
        errors.append(
            checks.Error(
                "MESSAGING_RATE_MAX_WAIT_SECONDS must be at most half MESSAGING_LEASE_SECONDS.",
                id="messaging.E005",
            )
        )
    if not 0 <= settings.MESSAGING_RATE_HEADROOM < 1:
        errors.append(
            checks.Error("MESSAGING_RATE_HEADROOM must be in [0, 1).", id="messaging.E006")
        )
    token = settings.NOTIFY_CALLBACK_BEARER_TOKEN
    if NotifyChannel.name in (settings.MESSAGING_CHANNEL, settings.MESSAGING_EMAIL_CHANNEL) and (
        len(token) < 10
    ):
        errors.append(
            checks.Warning(
                "NOTIFY_CALLBACK_BEARER_TOKEN is shorter than 10 characters: every "
                "delivery receipt will be refused (the receipt poll still runs).",
                id="messaging.W001",
            )
        )
    return errors
