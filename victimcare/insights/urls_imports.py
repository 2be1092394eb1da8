"""Filled in by the imports part of insights."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
