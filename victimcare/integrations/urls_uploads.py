"""/integrations/uploads/: bulk uploads of journey events."""

from django.urls import path

from . import views_uploads

urlpatterns = [
    path("", views_uploads.uploads, name="uploads"),
    path("<int:pk>/", views_uploads.upload_detail, name="upload-detail"),
    path("<int:pk>/status.json", views_uploads.upload_status, name="upload-status"),
]
