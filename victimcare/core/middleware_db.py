"""503 "service unavailable", not 500, while the database is gone.

When PostgreSQL refuses connections, drops them, or a statement times out on a
frozen server, Django raises `OperationalError` or `InterfaceError`. Without this
middleware the person sees our 500 page ("Sorry, there is a problem with the
service") and the API a 500, and monitoring counts a bug. With it:

- pages get the GOV.UK-styled "Sorry, the service is unavailable" page, rendered
  from a static template without the database, the session or the user;
- `/api/` paths get a drf-standardized-errors body
  (`{"type": "server_error", "errors": [{"code": "service_unavailable", …}]}`);
- both are status 503 with `Retry-After: 30` and `Cache-Control: no-store`;
- one log line, `database.unavailable`, with the error class only (never the
  message: a driver's message can carry SQL with personal data in it).

Where the error can come from, and how each reaches here:

1. a view: `process_exception` answers before Django's 500 handling;
2. a middleware below this one (the session or staff-session middleware loading
   the user) or a DRF view (drf-standardized-errors turns every exception into a
   500 response): both send `got_request_exception` while the exception is being
   handled; `_note_database_error` marks the request, and `__call__` swaps the
   500 it gets back for the 503. Django's own "Internal Server Error" line (and
   the 500 page's fallback line) for such an error are dropped by a logging
   filter, so the one `database.unavailable` line is all that is logged.

Place it after the security and CSP middleware (so the 503 gets their headers) and
above everything that may touch the database.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable

import structlog
from django.conf import settings
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.middleware.csp import get_nonce
from django.template.loader import render_to_string

log = structlog.get_logger("victimcare.database")

DATABASE_UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30
UNAVAILABLE_TITLE = "Sorry, the service is unavailable"
API_UNAVAILABLE_CODE = "service_unavailable"
API_UNAVAILABLE_DETAIL = "The service is unavailable. Try again later."
TEMPLATE = "core/503.html"
_MARK = "_victimcare_database_error"
# Loggers whose records for a database outage repeat ours (with a traceback).
_QUIET_LOGGERS = ("django.request", "victimcare.frontend.views")


def is_database_unavailable(exc: BaseException | None) -> bool:
    return isinstance(exc, DATABASE_UNAVAILABLE_ERRORS)


def database_unavailable_response(request: HttpRequest, exc: BaseException) -> HttpResponse:
    """The 503 for `request`: JSON under /api/, otherwise the static page. Logs one line."""
    log.error(
        "database.unavailable",
        error_class=type(exc).__name__,
        method=request.method,
        api=_is_api(request),
    )
    if _is_api(request):
        body = {
            "type": "server_error",
            "errors": [
                {"code": API_UNAVAILABLE_CODE, "detail": API_UNAVAILABLE_DETAIL, "attr": None}
            ],
        }
        response = HttpResponse(json.dumps(body), status=503, content_type="application/json")
    else:
        response = HttpResponse(_page(request), status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    # Django's log_response skips a response marked as logged: ours was the line.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def _page(request: HttpRequest) -> str:
    """The 503 page from a fixed context: no context processors, so no session,
    user, messages or database. The CSP nonce is read if the CSP middleware set one."""
    nonce = get_nonce(request)
    context = {
        "title": UNAVAILABLE_TITLE,
        "force_name": settings.FORCE_NAME,
        "service_name": settings.SERVICE_NAME,
        "csp_nonce": str(nonce) if nonce is not None else None,
    }
    return render_to_string(TEMPLATE, context)


def _note_database_error(sender: object, request: HttpRequest | None = None, **_: object) -> None:
    """got_request_exception receiver: remember a database outage on the request."""
    exc = sys.exc_info()[1]
    if request is not None and is_database_unavailable(exc):
        setattr(request, _MARK, exc)


class _DropDatabaseOutageRecords(logging.Filter):
    """Drops a log record whose exception is a database outage (we log our own line)."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not is_database_unavailable(exc)


_installed = False


def _install() -> None:
    global _installed
    if _installed:
        return
    got_request_exception.connect(_note_database_error, dispatch_uid="victimcare-db-outage")
    quiet = _DropDatabaseOutageRecords()
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).addFilter(quiet)
    _installed = True


class DatabaseUnavailableMiddleware:
    """Turns a database outage anywhere below it into a 503 (see the module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        _install()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        exc = getattr(request, _MARK, None)
        if exc is not None and response.status_code >= 500 and response.status_code != 503:
            return database_unavailable_response(request, exc)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_database_unavailable(exception):
            setattr(request, _MARK, None)  # answered here; nothing for __call__ to swap
            return database_unavailable_response(request, exception)
        return None
