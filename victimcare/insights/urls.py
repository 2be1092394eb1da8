"""/insights/: dashboards (urls_dashboards), targets (urls_targets), survey imports
(urls_imports) and the quarterly publication (urls_publication)."""

from django.urls import include, path

app_name = "insights"

urlpatterns = [
    path("", include("victimcare.insights.urls_dashboards")),
    path("targets/", include("victimcare.insights.urls_targets")),
    path("surveys/", include("victimcare.insights.urls_imports")),
    path("publications/", include("victimcare.insights.urls_publication")),
]
