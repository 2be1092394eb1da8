"""Referrals through the partner API (issue 10, item 1).

The support organisation's side: its system reads the referrals made to it,
moves them on and reports data problems. Everything goes through the inbox's
selectors and services (referrals.inbox), so the rules are the UI's: only the
receiving organisation's supervisors and caseworkers (and their tokens);
another organisation's referral is 404. The list carries no personal data; the
detail read is audited as the inbox page's.

The police side (`/crimes/{crn}/victims/{victim_id}/referrals/`): a police
system refers a victim on a crime to a support service, and reads the
referrals made for them, as the officer's referral page does
(referrals.views_referral): the same access (`referrals.make_referral` on a
crime the token may see, a victim on it; anything else is 404), the same
services (`referral_consent_record`, then `referral_send` with its consent
rules and data-quality gate, its audit and its messages).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from victimcare.accounts.models import User
from victimcare.cases import selectors as case_selectors
from victimcare.cases.models import Crime, Victim
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction
from victimcare.referrals import directory, inbox
from victimcare.referrals import services as referral_services
from victimcare.referrals.models import Referral, SupportService
from victimcare.referrals.permissions import MAKE_REFERRAL, UPDATE_REFERRAL, USE_INBOX
from victimcare.referrals.snapshot import snapshot_loads

from . import selectors as api_selectors
from .concurrency import IF_MATCH_PARAMETER, add_etag_to_error, etag, if_match_check, with_etag
from .constants import AUDIT_PURPOSE
from .idempotency import CONFLICT_RESPONSE, IDEMPOTENCY_PARAMETER, idempotent
from .serializers_reads import MODIFIED_SINCE
from .serializers_referrals import (
    PreconditionErrorResponseSerializer,
    ProblemCreatedSerializer,
    ProblemInputSerializer,
    ReferralCreateInputSerializer,
    ReferralDetailSerializer,
    ReferralPageSerializer,
    ReferralPatchSerializer,
    ReferralQuerySerializer,
    ReferralSummarySerializer,
    VictimReferralSerializer,
    VictimReferralsSerializer,
)
from .views import CRN_PARAMETER, CURSOR_PARAMETER, BaseApi
from .views_reads import CURSOR_NOT_FOUND, MODIFIED_SINCE_CODES, SYNC_DESCRIPTION, keyset_page

TAG = "referrals"
REFERRALS_NOT_ALLOWED = (
    "Only the tokens of support organisations may read referrals: they read the "
    "referrals made to their own organisation."
)
ETAG_DESCRIPTION = "The referral, with its version in the ETag header (send it as If-Match)."
PRECONDITION_REQUIRED_RESPONSE = OpenApiResponse(
    PreconditionErrorResponseSerializer, description="Sent without If-Match."
)
PRECONDITION_FAILED_RESPONSE = OpenApiResponse(
    PreconditionErrorResponseSerializer,
    description="The referral changed since your read: its current ETag is in the ETag header.",
)
SERVICE_UNKNOWN = (
    "There is no active support service with this id. The services this victim may be "
    "referred to are listed by a GET on this path."
)
SERVICE_UNKNOWN_CODE = "does_not_exist"


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


# A state that exists but the referral cannot move to now is the inbox service's
# refusal (MOVE_NOT_ALLOWED), code "invalid"; one that does not exist is invalid_choice.
@extend_validation_errors(["invalid"], field_name="state", methods=["patch"])
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
            412: PRECONDITION_FAILED_RESPONSE,
            428: PRECONDITION_REQUIRED_RESPONSE,
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


# --- The police side: making a referral ---------------------------------------------


def _referral_person(user: User, crn: str, victim_id: int) -> tuple[Crime, Victim]:
    """The crime and the victim on it, if `user` may make referrals for them (as
    the officer's page decides); else 404, the same as a crime that does not exist."""
    crime = case_selectors.access_crime(user=user, crn=crn)
    if not user.has_perm(MAKE_REFERRAL, crime):
        raise Http404("No such crime.")
    victim = api_selectors.crime_victim(crime=crime, victim_id=victim_id)
    if victim is None:
        raise Http404("No such victim on this crime.")
    return crime, victim


def _service_choices(crime: Crime, victim: Victim) -> list[dict[str, Any]]:
    """The services the page offers: the suggested ones (best fit first), then every
    other active service by name."""
    suggested = directory.suggested_services(crime=crime, victim=victim)
    seen = {service.pk for service in suggested}
    others = SupportService.objects.filter(active=True).exclude(pk__in=seen).order_by("name", "pk")
    return [{"pk": s.pk, "name": s.name, "kind": s.kind, "suggested": True} for s in suggested] + [
        {"pk": s.pk, "name": s.name, "kind": s.kind, "suggested": False} for s in others
    ]


@extend_validation_errors([SERVICE_UNKNOWN_CODE], field_name="service", methods=["post"])
class VictimReferralsApi(BaseApi):
    required_scopes = {"GET": "referrals:read", "POST": "referrals:write"}

    @extend_schema(
        operation_id="victim_referrals_retrieve",
        tags=[TAG],
        summary="The referrals made for a victim on a crime, and the services offered",
        description=(
            "For police organisations that may act on the crime's police duties (as the "
            "officer's referral page): the referrals made for this victim on this crime, "
            "newest first, with their progress only (never the details shared), and the "
            "services the victim may be referred to, suggested ones first. A crime the "
            "token may not see or refer on, or a victim not on it, is 404. Each read is "
            "recorded in the audit log with the purpose 'partner API'."
        ),
        parameters=[CRN_PARAMETER],
        responses={200: VictimReferralsSerializer},
    )
    def get(self, request: Request, crn: str, victim_id: int) -> Response:
        crime, victim = _referral_person(request.user, crn, victim_id)
        referrals = list(
            Referral.objects.filter(crime=crime, victim=victim)
            .select_related("service")
            .order_by("-sent_at", "-pk")
        )
        services = _service_choices(crime, victim)
        # The suggestions are worked out from the victim's details (age, gender,
        # needs): a consultation of their data, audited as the page's showing is.
        audit_record(
            action=AuditAction.VIEW,
            request=request._request,
            object_type="cases.crime",
            object_id=crime.pk,
            subject_type="cases.victim",
            subject_id=victim.pk,
            purpose=AUDIT_PURPOSE,
            detail={"part": "referrals", "referrals": [r.pk for r in referrals]},
        )
        return Response(
            VictimReferralsSerializer({"referrals": referrals, "services": services}).data
        )

    @extend_schema(
        operation_id="victim_referral_create",
        tags=[TAG],
        summary="Refer a victim on a crime to a support service",
        description=(
            "As the officer's referral page: Victims' Code Right 4. The referral is sent "
            "only if the victim's consent allows it (explicit consent first for sexual "
            "offences, domestic abuse and bereaved relatives; never after they declined) "
            "and the data-quality gate passes (somewhere the service can safely make "
            "contact, a needs assessment, a risk level for domestic abuse, the service's "
            "own eligibility). Otherwise 400 with every problem to fix, each in plain "
            "English (`non_field_errors`), and nothing is sent; the failed attempt is "
            "remembered for the 'complete first time' measure. A second open referral "
            "to the same service is 400 on `service`. Send `consent_method` only when "
            "the victim has just agreed: their consent is recorded first (and kept even "
            "if the referral is then refused, as on the page). On success the Right 4 "
            "duty is completed, the service's organisation is told (without personal "
            "data) and the sharing is recorded in the audit log. A crime the token may "
            "not see or refer on, or a victim not on it, is 404."
        ),
        parameters=[CRN_PARAMETER, IDEMPOTENCY_PARAMETER],
        request=ReferralCreateInputSerializer,
        responses={
            201: OpenApiResponse(VictimReferralSerializer, description="Sent."),
            409: CONFLICT_RESPONSE,
        },
    )
    @idempotent("victim_referral_create")
    def post(self, request: Request, crn: str, victim_id: int) -> Response:
        crime, victim = _referral_person(request.user, crn, victim_id)
        serializer = ReferralCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        service = SupportService.objects.filter(pk=data["service"], active=True).first()
        if service is None:
            raise exceptions.ValidationError(
                {"service": [exceptions.ErrorDetail(SERVICE_UNKNOWN, code=SERVICE_UNKNOWN_CODE)]}
            )
        try:
            if data.get("consent_method"):
                referral_services.referral_consent_record(
                    actor=request.user,
                    crime=crime,
                    victim=victim,
                    method=data["consent_method"],
                    request=request._request,
                )
            referral = referral_services.referral_send(
                actor=request.user,
                crime=crime,
                victim=victim,
                service=service,
                risk_level=data.get("risk_level", ""),
                request=request._request,
            )
        except PermissionDenied as denied:
            raise Http404("No such crime.") from denied
        except DjangoValidationError as refused:
            # Answered, not raised: what the services kept (the failed attempt, a
            # consent given) stays, as it does for the page, even inside the
            # Idempotency-Key's transaction. Errors are never stored as a key's result.
            return self.handle_exception(refused)
        return Response(VictimReferralSerializer(referral).data, status=status.HTTP_201_CREATED)
