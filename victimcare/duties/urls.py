"""Duties pages: worklists, the team's duties, one duty. Paths hold numeric ids
and fixed words only (never a CRN or a name)."""

from django.urls import path

from . import views

app_name = "duties"

urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("team/", views.team, name="team"),
    path("<int:duty_id>/", views.duty_view, name="duty"),
    path("<int:duty_id>/not-applicable/", views.not_applicable, name="not-applicable"),
    path(
        "notifications/<int:notification_id>/read/",
        views.notification_read,
        name="notification-read",
    ),
]
