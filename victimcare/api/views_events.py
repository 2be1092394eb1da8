"""The partner API's journey events: record one on a crime, read the timeline.

Recording is idempotent through `idempotency.idempotent`, like every other POST:
a retry with the same Idempotency-Key and body gets the event recorded first
(200) and records nothing; the same key with another request gets 409.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from victimcare.cases import selectors
from victimcare.cases import services as case_services
from victimcare.cases.models import JourneyEvent
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction

from . import messages
from . import selectors as api_selectors
from . import services as api_services
from .constants import AUDIT_PURPOSE
from .idempotency import (
    CONFLICT_RESPONSE,
    HEADER,
    IDEMPOTENCY_PARAMETER,
    IdempotencyConflict,
    idempotency_key,
    idempotent,
)
from .models import IdempotencyRecord
from .pagination import paginate_changes, paginate_newest_first
from .serializers import (
    EventInputSerializer,
    EventOutputSerializer,
    TimelinePageSerializer,
)
from .serializers_reads import MODIFIED_SINCE, TimelineQuerySerializer
from .views import CRN_PARAMETER, CURSOR_PARAMETER, TAG, BaseApi, _attr
from .views_reads import CURSOR_NOT_FOUND, MODIFIED_SINCE_CODES, SYNC_FILTER_DESCRIPTION, _query

EVENT_IDEMPOTENCY_PARAMETER = OpenApiParameter(
    HEADER,
    IDEMPOTENCY_PARAMETER.type,
    OpenApiParameter.HEADER,
    required=False,
    pattern=IDEMPOTENCY_PARAMETER.pattern,
    description=(
        "Makes a retried POST safe: a repeat with the same key and the same body returns "
        "the event recorded first (200, with `Idempotent-Replayed: true`) and records "
        "nothing new; the same key with a different request is refused with 409. Keys are "
        "per organisation, 1-100 printable ASCII characters without spaces."
    ),
)


def _same_event(recorded: JourneyEvent, data: dict[str, Any]) -> bool:
    """For a key first used outside the API (no fingerprint): the essentials match."""
    return recorded.code == data["code"] and recorded.occurred_at == data["occurred_at"]


def _legacy_replay(
    view: EventCreateApi, record: IdempotencyRecord, request: Request, crn: str
) -> Response:
    """A retry of an event POST answered before the decorator kept responses: its
    record names the event and the fingerprint api_services.request_fingerprint made."""
    crime = selectors.access_crime(user=request.user, crn=crn)
    fingerprint = api_services.request_fingerprint(crime=crime, data=request.data)
    if record.event is None or record.request_hash != fingerprint:
        raise IdempotencyConflict()
    return Response(EventOutputSerializer(record.event).data, status=status.HTTP_200_OK)


class EventCreateApi(BaseApi):
    required_scopes = {"POST": "events:write"}

    def error_attr(self, field: str) -> str:
        # event_record names the typed fields of `details` by their own names.
        if field == "idempotency_key":
            return HEADER
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
        parameters=[CRN_PARAMETER, EVENT_IDEMPOTENCY_PARAMETER],
        request=EventInputSerializer,
        responses={
            201: OpenApiResponse(EventOutputSerializer, description="Recorded."),
            200: OpenApiResponse(
                EventOutputSerializer,
                description="A retry with the same Idempotency-Key: the event recorded first.",
            ),
            409: CONFLICT_RESPONSE,
        },
    )
    @idempotent("event_create", replay_status=status.HTTP_200_OK, legacy=_legacy_replay)
    def post(self, request: Request, crn: str) -> Response:
        crime = selectors.access_crime(user=request.user, crn=crn)
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
        # The event keeps the key too: event_record returns the event already
        # recorded with it (by the bulk upload, say) instead of a second one.
        key = idempotency_key(request)
        event, created = case_services.event_record(
            actor=request.user,
            crime=crime,
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
        if (
            key is not None
            and not created
            and (event.crime_id != crime.pk or not _same_event(event, data))
        ):
            # The key was first used outside the API for something else.
            raise IdempotencyConflict()
        return Response(
            EventOutputSerializer(event).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


@extend_validation_errors(MODIFIED_SINCE_CODES, field_name=MODIFIED_SINCE, methods=["get"])
class TimelineApi(BaseApi):
    required_scopes = {"GET": "events:read"}

    @extend_schema(
        operation_id="timeline_list",
        tags=[TAG],
        summary="A crime's timeline, newest first (or, for sync, oldest recorded first)",
        description=(
            "Newest first by when each event happened; cursor-paginated: follow `next` "
            "until it is null. Each page read is recorded in the audit log with the "
            "purpose 'partner API'."
            + SYNC_FILTER_DESCRIPTION.format(
                rows="events recorded (events never change: a correction is a new event)",
                field="recorded_at",
            )
        ),
        parameters=[CRN_PARAMETER, TimelineQuerySerializer, CURSOR_PARAMETER],
        responses={200: TimelinePageSerializer, 404: CURSOR_NOT_FOUND},
    )
    def get(self, request: Request, crn: str) -> Response:
        crime = selectors.access_crime(user=request.user, crn=crn)
        since = _query(TimelineQuerySerializer, request).get(MODIFIED_SINCE)
        events = selectors.timeline(user=request.user, crime=crime)
        page_size = settings.REST_FRAMEWORK["PAGE_SIZE"]
        if since is None:
            page, next_url = paginate_newest_first(events, request=request, page_size=page_size)
        else:
            page, next_url = paginate_changes(
                events,
                request=request,
                page_size=page_size,
                since=since,
                changed_at=lambda event: event.recorded_at,
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
