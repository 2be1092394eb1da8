"""The partner API, version 1: what every endpoint shares (HackSoft style: parse,
call one service or selector, render).

Every request is made by a token's service user, so `cases.selectors` and the
policy scope it exactly as a person of the token's organisation. A crime the
token may not see is answered with the same 404 as one that does not exist.

CRNs in paths: a CRN contains '/', so clients percent-encode it
(`/api/v1/crimes/4412345%2F26/`); the literal form is accepted too (see
converters.CrnConverter). Logs record the route pattern, never the raw path.

The endpoints live in feature modules: views_crimes (record and read a crime),
views_events (journey events and the timeline), views_duties (duties and needs),
views_reads (sync lists), views_updates, views_referrals, views_webhooks and
views_bulk. This module keeps BaseApi, the error mapping, the shared parameters,
the schema and the API's 404.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.renderers import OpenApiJsonRenderer, OpenApiYamlRenderer
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from drf_spectacular.views import SpectacularAPIView
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import messages
from . import services as api_services
from .idempotency import HEADER as IDEMPOTENCY_HEADER
from .idempotency import IDEMPOTENCY_PARAMETER, IdempotencyConflict
from .pagination import CURSOR_PARAM
from .permissions import PUBLIC, ScopeMap

TAG = "crimes"
CURSOR_PARAMETER = OpenApiParameter(
    CURSOR_PARAM,
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    required=False,
    description="The cursor from the previous page's `next` link.",
)
CRN_PARAMETER = OpenApiParameter(
    "crn",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description=messages.CRN_PATH_HELP,
)
_INDEX = re.compile(r"\[(\d+)\]")

__all__ = [
    "CRN_PARAMETER",
    "CURSOR_PARAMETER",
    "IDEMPOTENCY_HEADER",
    "IDEMPOTENCY_PARAMETER",
    "TAG",
    "BaseApi",
    "BodyTooLarge",
    "NotFoundApi",
    "SchemaApi",
    "api_validation_error",
]


class BodyTooLarge(exceptions.APIException):
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE: 413 in the structured format."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = messages.BODY_TOO_LARGE
    default_code = "payload_too_large"


def _attr(field: str) -> str:
    """A domain error key as the API names it: 'victims[0].phone' → 'victims.0.phone'."""
    if field in ("__all__", "", None):
        return "non_field_errors"
    return _INDEX.sub(r".\1", field).replace("-", ".").strip(".")


def api_validation_error(
    exc: DjangoValidationError, *, attr: Callable[[str], str] = _attr
) -> exceptions.ValidationError:
    """A domain ValidationError as DRF's, so drf-standardized-errors renders a 400
    whose errors name the field (attr) and keep the domain's message and code."""
    if hasattr(exc, "error_dict"):
        detail: dict[str, list[exceptions.ErrorDetail]] = {}
        for field, errors in exc.error_dict.items():
            bucket = detail.setdefault(attr(field), [])
            for error in errors:
                for message in error.messages:
                    bucket.append(exceptions.ErrorDetail(message, code=error.code or "invalid"))
        return exceptions.ValidationError(detail)
    return exceptions.ValidationError(
        {
            "non_field_errors": [
                exceptions.ErrorDetail(message, code=getattr(exc, "code", None) or "invalid")
                for message in exc.messages
            ]
        }
    )


class BaseApi(APIView):
    """Turns domain errors into API errors before drf-standardized-errors formats them.

    Each subclass names the scope each method needs (permissions.HasScope):
    `required_scopes = {"GET": "crimes:read"}`; a method it leaves out is refused."""

    required_scopes: ScopeMap = {}

    def error_attr(self, field: str) -> str:
        """How the API names a field a domain service reported an error on."""
        return _attr(field)

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, DjangoValidationError):
            exc = api_validation_error(exc, attr=self.error_attr)
        elif isinstance(exc, api_services.IdempotencyConflictError):
            exc = IdempotencyConflict()
        elif isinstance(exc, RequestDataTooBig):
            exc = BodyTooLarge()
        return super().handle_exception(exc)


class SchemaApi(SpectacularAPIView):
    """The OpenAPI 3.0.3 schema, JSON by default (YAML with Accept: application/yaml)."""

    renderer_classes = [OpenApiJsonRenderer, OpenApiYamlRenderer]
    required_scopes = PUBLIC


class NotFoundApi(APIView):
    """Every path under /api/v1/ that names no endpoint (e.g. /api/v1/webhooks/abc/
    deliveries/, where an id must be a number): the API's structured 404, not the
    website's HTML page, for any method and with or without a token.

    To be routed last in urls.py: `re_path(r"^.*$", views.NotFoundApi.as_view())`.
    Not an operation of the schema."""

    authentication_classes: list[type] = []
    permission_classes: list[type] = []
    required_scopes = PUBLIC
    schema = None

    def http_method_not_allowed(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise exceptions.NotFound()

    def options(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise exceptions.NotFound()
