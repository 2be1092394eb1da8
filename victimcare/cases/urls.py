"""Staff case screens. Paths hold numeric ids and fixed words only: never a CRN,
a name or a phone number (URLs reach access logs, browser history and Referer)."""

from django.urls import path

from . import views, views_contact, views_victims

app_name = "cases"

urlpatterns = [
    path("mine/", views.my_cases_view, name="mine"),
    path("search/", views.search_view, name="search"),
    path("record/", views.intake_start, name="intake-start"),
    path("record/<int:draft_id>/check/", views.intake_check, name="intake-check"),
    path("record/<int:draft_id>/delete/", views.intake_delete, name="intake-delete"),
    path("record/<int:draft_id>/<slug:step>/", views.intake_step, name="intake-step"),
    path("<int:crime_id>/", views.case_view, name="case"),
    path("<int:crime_id>/events/new/", views.event_new, name="event-new"),
    path("<int:crime_id>/share/", views.share_view, name="share"),
    path("<int:crime_id>/victims/<int:victim_id>/needs/", views.needs_update, name="needs-update"),
    path(
        "<int:crime_id>/victims/<int:victim_id>/contact/",
        views_contact.contact_change,
        name="contact-change",
    ),
    # Add a victim or contact: the token is random and names the answers kept in the session.
    path("<int:crime_id>/victims/add/", views_victims.victim_add_start, name="victim-add"),
    path(
        "<int:crime_id>/victims/add/<slug:token>/check/",
        views_victims.victim_add_check,
        name="victim-add-check",
    ),
    path(
        "<int:crime_id>/victims/add/<slug:token>/<slug:step>/",
        views_victims.victim_add_step,
        name="victim-add-step",
    ),
]
