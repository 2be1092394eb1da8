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
from typing import Any

import structlog

# Keys whose values are never logged, whatever their content.
DENIED_KEYS = frozenset(
    {
        "name", "full_name", "first_name", "last_name", "email", "phone", "mobile",
        "address", "postcode", "date_of_birth", "dob", "body", "content", "text",
        "summary", "notes", "free_text", "comment", "password", "token", "query",
        "query_string", "path", "raw_path", "url", "referer", "user_agent", "to",
        "personalisation", "request", "args",
    }
)

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_PHONE = re.compile(r"(?<!\d)(\+?44\s?|0)(\d[\s-]?){9,10}(?!\d)")
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


def _drop_stdlib_args(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    # Stdlib records (e.g. django.request "Not Found: /path?q=…") are reduced to
    # their logger, level and message template: never the interpolated values.
    record = event_dict.get("_record")
    if record is not None and record.args:
        event_dict["event"] = str(record.msg)
    return event_dict


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
                        structlog.processors.format_exc_info,
                        redact,
                        renderer,
                    ],
                    "foreign_pre_chain": [*shared, _drop_stdlib_args],
                }
            },
            "handlers": {
                "stderr": {
                    "class": "logging.StreamHandler",
                    "stream": sys.stderr,
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
            },
        }
    )
    structlog.configure(
        processors=[
            *shared,
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
