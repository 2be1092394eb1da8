"""Staff pages of messaging (send a message from a case, contact tasks). Paths hold
numeric ids and fixed words only."""

from django.urls import path

from . import views

app_name = "messaging"

urlpatterns = [
    path("case/<int:crime_id>/new/", views.compose, name="compose"),
    path(
        "case/<int:crime_id>/victims/<int:victim_id>/safe-channel/",
        views.safe_channel,
        name="safe-channel",
    ),
    path("tasks/", views.tasks, name="tasks"),
    path("tasks/<int:task_id>/done/", views.task_done, name="task-done"),
]
