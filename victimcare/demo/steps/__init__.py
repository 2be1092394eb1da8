"""The demo steps. Importing a module registers its step; add new capabilities here."""

from . import (
    crimes,
    desk,
    feedback,
    insights,
    messages,
    organisations,
    people,
    reference,
    referral_services,
    referrals,
)

__all__ = [
    "crimes",
    "desk",
    "feedback",
    "insights",
    "messages",
    "organisations",
    "people",
    "reference",
    "referral_services",
    "referrals",
]
