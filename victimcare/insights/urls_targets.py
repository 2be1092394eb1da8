"""Filled in by the targets part of insights."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
