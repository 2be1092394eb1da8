"""API routes of the bulk part of issue 10 (included by urls.py)."""

from django.urls import path

from . import views_bulk

urlpatterns = [
    path("", views_bulk.BulkUploadCreateApi.as_view(), name="bulk-upload-create"),
    path("<int:pk>/", views_bulk.BulkUploadDetailApi.as_view(), name="bulk-upload-detail"),
]
