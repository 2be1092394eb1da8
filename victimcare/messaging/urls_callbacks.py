"""Provider callbacks (GOV.UK Notify delivery receipts and inbound SMS)."""

from django.urls import path  # noqa: F401

app_name = "callbacks"

urlpatterns: list = []
