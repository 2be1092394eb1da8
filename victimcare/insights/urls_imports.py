"""/insights/surveys/: survey imports (views_imports)."""

from django.urls import path

from . import views_imports

urlpatterns = [
    path("", views_imports.imports, name="imports"),
    path("<int:pk>/", views_imports.import_detail, name="import-detail"),
    path("<int:pk>/status.json", views_imports.import_status, name="import-status"),
]
