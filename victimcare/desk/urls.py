"""Desk console pages. Paths hold numeric ids and fixed words only: never a CRN,
a name, a phone number or an email (URLs reach access logs and browser history)."""

from django.urls import path

from . import views

app_name = "desk"

urlpatterns = [
    path("", views.search, name="search"),
    path(
        "victims/<int:victim_id>/crimes/<int:crime_id>/check/",
        views.identity_check,
        name="identity-check",
    ),
    path("victims/<int:victim_id>/crimes/<int:crime_id>/", views.case, name="case"),
]
