"""API routes of the updates part of issue 10 (included by urls.py before the crime routes)."""

from django.urls import URLPattern, path

from . import views_updates

urlpatterns: list[URLPattern] = [
    path(
        "crimes/<api_crn:crn>/victims/<int:victim_id>/contact/",
        views_updates.VictimContactApi.as_view(),
        name="victim-contact",
    ),
    path(
        "crimes/<api_crn:crn>/duties/<int:duty_id>/complete/",
        views_updates.DutyCompleteApi.as_view(),
        name="duty-complete",
    ),
]
