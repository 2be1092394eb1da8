"""API routes of the reads part of issue 10 (included by urls.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
