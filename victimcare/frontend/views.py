"""Public pages (no account needed) and the styled error pages.

Every public page extends `layouts/public.html`, so it carries "Exit this page".
Names (force, service, contact address) come from settings, never from code.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest, HttpResponse
from django.middleware.csp import get_nonce
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.cache import cache_control

logger = logging.getLogger(__name__)

# The date each statement was last reviewed: change it when the words change.
PRIVACY_UPDATED = "22 November 2026"
COOKIES_UPDATED = "22 November 2026"
ACCESSIBILITY_PREPARED = "22 November 2026"

START_TITLE = "Help and information for victims of crime"
PRIVACY_TITLE = "Privacy notice"
COOKIES_TITLE = "Cookies"
NOT_FOUND_TITLE = "Page not found"
SERVER_ERROR_TITLE = "Sorry, there is a problem with the service"
BAD_REQUEST_TITLE = "Sorry, there is a problem with your request"


def accessibility_title() -> str:
    return f"Accessibility statement for {settings.SERVICE_NAME}"


def duration_text(seconds: int) -> str:
    """A cookie lifetime in plain English: "1 year", "12 hours", "30 minutes"."""
    units = [("year", 364 * 86400), ("day", 86400), ("hour", 3600), ("minute", 60)]
    for name, size in units:
        if seconds >= size:
            count = round(seconds / size)
            return f"{count} {name}{'' if count == 1 else 's'}"
    return f"{seconds} seconds"


@cache_control(max_age=300, public=True)
def start(request: HttpRequest) -> HttpResponse:
    return render(request, "frontend/start.html", {"title": START_TITLE})


@cache_control(max_age=300, public=True)
def privacy(request: HttpRequest) -> HttpResponse:
    context = {
        "title": PRIVACY_TITLE,
        "updated": PRIVACY_UPDATED,
        "support_email": settings.SUPPORT_EMAIL,
    }
    return render(request, "frontend/privacy.html", context)


def cookie_rows() -> list[dict[str, str]]:
    """The cookies this service can set, read from the settings that name them.

    Strictly necessary only: no analytics, no third parties (so no banner).
    """
    session_expiry = (
        f"When you close your browser, or after {duration_text(settings.SESSION_COOKIE_AGE)}"
        if settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
        else duration_text(settings.SESSION_COOKIE_AGE)
    )
    return [
        {
            "name": settings.SESSION_COOKIE_NAME,
            "purpose": "Keeps staff signed in. Victims do not need it.",
            "expires": session_expiry,
        },
        {
            "name": settings.CSRF_COOKIE_NAME,
            "purpose": "Stops other websites sending forms to this service in your name.",
            "expires": duration_text(settings.CSRF_COOKIE_AGE),
        },
        {
            "name": CookieStorage.cookie_name,
            "purpose": "Shows you a short message once, for example that you have signed out.",
            "expires": "When you close your browser",
        },
    ]


@cache_control(max_age=300, public=True)
def cookies(request: HttpRequest) -> HttpResponse:
    context = {
        "title": COOKIES_TITLE,
        "updated": COOKIES_UPDATED,
        "cookie_rows": cookie_rows(),
        "idle_timeout": duration_text(settings.IDLE_TIMEOUT_SECONDS),
    }
    return render(request, "frontend/cookies.html", context)


@cache_control(max_age=300, public=True)
def accessibility(request: HttpRequest) -> HttpResponse:
    context = {
        "title": accessibility_title(),
        "prepared": ACCESSIBILITY_PREPARED,
        "support_email": settings.SUPPORT_EMAIL,
    }
    return render(request, "frontend/accessibility.html", context)


def _error_page(request: HttpRequest, template: str, title: str, status: int) -> HttpResponse:
    """Render an error page; if that fails too (say the database is down and a
    context processor needs it), render it again without context processors.

    Never shows a traceback: Django's technical pages appear only with DEBUG on,
    and then before these handlers are called.
    """
    try:
        return render(request, template, {"title": title}, status=status)
    except Exception:
        logger.exception(
            "error page could not be rendered with the full context; rendering a minimal one"
        )
    nonce = get_nonce(request)
    context: dict[str, Any] = {
        "title": title,
        "force_name": settings.FORCE_NAME,
        "service_name": settings.SERVICE_NAME,
        "csp_nonce": str(nonce) if nonce is not None else None,
    }
    return HttpResponse(render_to_string(template, context), status=status)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, "frontend/404.html", NOT_FOUND_TITLE, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    return _error_page(request, "frontend/500.html", SERVER_ERROR_TITLE, 500)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # Forbidden objects answer 404 through access_* selectors; this is for the
    # rare view-level refusal (a CSRF failure has its own view).
    return _error_page(request, "frontend/404.html", NOT_FOUND_TITLE, 404)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, "frontend/400.html", BAD_REQUEST_TITLE, 400)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without a valid CSRF token (most often a page left open too long):
    our styled "problem with your request" page, status 403. Nothing was saved."""
    return _error_page(request, "frontend/400.html", BAD_REQUEST_TITLE, 403)
