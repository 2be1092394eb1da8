"""Filled in by the publication part of insights."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
