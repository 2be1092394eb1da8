"""Feedback pages: the public rating page (/f/<code>) and officers' QR cards."""

from django.urls import path  # noqa: F401

app_name = "feedback"

urlpatterns: list = []
