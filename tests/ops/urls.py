"""The real URL map plus the slow test-only view."""

from django.urls import path

from config.urls import handler400, handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as real_urlpatterns
from tests.testapp.views import slow_view

urlpatterns = [*real_urlpatterns, path("test-only/slow/", slow_view)]
