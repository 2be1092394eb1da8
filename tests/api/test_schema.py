"""The published OpenAPI 3.0.3 schema: valid, warning-free and complete."""

from __future__ import annotations

import re
from io import StringIO

import pytest
import yaml
from django.core.management import call_command
from django.urls import URLPattern, URLResolver

from victimcare.api import urls as api_urls
from victimcare.cases.constants import CrimeStatus

OPERATIONS = {
    "/api/v1/crimes/": {"get", "post"},
    "/api/v1/crimes/{crn}/": {"get"},
    "/api/v1/crimes/{crn}/events/": {"post"},
    "/api/v1/crimes/{crn}/timeline/": {"get"},
    "/api/v1/crimes/{crn}/needs/": {"get"},
    "/api/v1/crimes/{crn}/duties/": {"get"},
    "/api/v1/crimes/{crn}/duties/{duty_id}/complete/": {"post"},
    "/api/v1/crimes/{crn}/victims/{victim_id}/contact/": {"get", "patch"},
    "/api/v1/crimes/{crn}/messages/": {"get"},
    "/api/v1/support-services/": {"get"},
    "/api/v1/feedback/responses/": {"get"},
    "/api/v1/webhooks/": {"get", "post"},
    "/api/v1/webhooks/{id}/deliveries/": {"get"},
    "/api/v1/webhooks/{id}/deliveries/{delivery_id}/replay/": {"post"},
    "/api/v1/bulk-uploads/": {"post"},
    "/api/v1/bulk-uploads/{id}/": {"get"},
    "/api/v1/crimes/{crn}/victims/{victim_id}/referrals/": {"get", "post"},
    "/api/v1/crimes/{crn}/victims/": {"get", "post"},
    "/api/v1/crimes/{crn}/shares/": {"get", "post"},
    "/api/v1/referrals/": {"get"},
    "/api/v1/referrals/{id}/": {"get", "patch"},
    "/api/v1/referrals/{id}/problems/": {"post"},
}


@pytest.fixture
def schema(db, client) -> dict:  # type: ignore[no-untyped-def,type-arg]
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    return response.json()


def test_the_schema_is_openapi_3_0_3_with_every_operation(schema: dict) -> None:  # type: ignore[type-arg]
    assert schema["openapi"] == "3.0.3"
    assert {path: set(ops) - {"parameters"} for path, ops in schema["paths"].items()} == OPERATIONS


def _routes(patterns: list, prefix: str = "") -> set[str]:  # type: ignore[type-arg]
    """Every route of the API's URLconf, included modules too, as the schema writes them."""
    found: set[str] = set()
    for p in patterns:
        pattern = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            found |= _routes(p.url_patterns, pattern)
        elif isinstance(p, URLPattern) and p.name not in ("schema", "docs", "not-found"):
            # drf-spectacular names a `pk` parameter `id` (SCHEMA_COERCE_PATH_PK).
            found.add(re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", pattern).replace("{pk}", "{id}"))
    return found


def test_every_api_route_is_in_the_schema(schema: dict) -> None:  # type: ignore[type-arg]
    routes = {"/api/v1/" + route for route in _routes(api_urls.urlpatterns)}
    assert routes == set(schema["paths"])


def test_every_operation_documents_its_errors_and_authentication(schema: dict) -> None:  # type: ignore[type-arg]
    assert schema["components"]["securitySchemes"]["apiToken"]["scheme"] == "bearer"
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert {"401", "405", "429", "500"} <= set(responses), (path, method)
            if "{crn}" in path:
                assert "404" in responses, (path, method)
                [crn] = [p for p in operation["parameters"] if p["name"] == "crn"]
                assert "%2F" in crn["description"]
            if "requestBody" in operation:
                assert "400" in responses, (path, method)
            assert operation["security"] == [{"apiToken": []}]
    events = schema["paths"]["/api/v1/crimes/{crn}/events/"]["post"]
    assert {"200", "201", "409"} <= set(events["responses"])
    assert any(p["name"] == "Idempotency-Key" for p in events["parameters"])


def test_the_schema_validates_without_warnings(db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "schema.yaml"
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(target), stdout=StringIO()
    )
    assert yaml.safe_load(target.read_text())["openapi"] == "3.0.3"


def test_the_schema_needs_no_token_and_loads_nothing_from_a_cdn(db, client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    assert "cdn" not in response.content.decode().lower()


def test_the_documentation_page_lists_every_operation_with_its_scope(db, client, schema) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    # Nothing is loaded from another site: every script, style and image is ours
    # (the only outside address is the public pages' "Exit this page" link).
    assert not re.findall(r'src="(?:https?:)?//|<link[^>]+href="(?:https?:)?//', page)
    for path, operations in schema["paths"].items():
        for method in set(operations) - {"parameters"}:
            assert f"<strong>{method.upper()}</strong> {path}</a>" in page, (method, path)
    assert page.count("Scope: <code>") == sum(
        len(set(ops) - {"parameters"}) for ops in schema["paths"].values()
    )
    assert "<code>events:write</code>" in page


def _component(schema: dict, ref: dict) -> dict:  # type: ignore[type-arg]
    return schema["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]


def _documented_attrs(schema: dict, operation: dict) -> set[str]:  # type: ignore[type-arg]
    """Every `attr` enum value a 400 validation error of the operation may carry."""
    attrs: set[str] = set()
    body = operation["responses"]["400"]["content"]["application/json"]["schema"]
    top = _component(schema, body) if "$ref" in body else body
    for branch in top.get("oneOf", [body]):
        error = _component(schema, branch) if "$ref" in branch else branch
        items = error["properties"]["errors"]["items"]
        items = _component(schema, items) if "$ref" in items else items
        for item in items.get("oneOf", []) + items.get("anyOf", []) or [items]:
            item = _component(schema, item) if "$ref" in item else item
            attrs |= set(item["properties"]["attr"].get("enum", []))
    return attrs


def test_a_malformed_header_is_a_documented_error_of_every_operation_taking_it(
    schema: dict,  # type: ignore[type-arg]
) -> None:
    taking = 0
    for operations in schema["paths"].values():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            headers = {
                p["name"]
                for p in operation.get("parameters", [])
                if p["in"] == "header" and p["name"] in ("Idempotency-Key", "If-Match")
            }
            if headers:
                taking += 1
                assert headers <= _documented_attrs(schema, operation), operation["operationId"]
                if "If-Match" in headers:  # 412 when stale, 428 without it
                    assert {"412", "428"} <= set(operation["responses"]), operation["operationId"]
    assert taking >= 5
    contact = schema["paths"]["/api/v1/crimes/{crn}/victims/{victim_id}/contact/"]["patch"]
    assert {"If-Match", "Idempotency-Key", "communication_needs"} <= _documented_attrs(
        schema, contact
    )


def test_choice_fields_are_named_enums(schema: dict) -> None:  # type: ignore[type-arg]
    components = schema["components"]["schemas"]

    def ref(component: str, field: str) -> str:
        prop = components[component]["properties"][field]
        return (prop.get("$ref") or prop["allOf"][0]["$ref"]).rsplit("/", 1)[1]

    assert ref("CrimeChange", "status") == ref("CrimeOutput", "status") == "CrimeStatusEnum"
    assert ref("CrimeChange", "offence_group") == "OffenceGroupEnum"
    assert ref("CrimeOutput", "offence_group") == "OffenceGroupEnum"
    assert ref("MessageStatus", "status") == "MessageStatusEnum"
    assert ref("DirectoryService", "kind") == "ServiceKindEnum"
    assert ref("FeedbackResponse", "offence_group") == "OffenceGroupOrNotKnownEnum"
    assert ref("FeedbackResponse", "age_band") == "AgeBandOrNotKnownEnum"
    assert components["CrimeStatusEnum"]["enum"] == CrimeStatus.values
