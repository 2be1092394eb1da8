"""Filled in by the feeds part of issue 10."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
