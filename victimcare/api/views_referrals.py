"""Referrals through the partner API (issue 10, item 1): a support organisation's
system reads the referrals made to it, moves them on and reports data problems.

Everything goes through the inbox's selectors and services (referrals.inbox),
so the rules are the UI's: only the receiving organisation's supervisors and
caseworkers (and their tokens); another organisation's referral is 404. The
list carries no personal data; the detail read is audited as the inbox page's.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from drf_spectacular.utils import OpenApiResponse, extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from victimcare.referrals import inbox
from victimcare.referrals.models import Referral
from victimcare.referrals.permissions import UPDATE_REFERRAL, USE_INBOX
from victimcare.referrals.snapshot import snapshot_loads

from .concurrency import IF_MATCH_PARAMETER, add_etag_to_error, etag, if_match_check, with_etag
from .idempotency import CONFLICT_RESPONSE, IDEMPOTENCY_PARAMETER, idempotent
from .serializers_reads import MODIFIED_SINCE
from .serializers_referrals import (
    ProblemCreatedSerializer,
    ProblemInputSerializer,
    ReferralDetailSerializer,
    ReferralPageSerializer,
    ReferralPatchSerializer,
    ReferralQuerySerializer,
    ReferralSummarySerializer,
)
from .views import CURSOR_PARAMETER, BaseApi
from .views_reads import CURSOR_NOT_FOUND, MODIFIED_SINCE_CODES, SYNC_DESCRIPTION, keyset_page

TAG = "referrals"
REFERRALS_NOT_ALLOWED = (
    "Only the tokens of support organisations may read referrals: they read the "
    "referrals made to their own organisation."
)
ETAG_DESCRIPTION = "The referral, with its version in the ETag header (send it as If-Match)."


def referral_etag(referral: Referral) -> str:
    """Names the referral's state and shared-details version."""
    return etag(
        referral.pk,
        referral.state,
        referral.snapshot_version,
        int(referral.state_changed_at.timestamp() * 1_000_000),
    )


def _detail(user: Any, referral_id: int, request: Request) -> tuple[dict[str, Any], str]:
    """The inbox's detail read (one VIEW audit entry, as the page's)."""
    detail = inbox.referral_detail(user=user, referral_id=referral_id, request=request._request)
    referral = detail.referral
    data = ReferralDetailSerializer(
        {
            "pk": referral.pk,
            "state": referral.state,
            "service": referral.service,
            "sent_at": referral.sent_at,
            "within_deadline": referral.within_deadline,
            "state_changed_at": referral.state_changed_at,
            "decline_reason": referral.decline_reason,
            "snapshot_version": referral.snapshot_version,
            "snapshot": snapshot_loads(referral.snapshot),
            "next_states": detail.next_states,
            "problems": detail.problems,
        }
    ).data
    return dict(data), referral_etag(referral)


@extend_validation_errors(MODIFIED_SINCE_CODES, field_name=MODIFIED_SINCE, methods=["get"])
class ReferralsApi(BaseApi):
    required_scopes = {"GET": "referrals:read"}

    @extend_schema(
        operation_id="referral_list",
        tags=[TAG],
        summary="The referrals made to the organisation",
        description=(
            "For support organisations: the referrals made to the token's organisation, as "
            "its inbox lists them. Minimal fields and no personal data: read a referral by "
            "its id for the details shared. Other tokens get 403."
            + SYNC_DESCRIPTION.format(field="state_changed_at")
        ),
        parameters=[ReferralQuerySerializer, CURSOR_PARAMETER],
        responses={200: ReferralPageSerializer, 404: CURSOR_NOT_FOUND},
    )
    def get(self, request: Request) -> Response:
        if not request.user.has_perm(USE_INBOX):
            raise exceptions.PermissionDenied(REFERRALS_NOT_ALLOWED)
        query = ReferralQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        # The inbox's scope: referrals made to the person's own organisation.
        rows = Referral.objects.filter(organisation_id=request.user.organisation_id)
        since = query.validated_data.get(MODIFIED_SINCE)
        if since is not None:
            rows = rows.filter(state_changed_at__gte=since)
        page, next_url = keyset_page(
            rows.select_related("service"), request=request, field="state_changed_at"
        )
        return Response(
            {"next": next_url, "results": ReferralSummarySerializer(page, many=True).data}
        )


class ReferralDetailApi(BaseApi):
    required_scopes = {"GET": "referrals:read", "PATCH": "referrals:write"}

    def error_attr(self, field: str) -> str:
        # The inbox service names the UI's field; the API's is `state`.
        return "state" if field == "to_state" else super().error_attr(field)

    def handle_exception(self, exc: Exception) -> Response:
        return add_etag_to_error(super().handle_exception(exc), exc)

    @extend_schema(
        operation_id="referral_retrieve",
        tags=[TAG],
        summary="A referral made to the organisation, with the details shared",
        description=(
            "The latest version of the victim's details shared with the service, the "
            "states it may move to and its data problems. Each read is recorded in the "
            "audit log as the inbox page's. Another organisation's referral is 404."
        ),
        responses={200: OpenApiResponse(ReferralDetailSerializer, description=ETAG_DESCRIPTION)},
    )
    def get(self, request: Request, pk: int) -> Response:
        data, version = _detail(request.user, pk, request)
        return with_etag(Response(data), version)

    @extend_schema(
        operation_id="referral_update",
        tags=[TAG],
        summary="Move a referral on (accept, decline, contact made...)",
        description=(
            "Moves the referral along the inbox's states; declining needs a reason. A move "
            "the referral's current state does not allow is 400. Needs If-Match (428 "
            "without it; 412 with the current ETag if the referral changed since your read)."
        ),
        parameters=[IF_MATCH_PARAMETER, IDEMPOTENCY_PARAMETER],
        request=ReferralPatchSerializer,
        responses={
            200: OpenApiResponse(ReferralDetailSerializer, description=ETAG_DESCRIPTION),
            409: CONFLICT_RESPONSE,
        },
    )
    @idempotent("referral_update")
    def patch(self, request: Request, pk: int) -> Response:
        referral = inbox.access_referral(
            user=request.user, referral_id=pk, permission=UPDATE_REFERRAL
        )
        serializer = ReferralPatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            locked = Referral.objects.select_for_update().get(pk=referral.pk)
            if_match_check(request, current=referral_etag(locked))
            inbox.referral_move(
                actor=request.user,
                referral=locked,
                to_state=serializer.validated_data["state"],
                reason=serializer.validated_data.get("reason", ""),
                request=request._request,
            )
        data, version = _detail(request.user, pk, request)
        return with_etag(Response(data), version)


class ReferralProblemsApi(BaseApi):
    required_scopes = {"POST": "referrals:write"}

    @extend_schema(
        operation_id="referral_problem_create",
        tags=[TAG],
        summary="Report a problem with a referral's details",
        description=(
            "The officer in the case gets a task to correct the victim's record; the "
            "corrected details reach the referral as a new version. Another "
            "organisation's referral is 404."
        ),
        parameters=[IDEMPOTENCY_PARAMETER],
        request=ProblemInputSerializer,
        responses={201: ProblemCreatedSerializer, 409: CONFLICT_RESPONSE},
    )
    @idempotent("referral_problem_create")
    def post(self, request: Request, pk: int) -> Response:
        referral = inbox.access_referral(
            user=request.user, referral_id=pk, permission=UPDATE_REFERRAL
        )
        serializer = ProblemInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        problem = inbox.problem_report(
            actor=request.user,
            referral=referral,
            kind=serializer.validated_data["kind"],
            description=serializer.validated_data["description"],
            request=request._request,
        )
        data = ProblemCreatedSerializer(
            {"id": problem.pk, "kind": problem.kind, "due_at": problem.due_at}
        ).data
        return Response(data, status=status.HTTP_201_CREATED)
