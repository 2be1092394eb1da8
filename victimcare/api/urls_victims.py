"""Adding a person to a recorded crime, and sharing a crime with a partner (police side).

Views in `views_victims.py`."""

from django.urls import path

from . import views_victims

urlpatterns = [
    path(
        "crimes/<api_crn:crn>/victims/",
        views_victims.CrimeVictimsApi.as_view(),
        name="crime-victims",
    ),
    path(
        "crimes/<api_crn:crn>/shares/",
        views_victims.CrimeSharesApi.as_view(),
        name="crime-shares",
    ),
]
