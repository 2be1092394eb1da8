"""Filled in by the webhooks part of issue 10."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
