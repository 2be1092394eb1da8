"""The portal's public pages. Paths hold fixed words only; filters are query parameters."""

from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("support/", views.support, name="support"),
]
