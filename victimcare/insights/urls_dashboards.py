"""The insights dashboards (views_dashboards)."""

from django.urls import path

from . import views_dashboards as views

urlpatterns = [
    path("", views.home, name="home"),
    path("satisfaction/", views.satisfaction, name="satisfaction"),
    path("below-target/", views.below_target_page, name="below-target"),
    path("compliance/", views.compliance, name="compliance"),
    path("csv/", views.csv_download, name="csv"),
]
