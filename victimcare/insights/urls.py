"""/insights/: dashboards and targets (urls_dashboards), survey imports
(urls_imports) and the quarterly publication (urls_publication)."""

from django.urls import include, path

app_name = "insights"

urlpatterns = [
    path("", include("victimcare.insights.urls_dashboards")),
    path("surveys/", include("victimcare.insights.urls_imports")),
    path("publications/", include("victimcare.insights.urls_publication")),
]
