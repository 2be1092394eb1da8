"""The partner API, version 1 (HackSoft style: parse, call one service or selector, render).

Every request is made by a token's service user, so `cases.selectors` and the
policy scope it exactly as a person of the token's organisation. A crime the
token may not see is answered with the same 404 as one that does not exist.

CRNs in paths: a CRN contains '/', so clients percent-encode it
(`/api/v1/crimes/4412345%2F26/`); the literal form is accepted too (see
converters.CrnConverter). Logs record the route pattern, never the raw path.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import fields
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.renderers import OpenApiJsonRenderer, OpenApiYamlRenderer
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from victimcare.cases import selectors
from victimcare.cases import services as case_services
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction
from victimcare.duties import selectors as duty_selectors

from . import messages
from . import selectors as api_selectors
from . import services as api_services
from .constants import AUDIT_PURPOSE, IDEMPOTENCY_KEY_MAX_LENGTH
from .pagination import CURSOR_PARAM, paginate_keyset, paginate_newest_first
from .permissions import PUBLIC, ScopeMap
from .serializers import (
    ConflictErrorResponseSerializer,
    CrimeCreateInputSerializer,
    CrimeNeedsOutputSerializer,
    CrimeOutputSerializer,
    DutiesPageSerializer,
    DutyOutputSerializer,
    EventInputSerializer,
    EventOutputSerializer,
    TimelinePageSerializer,
)

TAG = "crimes"
CURSOR_PARAMETER = OpenApiParameter(
    CURSOR_PARAM,
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    required=False,
    description="The cursor from the previous page's `next` link.",
)
CRN_PARAMETER = OpenApiParameter(
    "crn",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description=messages.CRN_PATH_HELP,
)
IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "Makes a retried POST safe: a repeat with the same key and the same body returns "
        "the first result (200) and records nothing new; the same key with a different "
        "body is refused with 409. Keys are per organisation, 1-100 printable ASCII characters."
    ),
)
_IDEMPOTENCY_KEY = re.compile(rf"^[\x21-\x7e]{{1,{IDEMPOTENCY_KEY_MAX_LENGTH}}}$")
_INDEX = re.compile(r"\[(\d+)\]")


class BodyTooLarge(exceptions.APIException):
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE: 413 in the structured format."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = messages.BODY_TOO_LARGE
    default_code = "payload_too_large"


class IdempotencyConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = messages.IDEMPOTENCY_CONFLICT
    default_code = "idempotency_conflict"


def _attr(field: str) -> str:
    """A domain error key as the API names it: 'victims[0].phone' → 'victims.0.phone'."""
    if field in ("__all__", "", None):
        return "non_field_errors"
    return _INDEX.sub(r".\1", field).replace("-", ".").strip(".")


def api_validation_error(
    exc: DjangoValidationError, *, attr: Callable[[str], str] = _attr
) -> exceptions.ValidationError:
    """A domain ValidationError as DRF's, so drf-standardized-errors renders a 400
    whose errors name the field (attr) and keep the domain's message and code."""
    if hasattr(exc, "error_dict"):
        detail: dict[str, list[exceptions.ErrorDetail]] = {}
        for field, errors in exc.error_dict.items():
            bucket = detail.setdefault(attr(field), [])
            for error in errors:
                for message in error.messages:
                    bucket.append(exceptions.ErrorDetail(message, code=error.code or "invalid"))
        return exceptions.ValidationError(detail)
    return exceptions.ValidationError(
        {
            "non_field_errors": [
                exceptions.ErrorDetail(message, code=getattr(exc, "code", None) or "invalid")
                for message in exc.messages
            ]
        }
    )


class BaseApi(APIView):
    """Turns domain errors into API errors before drf-standardized-errors formats them.

    Each subclass names the scope each method needs (permissions.HasScope):
    `required_scopes = {"GET": "crimes:read"}`; a method it leaves out is refused."""

    required_scopes: ScopeMap = {}

    def error_attr(self, field: str) -> str:
        """How the API names a field a domain service reported an error on."""
        return _attr(field)

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, DjangoValidationError):
            exc = api_validation_error(exc, attr=self.error_attr)
        elif isinstance(exc, api_services.IdempotencyConflictError):
            exc = IdempotencyConflict()
        elif isinstance(exc, RequestDataTooBig):
            exc = BodyTooLarge()
        return super().handle_exception(exc)


def _build(cls: type, data: dict[str, Any] | None) -> Any:
    return (
        None
        if data is None
        else cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})
    )


def _victim_inputs(victims: list[dict[str, Any]]) -> list[case_services.VictimInput]:
    built = []
    for victim in victims:
        values = dict(victim)
        values["needs"] = _build(case_services.NeedsInput, values.get("needs"))
        values["equality"] = _build(case_services.EqualityInput, values.get("equality"))
        values["consents"] = [
            case_services.ConsentInput(**consent) for consent in values.get("consents") or []
        ]
        built.append(_build(case_services.VictimInput, values))
    return built


class CrimeCreateApi(BaseApi):
    required_scopes = {"POST": "crimes:write"}

    @extend_schema(
        operation_id="crime_create",
        tags=[TAG],
        summary="Record a crime with its victims",
        description=(
            "For police organisations. The crime is recorded with the token's service "
            "user as the recording officer; a crime_reported event starts its timeline. "
            "Bad input is refused with 400 naming the field (e.g. crn, victims.0.phone) "
            "and nothing is saved."
        ),
        request=CrimeCreateInputSerializer,
        responses={201: CrimeOutputSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = CrimeCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        crime = case_services.crime_create(
            actor=request.user,
            crn=data["crn"],
            offence=data["offence"],
            occurred_at=data["occurred_at"],
            reported_at=data["reported_at"],
            area=data["area"],
            domestic_abuse=data["domestic_abuse"],
            hate_crime=data["hate_crime"],
            restricted_by_officer=data["restricted"],
            restricted_reason=data["restricted_reason"],
            victims=_victim_inputs(data["victims"]),
            request=request._request,
        )
        return Response(CrimeOutputSerializer(crime).data, status=status.HTTP_201_CREATED)


class CrimeDetailApi(BaseApi):
    required_scopes = {"GET": "crimes:read"}

    @extend_schema(
        operation_id="crime_retrieve",
        tags=[TAG],
        summary="A crime's summary",
        parameters=[CRN_PARAMETER],
        responses={200: CrimeOutputSerializer},
    )
    def get(self, request: Request, crn: str) -> Response:
        crime = selectors.access_crime(user=request.user, crn=crn)
        return Response(CrimeOutputSerializer(crime).data)


class EventCreateApi(BaseApi):
    required_scopes = {"POST": "events:write"}

    def error_attr(self, field: str) -> str:
        # event_record names the typed fields of `details` by their own names.
        if field == "idempotency_key":
            return IDEMPOTENCY_HEADER
        if field in EventInputSerializer().fields or field in ("__all__", ""):
            return _attr(field)
        return f"details.{_attr(field)}"

    @extend_schema(
        operation_id="event_create",
        tags=[TAG],
        summary="Record a journey event on a crime",
        description=(
            "Records one event (e.g. hearing_scheduled) on a crime the token may see, "
            "if the event code belongs to the token's kind of organisation (403 if not). "
            "Events are never changed: a correction is a new event with `supersedes`."
        ),
        parameters=[CRN_PARAMETER, IDEMPOTENCY_PARAMETER],
        request=EventInputSerializer,
        responses={
            201: OpenApiResponse(EventOutputSerializer, description="Recorded."),
            200: OpenApiResponse(
                EventOutputSerializer,
                description="A retry with the same Idempotency-Key: the event recorded first.",
            ),
            409: OpenApiResponse(
                ConflictErrorResponseSerializer,
                description="The Idempotency-Key was used before with a different request.",
            ),
        },
    )
    def post(self, request: Request, crn: str) -> Response:
        crime = selectors.access_crime(user=request.user, crn=crn)
        key = request.headers.get("Idempotency-Key")
        if key is not None and not _IDEMPOTENCY_KEY.match(key):
            raise exceptions.ValidationError(
                {"Idempotency-Key": [messages.IDEMPOTENCY_KEY_INVALID]}
            )
        serializer = EventInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        victim = supersedes = None
        if data["victim"] is not None:
            victim = api_selectors.crime_victim(crime=crime, victim_id=data["victim"])
            if victim is None:
                raise exceptions.ValidationError({"victim": [messages.VICTIM_NOT_ON_CRIME]})
        if data["supersedes"] is not None:
            supersedes = api_selectors.crime_event(crime=crime, event_id=data["supersedes"])
            if supersedes is None:
                raise exceptions.ValidationError({"supersedes": [messages.EVENT_NOT_ON_CRIME]})
        event, created = api_services.event_record_idempotent(
            actor=request.user,
            crime=crime,
            fingerprint=api_services.request_fingerprint(crime=crime, data=request.data),
            idempotency_key=key,
            request=request._request,
            code=data["code"],
            occurred_at=data["occurred_at"],
            # Not given: received now, by this request (VCOP clocks "from receipt").
            received_at=data["received_at"] or timezone.now(),
            victim=victim,
            details=data["details"],
            summary=data["summary"],
            supersedes=supersedes,
            fulfils=data["fulfils"],
        )
        return Response(
            EventOutputSerializer(event).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class TimelineApi(BaseApi):
    required_scopes = {"GET": "events:read"}

    @extend_schema(
        operation_id="timeline_list",
        tags=[TAG],
        summary="A crime's timeline, newest first",
        description="Cursor-paginated: follow `next` until it is null.",
        parameters=[CRN_PARAMETER, CURSOR_PARAMETER],
        responses={200: TimelinePageSerializer},
    )
    def get(self, request: Request, crn: str) -> Response:
        crime = selectors.access_crime(user=request.user, crn=crn)
        events = selectors.timeline(user=request.user, crime=crime)
        page, next_url = paginate_newest_first(
            events, request=request, page_size=settings.REST_FRAMEWORK["PAGE_SIZE"]
        )
        # Event summaries can carry details of the victims' lives: each page read
        # is a disclosure to the partner's system, recorded like the case page.
        audit_record(
            action=AuditAction.VIEW,
            request=request,
            object_type="cases.crime",
            object_id=crime.pk,
            purpose=AUDIT_PURPOSE,
            detail={"part": "timeline", "events": len(page)},
        )
        return Response({"next": next_url, "results": EventOutputSerializer(page, many=True).data})


class DutiesApi(BaseApi):
    required_scopes = {"GET": "duties:read"}

    @extend_schema(
        operation_id="duties_list",
        tags=[TAG],
        summary="A crime's Victims' Code duties, soonest deadline first",
        description=(
            "Every duty the Victims' Code owes the victims of a crime the token may see: "
            "owed (open, overdue) and finished (done, not applicable, replaced by a "
            "tighter deadline). Victims are named by id only. Each duty carries its "
            "`explanation`: the event and rule (with its edition) that created it and "
            "how the deadline was counted. Deadlines are ISO 8601 in London time with "
            "their offset. Cursor-paginated: follow `next` until it is null. Each page "
            "read is recorded in the audit log, per victim, with the purpose 'partner API'."
        ),
        parameters=[CRN_PARAMETER, CURSOR_PARAMETER],
        responses={200: DutiesPageSerializer},
    )
    def get(self, request: Request, crn: str) -> Response:
        crime = selectors.access_crime(user=request.user, crn=crn)
        duties = duty_selectors.crime_duties(user=request.user, crime=crime)
        page, next_url = paginate_keyset(
            duties,
            request=request,
            page_size=settings.REST_FRAMEWORK["PAGE_SIZE"],
            key=lambda duty: (duty.due_at, duty.pk),
            newest_first=False,
        )
        # A duty is about one victim: whether they have enhanced rights (which
        # implies vulnerability, intimidation or domestic abuse), what they are
        # owed and why a duty was closed (free text). So each page read is a
        # disclosure of each victim's data on it, recorded per victim like the
        # needs read; the detail holds ids and counts only.
        per_victim: dict[int, list[int]] = {}
        for duty in page:
            per_victim.setdefault(duty.victim_id, []).append(duty.pk)
        for victim_id, duty_ids in sorted(per_victim.items()):
            audit_record(
                action=AuditAction.VIEW,
                request=request,
                object_type="cases.crime",
                object_id=crime.pk,
                subject_type="cases.victim",
                subject_id=victim_id,
                purpose=AUDIT_PURPOSE,
                detail={"part": "duties", "duties": duty_ids},
            )
        return Response({"next": next_url, "results": DutyOutputSerializer(page, many=True).data})


class NeedsApi(BaseApi):
    required_scopes = {"GET": "needs:read"}

    @extend_schema(
        operation_id="needs_retrieve",
        tags=[TAG],
        summary="The shared needs assessment of each victim on a crime",
        description=(
            "'Tell us once': communication needs, special measures wanted at court and "
            "enhanced-rights eligibility with its reasons. Each read is recorded in the "
            "audit log, per victim, with the purpose 'partner API'."
        ),
        parameters=[CRN_PARAMETER],
        responses={200: CrimeNeedsOutputSerializer},
    )
    def get(self, request: Request, crn: str) -> Response:
        crime = selectors.access_crime(user=request.user, crn=crn)
        detail = selectors.crime_detail(
            user=request.user, crime=crime, request=request._request, purpose=AUDIT_PURPOSE
        )
        return Response(CrimeNeedsOutputSerializer(needs_rows(detail=detail)).data)


def needs_rows(*, detail: selectors.CrimeDetail) -> dict[str, Any]:
    """The needs part of a CrimeDetail, shaped for CrimeNeedsOutputSerializer.

    Deliberately no names or contact details: a partner system needs what to
    arrange (interpreter, format, special measures), keyed by victim id."""
    return {
        "crn": detail.crime.crn,
        "victims": [
            {
                "victim": person.victim.pk,
                "role": person.role,
                "language": person.victim.language,
                "interpreter_needed": person.victim.interpreter_needed,
                "accessible_format": person.victim.accessible_format,
                "needs": person.needs,
            }
            for person in detail.victims
        ],
    }


class SchemaApi(SpectacularAPIView):
    """The OpenAPI 3.0.3 schema, JSON by default (YAML with Accept: application/yaml)."""

    renderer_classes = [OpenApiJsonRenderer, OpenApiYamlRenderer]
    required_scopes = PUBLIC


class NotFoundApi(APIView):
    """Every path under /api/v1/ that names no endpoint (e.g. /api/v1/webhooks/abc/
    deliveries/, where an id must be a number): the API's structured 404, not the
    website's HTML page, for any method and with or without a token.

    To be routed last in urls.py: `re_path(r"^.*$", views.NotFoundApi.as_view())`.
    Not an operation of the schema."""

    authentication_classes: list[type] = []
    permission_classes: list[type] = []
    required_scopes = PUBLIC
    schema = None

    def http_method_not_allowed(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise exceptions.NotFound()

    def options(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise exceptions.NotFound()
