"""Webhook subscriptions through the API (`webhooks:manage`): list and create the
token organisation's subscriptions, read a delivery log, replay a delivery.

Another organisation's subscription answers 404, like one that does not exist."""

from __future__ import annotations

import uuid
from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from drf_standardized_errors.openapi_serializers import ErrorResponse404Serializer
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from victimcare.integrations import webhooks_services as services

from .idempotency import CONFLICT_RESPONSE, IDEMPOTENCY_PARAMETER, idempotent
from .pagination import INVALID_CURSOR, paginate_keyset
from .serializers_webhooks import (
    DeliveryOutputSerializer,
    DeliveryPageSerializer,
    SubscriptionCreatedSerializer,
    SubscriptionInputSerializer,
    SubscriptionOutputSerializer,
    SubscriptionPageSerializer,
)
from .views import CURSOR_PARAMETER, BaseApi

TAG = "webhooks"
SCOPE = "webhooks:manage"
PAGE_SIZE = 50
CURSOR_NOT_FOUND = OpenApiResponse(
    ErrorResponse404Serializer,
    description=f"The cursor is not one this list gave: {INVALID_CURSOR}",
)


class _WebhookApi(BaseApi):
    required_scopes = {"GET": SCOPE, "POST": SCOPE}

    def initial(self, request: Request, *args: object, **kwargs: object) -> None:
        super().initial(request, *args, **kwargs)
        # Belt and braces: refuse a token without the scope even if HasScope is not configured.
        if SCOPE not in (getattr(request.auth, "scopes", None) or []):
            raise exceptions.PermissionDenied()


def _with_secret(request: Request, body: dict[str, Any]) -> dict[str, Any]:
    """A replayed subscription creation: the stored response with the signing secret."""
    subscription = services.access_subscription(
        organisation=request.user.organisation, pk=body["id"]
    )
    return {**body, "secret": subscription.secret}


class SubscriptionListApi(_WebhookApi):
    @extend_schema(
        operation_id="webhook_list",
        tags=[TAG],
        summary="The organisation's webhook subscriptions, newest first",
        parameters=[CURSOR_PARAMETER],
        responses={200: SubscriptionPageSerializer, 404: CURSOR_NOT_FOUND},
    )
    def get(self, request: Request) -> Response:
        items = list(
            services.subscription_list_for_organisation(organisation=request.user.organisation)
        )
        page, next_url = paginate_keyset(
            items,
            request=request,
            page_size=PAGE_SIZE,
            key=lambda s: (s.created_at, s.pk),
            newest_first=True,
        )
        return Response(
            {"next": next_url, "results": SubscriptionOutputSerializer(page, many=True).data}
        )

    @extend_schema(
        operation_id="webhook_create",
        tags=[TAG],
        summary="Subscribe a system to event types",
        description=(
            "The system is sent the chosen events of the cases the organisation may see "
            "(never events it recorded itself). The response holds the signing secret, "
            "shown this once. See the webhook documentation for the signature."
        ),
        parameters=[IDEMPOTENCY_PARAMETER],
        request=SubscriptionInputSerializer,
        responses={201: SubscriptionCreatedSerializer, 409: CONFLICT_RESPONSE},
    )
    @idempotent(
        "webhook_create",
        # The signing secret is kept only encrypted on the subscription, never in
        # the idempotency record: a retry reads it from there.
        store=lambda body: {k: v for k, v in body.items() if k != "secret"},
        on_replay=lambda request, body: _with_secret(request, body),
    )
    def post(self, request: Request) -> Response:
        serializer = SubscriptionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        subscription, secret = services.subscription_create(
            actor=request.user,
            organisation=request.user.organisation,
            request=request._request,
            **serializer.validated_data,
        )
        data = dict(SubscriptionOutputSerializer(subscription).data)
        data["secret"] = secret
        return Response(data, status=status.HTTP_201_CREATED)


class DeliveryLogApi(_WebhookApi):
    @extend_schema(
        operation_id="webhook_deliveries",
        tags=[TAG],
        summary="A subscription's delivery log, newest first",
        parameters=[CURSOR_PARAMETER],
        responses={200: DeliveryPageSerializer},
    )
    def get(self, request: Request, pk: int) -> Response:
        subscription = services.access_subscription(organisation=request.user.organisation, pk=pk)
        items = list(services.delivery_log(subscription=subscription)[:1000])
        page, next_url = paginate_keyset(
            items,
            request=request,
            page_size=PAGE_SIZE,
            key=lambda d: (d.created_at, d.pk.int),
            newest_first=True,
        )
        return Response(
            {"next": next_url, "results": DeliveryOutputSerializer(page, many=True).data}
        )


# delivery_replay refuses a delivery not yet delivered or failed, and an inactive subscription.
@extend_validation_errors(
    ["not_replayable", "inactive", "erased"], field_name="non_field_errors", methods=["post"]
)
class DeliveryReplayApi(_WebhookApi):
    @extend_schema(
        operation_id="webhook_delivery_replay",
        tags=[TAG],
        summary="Send a delivered or failed delivery again",
        description="Creates a new delivery (its own id, `replay_of` the original).",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=None,
        responses={
            201: OpenApiResponse(DeliveryOutputSerializer, description="Queued."),
            409: CONFLICT_RESPONSE,
        },
    )
    @idempotent("webhook_delivery_replay")
    def post(self, request: Request, pk: int, delivery_id: uuid.UUID) -> Response:
        subscription = services.access_subscription(organisation=request.user.organisation, pk=pk)
        delivery = services.delivery_log(subscription=subscription).filter(pk=delivery_id).first()
        if delivery is None:
            raise exceptions.NotFound()
        replay = services.delivery_replay(
            delivery=delivery, actor=request.user, request=request._request
        )
        return Response(DeliveryOutputSerializer(replay).data, status=status.HTTP_201_CREATED)
