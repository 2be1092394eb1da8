"""Filled in by the tokens part of issue 10."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
