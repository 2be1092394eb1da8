from django.urls import include, path, re_path, register_converter

from . import docs, views, views_crimes, views_duties, views_events
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
    # A person added to a recorded crime; a crime shared with a partner.
    path("", include("victimcare.api.urls_victims")),
    path(
        "crimes/<api_crn:crn>/events/", views_events.EventCreateApi.as_view(), name="crime-events"
    ),
    path(
        "crimes/<api_crn:crn>/timeline/", views_events.TimelineApi.as_view(), name="crime-timeline"
    ),
    path("crimes/<api_crn:crn>/needs/", views_duties.NeedsApi.as_view(), name="crime-needs"),
    path("crimes/<api_crn:crn>/duties/", views_duties.DutiesApi.as_view(), name="crime-duties"),
    path("crimes/<api_crn:crn>/", views_crimes.CrimeDetailApi.as_view(), name="crime-detail"),
    # Last: any other path under /api/v1/ is the API's structured 404, never
    # the website's HTML page.
    re_path(r"^.*$", views.NotFoundApi.as_view(), name="not-found"),
]
