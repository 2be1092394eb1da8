"""/insights/publications/: the quarterly publication (views_publication)."""

from django.urls import URLPattern, path

from . import views_publication as views

urlpatterns: list[URLPattern] = [
    path("", views.publication_list, name="publications"),
    path("<int:pk>/download/", views.publication_download, name="publication-download"),
    path("<int:pk>/report/", views.publication_report, name="publication-report"),
]
