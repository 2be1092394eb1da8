"""The real URL map plus one view that fails with personal data in its exception."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import handler400, handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as real_urlpatterns


def failing_view(request: HttpRequest) -> HttpResponse:
    raise ValueError(
        "could not text Jane Victim-Example on 07700 900123 or jane.victim@example.org"
    )


urlpatterns = [*real_urlpatterns, path("test-only/fail/", failing_view)]
