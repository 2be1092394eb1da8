"""Referral pages. Paths hold numeric ids and fixed words only (never a name,
a phone number or a crime reference); filters are query parameters."""

from django.urls import path  # noqa: F401 - the parts add their paths below

app_name = "referrals"

urlpatterns: list = []  # type: ignore[type-arg]
