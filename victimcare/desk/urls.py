"""Desk console pages. Paths hold numeric ids and fixed words only: never a CRN,
a name, a phone number or an email (URLs reach access logs and browser history)."""

from django.urls import path

from . import views, views_call_backs, views_calls, views_workload

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
        views_calls.record_call,
        name="record-call",
    ),
    path(
        "victims/<int:victim_id>/crimes/<int:crime_id>/call-back/",
        views_call_backs.call_back_book,
        name="call-back",
    ),
    path(
        "victims/<int:victim_id>/crimes/<int:crime_id>/escalate/",
        views_calls.escalate,
        name="escalate",
    ),
    path("call-backs/", views_call_backs.call_backs, name="call-backs"),
    path(
        "call-backs/<int:call_back_id>/assign/",
        views_call_backs.call_back_assign,
        name="call-back-assign",
    ),
    path(
        "call-backs/<int:call_back_id>/done/",
        views_call_backs.call_back_done,
        name="call-back-done",
    ),
    path(
        "call-backs/<int:call_back_id>/cancel/",
        views_call_backs.call_back_cancel,
        name="call-back-cancel",
    ),
    path(
        "escalations/<int:escalation_id>/close/",
        views_calls.escalation_close,
        name="escalation-close",
    ),
    # The person asked to act reaches this from the task on their worklist.
    path("tasks/<int:task_id>/escalation/", views_calls.escalation, name="escalation"),
    path("workload/", views_workload.workload, name="workload"),
]
