"""Duties pages: worklists, the team's duties, one duty."""

from django.urls import path  # noqa: F401

app_name = "duties"

urlpatterns: list = []
