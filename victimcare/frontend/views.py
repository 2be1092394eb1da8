from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control


@cache_control(max_age=300, public=True)
def start(request: HttpRequest) -> HttpResponse:
    return render(request, "frontend/start.html", {"title": "Help and information for victims of crime"})


@cache_control(max_age=300, public=True)
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "frontend/privacy.html", {"title": "Privacy notice"})


@cache_control(max_age=300, public=True)
def cookies(request: HttpRequest) -> HttpResponse:
    return render(request, "frontend/cookies.html", {"title": "Cookies"})


@cache_control(max_age=300, public=True)
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "frontend/accessibility.html", {"title": "Accessibility statement"})


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "frontend/404.html", {"title": "Page not found"}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "frontend/500.html", {"title": "Sorry, there is a problem with the service"}, status=500)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # Forbidden objects answer 404 through access_* selectors; this is for the
    # rare view-level refusal (e.g. a CSRF failure page is separate).
    return render(request, "frontend/404.html", {"title": "Page not found"}, status=404)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "frontend/400.html", {"title": "Sorry, there is a problem with your request"}, status=400)
