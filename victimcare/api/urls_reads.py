"""API routes of the reads part of issue 10 (included by urls.py before its own routes).

`crimes/` keeps the name `crime-create`: CrimesApi answers the POST as
views.CrimeCreateApi did and adds the GET list for incremental sync. The
messages route continues after a CRN, so it comes before the bare crime route.
"""

from django.urls import URLPattern, path

from . import views_feedback, views_reads

urlpatterns: list[URLPattern] = [
    path("crimes/", views_reads.CrimesApi.as_view(), name="crime-create"),
    path(
        "crimes/<api_crn:crn>/messages/",
        views_reads.MessagesApi.as_view(),
        name="crime-messages",
    ),
    path("support-services/", views_reads.SupportServicesApi.as_view(), name="support-services"),
    path(
        "feedback/responses/",
        views_feedback.FeedbackResponsesApi.as_view(),
        name="feedback-responses",
    ),
]
