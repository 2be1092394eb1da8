"""Every operation of the partner API, fuzzed from its live schema (issue 10, "Bad input").

schemathesis loads /api/v1/schema/ from the app in-process (WSGI) and sends
each operation generated requests, valid and invalid, as a partner system with
every scope whose organisation can see a seeded crime. The checks are
schemathesis's defaults for a conforming API: no 5xx, every status returned is
documented for the operation, the Content-Type is the documented one and the
body matches the documented schema. Operations added later (e.g. the reads
part of issue 10) are fuzzed automatically, because the operations come from
the schema.

The requests run inside this test's pytest-django transaction: the test
database is the throwaway database, so destructive operations are fine.
Examples are bounded and derandomized, so CI gets the same cases every run.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.urls import Resolver404, resolve
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import strategies as st

from config.wsgi import application
from victimcare.cases.constants import EventCode
from victimcare.cases.models import Crime
from victimcare.integrations.models import BulkUpload, WebhookDelivery, WebhookSubscription
from victimcare.integrations.webhooks_services import subscription_create

from .conftest import CRN, Token

SCHEMA_PATH = "/api/v1/schema/"
CONFIG = {
    "generation": {
        "mode": "all",  # valid and invalid requests
        "max-examples": 15,
        "deterministic": True,
        "database": "none",
        "no-shrink": True,  # a failure is reported as found: no open-ended shrinking in CI
    },
    "checks": {
        "enabled": False,
        "not_a_server_error": {"enabled": True},
        "status_code_conformance": {"enabled": True},
        "content_type_conformance": {"enabled": True},
        "response_schema_conformance": {"enabled": True},
    },
    # The stateful phase links operations through OpenAPI links, which the schema
    # does not declare; each operation is fuzzed on its own.
    "phases": {"stateful": {"enabled": False}},
}


def live_schema() -> dict[str, Any]:
    """The OpenAPI document /api/v1/schema/ serves, generated the same way, without a
    request (collection runs before the test database exists; see the test below)."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document))


schema = schemathesis.openapi.from_dict(live_schema(), config=schemathesis.Config.from_dict(CONFIG))
schema.app = application  # requests go to the app in-process (WSGI), in the test's transaction


def _existing(path: str, name: str) -> Any:
    """A value of path parameter `name` of `path` that names a row the fuzz token's
    organisation can see (seeded by the `seeded` fixture), or None."""
    if name == "crn":
        return CRN
    if "/webhooks/" in path:
        subscription = WebhookSubscription.objects.order_by("pk").first()
        if name == "id":
            return subscription.pk if subscription else None
        delivery = WebhookDelivery.objects.filter(subscription=subscription).first()
        return str(delivery.pk) if delivery else None
    if "/bulk-uploads/" in path and name == "id":
        upload = BulkUpload.objects.order_by("pk").first()
        return upload.pk if upload else None
    return None


@schema.hook
def flatmap_path_parameters(context, path_parameters):  # type: ignore[no-untyped-def]
    """Half the time, each path parameter is replaced with one that exists, so requests
    reach the code behind the 404 as well as the 404."""
    if not isinstance(path_parameters, dict):
        return st.just(path_parameters)
    known = {
        name: value
        for name in path_parameters
        if (value := _existing(context.operation.path, name)) is not None
    }
    return st.sampled_from([path_parameters, {**path_parameters, **known}])


@pytest.fixture
def seeded(settings: Any, police_token: Token, crime: Crime, request_cleanups):  # type: ignore[no-untyped-def]
    """The fuzz token (the Central East response team's records system, every scope)
    and what it can see: the crime and a webhook subscription."""
    # The per-token rate limit is for production traffic; here it would turn the
    # later examples into 429s and leave their code unfuzzed.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_token": "1000000/min"},
    }
    # As Django's test client does: the app must not close the test's database
    # connection after each request (on PostgreSQL, that ends the test's transaction).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    request_cleanups.append(lambda: request_started.connect(close_old_connections))
    request_cleanups.append(lambda: request_finished.connect(close_old_connections))
    subscription_create(
        actor=police_token.user,
        organisation=police_token.token.organisation,
        name="team records system",
        url="https://records.example.org/hooks",
        event_types=[EventCode.HEARING_SCHEDULED],
    )
    return police_token


@pytest.fixture
def request_cleanups():  # type: ignore[no-untyped-def]
    cleanups: list[Any] = []
    yield cleanups
    for cleanup in cleanups:
        cleanup()


def _routed(path: str) -> bool:
    try:
        resolve(unquote(path))
    except Resolver404:
        return False
    return True


@schema.parametrize()
# The seeded rows are meant to outlive each example (they are what the requests
# find); what the examples change stays until the test's transaction rolls back.
@hypothesis.settings(suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture])
def test_every_operation_conforms_to_the_schema_whatever_it_is_sent(case, seeded: Token) -> None:  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {seeded.secret}"}
    response = case.call(headers=headers)
    case.validate_response(response, headers=headers)


def test_an_unmatched_api_path_is_a_structured_404(seeded: Token) -> None:
    response = seeded.client().get("/api/v1/webhooks/not-a-number/deliveries/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["errors"][0]["code"] == "not_found"


def test_the_fuzzed_schema_is_the_served_one(client, db) -> None:  # type: ignore[no-untyped-def]
    assert client.get(SCHEMA_PATH).json() == live_schema()


def test_the_fuzzer_reaches_what_exists(seeded: Token) -> None:
    """Guards the hook's premise: the seeded CRN and subscription are found."""
    headers = {"Authorization": f"Bearer {seeded.secret}"}
    case = schema["/api/v1/crimes/{crn}/"]["GET"].Case(path_parameters={"crn": CRN})
    response = case.call_and_validate(headers=headers)
    assert response.status_code == 200
    assert response.json()["crn"] == CRN
    subscription_id = _existing("/api/v1/webhooks/{id}/deliveries/", "id")
    case = schema["/api/v1/webhooks/{id}/deliveries/"]["GET"].Case(
        path_parameters={"id": subscription_id}
    )
    assert case.call_and_validate(headers=headers).status_code == 200
