"""Filled in by the uploads part of issue 10."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
