from django.urls import include, path, re_path, register_converter

from . import docs, views
from .converters import CrnConverter

register_converter(CrnConverter, "api_crn")

app_name = "api"

# The routes that continue after a CRN come before the bare crime route, so a
# CRN (which may contain '/') never swallows "events/", "timeline/", "needs/" or "duties/".
urlpatterns = [
    path("schema/", views.SchemaApi.as_view(), name="schema"),
    path("docs/", docs.api_docs, name="docs"),
    path("webhooks/", include("victimcare.api.urls_webhooks")),
    path("bulk-uploads/", include("victimcare.api.urls_bulk")),
    # The crimes list (GET, incremental sync) and creation (POST), messages,
    # the support directory and feedback responses.
    path("", include("victimcare.api.urls_reads")),
    # Updates with If-Match (victims' contact preferences, completing a duty).
    path("", include("victimcare.api.urls_updates")),
    # Referrals to support services: make, read, move on, report a data problem.
    path("", include("victimcare.api.urls_referrals")),
    path("crimes/<api_crn:crn>/events/", views.EventCreateApi.as_view(), name="crime-events"),
    path("crimes/<api_crn:crn>/timeline/", views.TimelineApi.as_view(), name="crime-timeline"),
    path("crimes/<api_crn:crn>/needs/", views.NeedsApi.as_view(), name="crime-needs"),
    path("crimes/<api_crn:crn>/duties/", views.DutiesApi.as_view(), name="crime-duties"),
    path("crimes/<api_crn:crn>/", views.CrimeDetailApi.as_view(), name="crime-detail"),
    # Last: any other path under /api/v1/ is the API's structured 404, never
    # the website's HTML page.
    re_path(r"^.*$", views.NotFoundApi.as_view(), name="not-found"),
]
