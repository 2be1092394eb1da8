"""Structured JSON logging that never carries personal data.

What we log is chosen, not filtered: request logs carry the route pattern
(never the raw path or query string), method, status, duration, request id and
the acting user's id. As a second line of defence, `redact` drops any event key
on a deny list and masks values that look like phone numbers, email addresses
or UK postcodes, whatever logger they came from (Django's own included).
"""

from __future__ import annotations

import logging
import logging.config
import re
import sys
import traceback
from typing import Any

import structlog

# Keys whose values are never logged, whatever their content.
DENIED_KEYS = frozenset(
    {
        "name",
        "full_name",
        "first_name",
        "last_name",
        "email",
        "phone",
        "mobile",
        "address",
        "postcode",
        "date_of_birth",
        "dob",
        "body",
        "content",
        "text",
        "summary",
        "notes",
        "free_text",
        "comment",
        "password",
        "token",
        "query",
        "query_string",
        "path",
        "raw_path",
        "url",
        "referer",
        "user_agent",
        "to",
        "personalisation",
        "request",
        "args",
    }
)

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# Whole tokens only (not inside ids such as UUIDs): 07700 900123, +44 7700 900123, 020 7946 0000.
_PHONE = re.compile(r"(?<![\w-])(?:\+?44\s?|0)\d(?:[\s-]?\d){8,9}(?![\w-])")
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)
REDACTED = "[redacted]"


def scrub(value: str) -> str:
    value = _EMAIL.sub(REDACTED, value)
    value = _PHONE.sub(REDACTED, value)
    return _POSTCODE.sub(REDACTED, value)


def redact(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """structlog processor: drop denied keys, scrub what remains."""
    for key in list(event_dict):
        if key in DENIED_KEYS:
            event_dict[key] = REDACTED
        elif isinstance(event_dict[key], str):
            event_dict[key] = scrub(event_dict[key])
    return event_dict


# Libraries whose log arguments are ids, task paths and states, never personal
# data: their messages are interpolated. Everything else keeps its template.
INTERPOLATED_LOGGERS = frozenset({"django.tasks", "django_tasks_db"})


def foreign_message(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """Finish a stdlib record's event: interpolate trusted loggers' arguments;
    for django.request add the status code (its argument is the raw path)."""
    args = event_dict.pop("positional_args", ())
    record = event_dict.get("_record")
    if record is None:
        return event_dict
    if record.name in INTERPOLATED_LOGGERS and args:
        try:
            event_dict["event"] = str(record.msg) % args
        except (TypeError, ValueError):
            pass
    status = getattr(record, "status_code", None)
    if record.name == "django.request" and status is not None:
        event_dict["status"] = status
    return event_dict


def exception_summary(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """Render an exception as its type and stack frames only.

    Exception messages and source lines can carry whatever data was being
    handled (a name, a number), so neither is logged: the type plus
    file:line:function is enough to find the fault, and the request id ties it
    to the request.
    """
    exc_info = event_dict.pop("exc_info", None)
    if not exc_info:
        return event_dict
    if exc_info is True:
        exc_info = sys.exc_info()
    elif isinstance(exc_info, BaseException):
        exc_info = (type(exc_info), exc_info, exc_info.__traceback__)
    exc_type, _exc, tb = exc_info
    if exc_type is None:
        return event_dict
    frames = [f"{f.filename}:{f.lineno}:{f.name}" for f in traceback.extract_tb(tb, limit=30)]
    event_dict["exception"] = {
        "type": f"{exc_type.__module__}.{exc_type.__qualname__}",
        "frames": frames,
    }
    return event_dict


class CurrentStderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is at the time of the write, so redirection
    (a supervisor, or the test suite's capture) sees every line."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def configure_logging(*, level: str = "INFO", json: bool = True) -> None:
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {
                "structured": {
                    "()": structlog.stdlib.ProcessorFormatter,
                    "processors": [
                        structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                        exception_summary,
                        redact,
                        renderer,
                    ],
                    # Stdlib records (e.g. django.request's "Not Found: %s") keep
                    # their message template, never the interpolated values.
                    "use_get_message": False,
                    "pass_foreign_args": True,
                    "foreign_pre_chain": [*shared, foreign_message],
                }
            },
            "handlers": {
                "stderr": {
                    "()": CurrentStderrHandler,
                    "formatter": "structured",
                }
            },
            "root": {"handlers": ["stderr"], "level": level},
            "loggers": {
                # 4xx are answered to the user; they are not operational errors.
                "django.request": {"level": "ERROR"},
                # runserver's access line carries the raw path; our request log replaces it.
                "django.server": {"handlers": [], "propagate": False},
                "axes": {"level": "WARNING"},
                # WeasyPrint narrates every step of a PDF at INFO; letters are not news.
                "weasyprint": {"level": "WARNING"},
                "fontTools": {"level": "WARNING"},
            },
        }
    )
    structlog.configure(
        processors=[
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
