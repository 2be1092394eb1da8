"""OpenAPI description of what drf-spectacular cannot infer by itself."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "victimcare.api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "vc_<prefix>_<secret>",
            "description": (
                "A per-organisation API token, created by an operator with "
                "`victimcare token create`. Send `Authorization: Bearer <token>`. "
                "Unknown, revoked and expired tokens get 401."
            ),
        }
