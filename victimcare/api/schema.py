"""OpenAPI description of what drf-spectacular cannot infer by itself."""

from __future__ import annotations

import re
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


_INDEX = "INDEX"  # drf-standardized-errors' LIST_INDEX_IN_API_SCHEMA
_KEY = "KEY"  # ... and its DICT_KEY_IN_API_SCHEMA
# A domain service's ValidationError reaches the API with its own code, or
# "invalid" when it has none (views.api_validation_error), on any field.
_DOMAIN_CODE = "invalid"


def _attr_pattern(names: list[str]) -> str:
    """A regex matching each of `names`, with each INDEX segment any list position.

    DRF reports an error about a nested object or list as a whole (null, not a
    list, an item that is not an object) on the field itself (`victims.0.needs`,
    `victims.0`), which drf-standardized-errors documents as that field's
    `non_field_errors`; so `X.non_field_errors` also matches `X`."""
    names = names + [
        name.removesuffix(".non_field_errors")
        for name in names
        if name.endswith(".non_field_errors")
    ]
    alternatives = (
        r"\.".join(
            "[0-9]+" if part == _INDEX else ".+" if part == _KEY else re.escape(part)
            for part in name.split(".")
        )
        for name in names
    )
    return "^(?:" + "|".join(alternatives) + ")$"


def index_attrs_as_patterns(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: document field errors as the API sends them.

    drf-standardized-errors documents the `attr` of an error on a list item as an
    enum such as `victims.INDEX.phone`, but the API answers `victims.0.phone` (the
    item's position), so a client validating against the schema would reject
    real errors. Those attrs become a string pattern (`^victims\\.[0-9]+\\.phone$`);
    attrs without INDEX stay enums (KEY, a key of a dict field, likewise). And any
    field may carry the code "invalid": the domain services check more than the
    serializers do (e.g. an event code the organisation may not record)."""
    for component in result.get("components", {}).get("schemas", {}).values():
        properties = component.get("properties") or {}
        attr, code = properties.get("attr"), properties.get("code")
        names = attr.get("enum") if isinstance(attr, dict) else None
        if (
            names
            and isinstance(code, dict)
            and _DOMAIN_CODE not in code.get("enum", [_DOMAIN_CODE])
        ):
            code["enum"] = sorted([*code["enum"], _DOMAIN_CODE])
        if not names or not any(
            {_INDEX, _KEY} & set(str(name).split(".")) or str(name).endswith(".non_field_errors")
            for name in names
        ):
            continue
        component["properties"]["attr"] = {
            "type": "string",
            "pattern": _attr_pattern([str(name) for name in names]),
            "description": (
                "The field, with each list position (from 0) where the schema says INDEX "
                "(an error about a whole nested object is on the object's own name): "
                + ", ".join(f"`{name}`" for name in names)
            ),
        }
    return result
