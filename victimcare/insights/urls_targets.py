"""/insights/targets/: the list of a financial year's targets, setting one and
changing one (mounted by `insights/urls.py`, namespace "insights")."""

from django.urls import URLPattern, path

from . import views_targets

urlpatterns: list[URLPattern] = [
    path("", views_targets.target_list_page, name="targets"),
    path("new/", views_targets.target_new, name="target-new"),
    path("<int:pk>/edit/", views_targets.target_edit, name="target-edit"),
]
