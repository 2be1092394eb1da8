"""/api/v1/docs/: the partner API's documentation, generated from the same
OpenAPI schema the API publishes, as an ordinary accessible page (GOV.UK
layout, our own static files, no CDN, no script): how to authenticate, the
scopes, errors, idempotency, paging and rate limits, then every operation
with the scope it needs, its parameters, request body and responses.

Built once per process (the schema only changes with the code)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, URLResolver
from django.views.decorators.http import require_GET
from drf_spectacular.generators import SchemaGenerator

from .constants import SCOPES

METHODS = ("get", "post", "put", "patch", "delete")


@dataclass
class Operation:
    method: str
    path: str
    summary: str
    description: str
    scopes: list[str]
    parameters: list[dict[str, Any]] = field(default_factory=list)
    body: str = ""
    responses: list[tuple[str, str]] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"{self.method}-{self.path}".replace("/", "-").replace("{", "").replace("}", "")


def _scopes_by_route() -> dict[tuple[str, str], list[str]]:
    """(schema path, method) → the scopes its view requires (`required_scopes`)."""
    from . import urls as api_urls

    found: dict[tuple[str, str], list[str]] = {}

    def walk(patterns: list[Any], prefix: str) -> None:
        for p in patterns:
            pattern = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, pattern)
            elif isinstance(p, URLPattern):
                view = getattr(p.callback, "view_class", None) or getattr(p.callback, "cls", None)
                required = getattr(view, "required_scopes", None)
                path = "/api/v1/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", pattern)
                path = path.replace("{pk}", "{id}")
                if isinstance(required, dict):
                    for method, scopes in required.items():
                        names = [scopes] if isinstance(scopes, str) else list(scopes)
                        found[(path, method.lower())] = names

    walk(api_urls.urlpatterns, "")
    return found


def _body_name(operation: dict[str, Any]) -> str:
    content = operation.get("requestBody", {}).get("content", {})
    for media, spec in content.items():
        ref = spec.get("schema", {}).get("$ref", "")
        return f"{media}: {ref.rsplit('/', 1)[-1]}" if ref else media
    return ""


@lru_cache(maxsize=1)
def api_documentation() -> dict[str, Any]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    scopes = _scopes_by_route()
    operations: list[Operation] = []
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method not in item:
                continue
            op = item[method]
            operations.append(
                Operation(
                    method=method.upper(),
                    path=path,
                    summary=op.get("summary", "") or op.get("operationId", ""),
                    description=op.get("description", ""),
                    scopes=scopes.get((path, method), []),
                    parameters=[
                        {
                            "name": p["name"],
                            "in": p["in"],
                            "required": p.get("required", False),
                            "description": p.get("description", ""),
                        }
                        for p in op.get("parameters", [])
                    ],
                    body=_body_name(op),
                    responses=[
                        (code, spec.get("description", ""))
                        for code, spec in sorted(op.get("responses", {}).items())
                    ],
                )
            )
    return {
        "title": schema["info"]["title"],
        "version": schema["info"]["version"],
        "description": schema["info"].get("description", ""),
        "operations": operations,
    }


@require_GET
def api_docs(request: HttpRequest) -> HttpResponse:
    docs = api_documentation()
    return render(
        request,
        "api/docs.html",
        {"title": "Partner API documentation", "docs": docs, "scopes": SCOPES},
    )
