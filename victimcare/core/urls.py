from django.urls import path

from . import health, views

app_name = "core"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("audit/", views.audit_search_view, name="audit-search"),
]
