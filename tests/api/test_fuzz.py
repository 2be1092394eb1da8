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
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import strategies as st

from config.wsgi import application
from victimcare.accounts.models import Area, Organisation, User
from victimcare.cases.constants import EventCode
from victimcare.cases.models import Crime, Victim
from victimcare.cases.services import event_record
from victimcare.integrations.bulk import bulk_upload_create
from victimcare.integrations.constants import DeliveryStatus, UploadFormat
from victimcare.integrations.models import BulkUpload, WebhookDelivery, WebhookSubscription
from victimcare.integrations.webhooks_services import subscription_create
from victimcare.messaging.dispatch import safe_channel_confirm
from victimcare.referrals.constants import ServiceKind
from victimcare.referrals.models import SupportService

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


SEEDED_SERVICE = "Example Victim Support Hackney"
# A court list of one hearing, held by the seeded upload (no worker runs it here).
BULK_CONTENT = (
    b"crime_reference,event,occurred_at,victim_id,details,idempotency_key\r\n"
    b"4412345/26,hearing_scheduled,2026-05-01T09:00:00+01:00,,"
    b'"{""hearing_at"": ""2026-06-01T10:00:00+01:00"", ""court"": ""Example Court""}",\r\n'
)


def _existing(path: str, name: str) -> Any:
    """A value of path parameter `name` of `path` that names a row the fuzz token's
    organisation can see (seeded by the `seeded` fixture), or None."""
    if name == "crn":
        return CRN
    if name == "victim_id":
        victim = Victim.objects.filter(crime_links__crime__crn=CRN).order_by("pk").first()
        return victim.pk if victim else None
    if "/webhooks/" in path:
        subscription = WebhookSubscription.objects.order_by("pk").first()
        if name == "id":
            return subscription.pk if subscription else None
        # The seeded delivery, not the replays the fuzzing makes of it.
        delivery = (
            WebhookDelivery.objects.filter(subscription=subscription, replay_of__isnull=True)
            .order_by("created_at")
            .first()
        )
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


@schema.hook
def flatmap_body(context, body):  # type: ignore[no-untyped-def]
    """Half the time, a referral names the seeded support service, so the request
    reaches the consent rules and the data-quality gate (and is sent once)."""
    if not context.operation.path.endswith("/referrals/") or not isinstance(body, dict):
        return st.just(body)
    service = SupportService.objects.filter(name=SEEDED_SERVICE).first()
    if service is None:
        return st.just(body)
    return st.sampled_from([body, {**body, "service": service.pk}])


@pytest.fixture
def seeded(  # type: ignore[no-untyped-def]
    settings: Any,
    police_token: Token,
    crime: Crime,
    officer: User,
    witness_care_officer: User,
    orgs: dict[str, Organisation],
    area: Area,
    request_cleanups,
):
    """The fuzz token (the Central East response team's records system, every scope)
    and what it can see: the crime and its victim, a webhook subscription with a
    delivery (the WCU's hearing date), a bulk upload, and a support service the
    victim may be referred to (their contact is confirmed safe)."""
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
    # Another organisation's event on the crime is what a subscription is told of;
    # marked delivered as the sending job would (only those may be replayed).
    event_record(
        actor=witness_care_officer,
        crime=crime,
        code=EventCode.HEARING_SCHEDULED,
        occurred_at=crime.reported_at,
        details={"hearing_at": "2026-06-01T10:00:00+01:00", "court": "Example Court"},
    )
    WebhookDelivery.objects.update(
        status=DeliveryStatus.DELIVERED,
        attempts=1,
        last_status_code=200,
        delivered_at=timezone.now(),
    )
    bulk_upload_create(
        actor=police_token.user,
        filename="hearings.csv",
        content=BULK_CONTENT,
        upload_format=UploadFormat.CSV,
        enqueue=False,
    )
    service = SupportService.objects.create(
        organisation=orgs["charity"], name=SEEDED_SERVICE, kind=ServiceKind.GENERAL
    )
    service.boroughs.add(area)
    victim = Victim.objects.get(crime_links__crime=crime)
    safe_channel_confirm(actor=officer, crime=crime, victim=victim)
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
    """Guards the hooks' premise: the seeded crime, victim, subscription, delivery,
    upload and support service are found, and the requests reach past the 404."""
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
    delivery_id = _existing("/api/v1/webhooks/{id}/deliveries/{delivery_id}/replay/", "d")
    assert delivery_id is not None
    case = schema["/api/v1/webhooks/{id}/deliveries/{delivery_id}/replay/"]["POST"].Case(
        path_parameters={"id": subscription_id, "delivery_id": delivery_id}
    )
    assert case.call_and_validate(headers=headers).status_code == 201
    upload_id = _existing("/api/v1/bulk-uploads/{id}/", "id")
    case = schema["/api/v1/bulk-uploads/{id}/"]["GET"].Case(path_parameters={"id": upload_id})
    assert case.call_and_validate(headers=headers).status_code == 200
    referrals = "/api/v1/crimes/{crn}/victims/{victim_id}/referrals/"
    on_the_crime = {"crn": CRN, "victim_id": _existing(referrals, "victim_id")}
    case = schema[referrals]["GET"].Case(path_parameters=on_the_crime)
    offered = case.call_and_validate(headers=headers)
    assert [s["name"] for s in offered.json()["services"]] == [SEEDED_SERVICE]
    body = {"service": offered.json()["services"][0]["id"]}
    case = schema[referrals]["POST"].Case(path_parameters=on_the_crime, body=body)
    assert case.call_and_validate(headers=headers).status_code == 201
