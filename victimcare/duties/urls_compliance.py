"""Victims' Code compliance figures: the page and its CSV download."""

from django.urls import path

from . import views_compliance

app_name = "compliance"

urlpatterns = [
    path("", views_compliance.compliance_page, name="figures"),
    path("figures.csv", views_compliance.compliance_csv_download, name="csv"),
]
