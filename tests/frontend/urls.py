"""The real URL conf plus views that fail on purpose, for the error-page tests only."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import handler400, handler403, handler404, handler500, urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


class BrokenUser:
    """Stands in for a user that cannot be loaded (say the database went away)."""

    @property
    def is_authenticated(self) -> bool:
        raise RuntimeError("the user could not be loaded")


def explode(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("Deliberate failure with a secret detail: 07700 900123")


def explode_without_context(request: HttpRequest) -> HttpResponse:
    request.user = BrokenUser()  # type: ignore[assignment]
    raise RuntimeError("Deliberate failure with a secret detail: 07700 900123")


urlpatterns = [
    *urlpatterns,
    path("test-only/explode/", explode),
    path("test-only/explode-without-context/", explode_without_context),
]
