"""Staff pages of messaging (send a message from a case, contact tasks)."""

from django.urls import path  # noqa: F401

app_name = "messaging"

urlpatterns: list = []
