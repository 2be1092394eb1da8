"""Filled in by the dashboards part of insights."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
