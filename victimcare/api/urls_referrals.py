"""API routes of the referrals part of issue 10 (included by urls.py before the crime routes)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
