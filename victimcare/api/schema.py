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


# Request headers whose malformed value is a 400 validation error naming the
# header in `attr` (idempotency.idempotency_key, concurrency.if_match_check).
HEADER_ATTRS = ("Idempotency-Key", "If-Match")
_REF = "#/components/schemas/"


def _header_component(header: str) -> str:
    return "".join(part.capitalize() for part in header.split("-")) + "HeaderErrorComponent"


def _resolve(schemas: dict[str, Any], schema: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    ref = schema.get("$ref", "")
    if ref.startswith(_REF):
        name = ref.removeprefix(_REF)
        return name, schemas[name]
    return None, schema


def _is_validation_error(schema: dict[str, Any]) -> bool:
    """An error body with a list of errors that is not a client or server error's
    (ParseErrorResponse and the like are shared by every operation)."""
    properties = schema.get("properties", {})
    kind = properties.get("type", {}).get("$ref", "")
    return "errors" in properties and not kind.endswith(("/ClientErrorEnum", "/ServerErrorEnum"))


def _validation_error(
    schemas: dict[str, Any], operation: dict[str, Any], operation_name: str
) -> dict[str, Any]:
    """The component of the operation's documented 400 validation error, made
    (and added to the 400, beside what it already documents) if it has none."""
    responses = operation.setdefault("responses", {})
    content = responses.setdefault("400", {"description": ""}).setdefault("content", {})
    body = content.setdefault("application/json", {})
    _, documented = _resolve(schemas, body.get("schema", {}))
    if _is_validation_error(documented):
        return documented
    for branch in documented.get("oneOf", []):
        _, candidate = _resolve(schemas, branch)
        if _is_validation_error(candidate):
            return candidate
    name = f"{operation_name}HeaderValidationError"
    schemas[name] = {
        "type": "object",
        "properties": {
            "type": {"$ref": f"{_REF}ValidationErrorEnum"},
            "errors": {"type": "array", "items": {"oneOf": []}},
        },
        "required": ["errors", "type"],
    }
    ref = {"$ref": f"{_REF}{name}"}
    if "schema" not in body:
        body["schema"] = ref
    elif "oneOf" in documented:
        documented["oneOf"].append(ref)
        mapping = documented.get("discriminator", {}).get("mapping")
        if mapping is not None:
            mapping["validation_error"] = ref["$ref"]
    else:
        body["schema"] = {"oneOf": [body["schema"], ref]}
    return schemas[name]


_PRECONDITION = "PreconditionErrorResponse"
_PRECONDITION_RESPONSES = {
    "412": "The record changed since your read: its current ETag is in the ETag header.",
    "428": "Sent without If-Match.",
}


def _precondition_responses(schemas: dict[str, Any], operation: dict[str, Any]) -> None:
    """An operation taking If-Match answers 428 without it and 412 when stale
    (concurrency.if_match_check): documented here if its view did not."""
    if _PRECONDITION not in schemas:
        schemas["PreconditionError"] = {
            "type": "object",
            "properties": {
                "code": {
                    "type": "string",
                    "description": "precondition_required (428) or precondition_failed (412).",
                },
                "detail": {"type": "string"},
                "attr": {"type": "string", "nullable": True},
            },
            "required": ["attr", "code", "detail"],
        }
        schemas[_PRECONDITION] = {
            "type": "object",
            "description": "A change without If-Match (428), or with a stale one (412).",
            "properties": {
                "type": {"$ref": f"{_REF}ClientErrorEnum"},
                "errors": {"type": "array", "items": {"$ref": f"{_REF}PreconditionError"}},
            },
            "required": ["errors", "type"],
        }
    for code, description in _PRECONDITION_RESPONSES.items():
        operation["responses"].setdefault(
            code,
            {
                "description": description,
                "content": {"application/json": {"schema": {"$ref": f"{_REF}{_PRECONDITION}"}}},
            },
        )


def header_error_attrs(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: document the 400 a malformed header gets.

    An operation taking Idempotency-Key or If-Match answers a malformed value with
    a validation error whose `attr` is the header's name and whose code is
    "invalid"; each such operation's 400 lists those attrs beside its fields', so
    a client (or schemathesis) validating responses against the schema accepts them.
    An operation taking If-Match also documents its 412 and 428."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            headers = sorted(
                {
                    parameter["name"]
                    for parameter in operation.get("parameters", [])
                    if parameter.get("in") == "header" and parameter.get("name") in HEADER_ATTRS
                }
            )
            if not headers:
                continue
            if "If-Match" in headers:
                _precondition_responses(schemas, operation)
            refs = []
            for header in headers:
                name = _header_component(header)
                schemas.setdefault(
                    name,
                    {
                        "type": "object",
                        "properties": {
                            "attr": {"type": "string", "enum": [header]},
                            "code": {"type": "string", "enum": [_DOMAIN_CODE]},
                            "detail": {"type": "string"},
                        },
                        "required": ["attr", "code", "detail"],
                    },
                )
                refs.append({"$ref": f"{_REF}{name}"})
            operation_name = "".join(
                part.capitalize() for part in str(operation.get("operationId", "")).split("_")
            )
            validation = _validation_error(schemas, operation, operation_name)
            errors = validation["properties"]["errors"]
            _, items = _resolve(schemas, errors["items"])
            if "oneOf" not in items:
                # One error shape (whose attr may be any string): any of them, not
                # exactly one, or a header error matching both would not conform.
                errors["items"] = {"anyOf": [errors["items"], *refs]}
                continue
            known = {branch.get("$ref") for branch in items["oneOf"]}
            mapping = items.get("discriminator", {}).get("mapping")
            for header, ref in zip(headers, refs, strict=True):
                if ref["$ref"] not in known:
                    items["oneOf"].append(ref)
                if mapping is not None:
                    mapping[header] = ref["$ref"]
    return result
