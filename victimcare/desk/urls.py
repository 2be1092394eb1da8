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
    path(
        "victims/<int:victim_id>/crimes/<int:crime_id>/call/",
        views.record_call,
        name="record-call",
    ),
    path(
        "victims/<int:victim_id>/crimes/<int:crime_id>/call-back/",
        views.call_back_book,
        name="call-back",
    ),
    path(
        "victims/<int:victim_id>/crimes/<int:crime_id>/escalate/",
        views.escalate,
        name="escalate",
    ),
    path("call-backs/", views.call_backs, name="call-backs"),
    path(
        "call-backs/<int:call_back_id>/assign/",
        views.call_back_assign,
        name="call-back-assign",
    ),
    path("call-backs/<int:call_back_id>/done/", views.call_back_done, name="call-back-done"),
]
