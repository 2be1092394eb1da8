"""The partner API's read endpoints for incremental sync (issue 10, item 1).

Each list is scoped exactly as the UI, through the same selectors and policy:
the crimes a person of the token's organisation may see
(`cases.selectors.crime_list_for_user`), a crime's messages
(`messaging.selectors.crime_messages`), the support directory
(`referrals.directory.service_list`); feedback responses, for analysts, are in
views_feedback.py. A crime the token may not see is 404, like one that does
not exist.

Incremental sync (docs/api-sync.md): every list takes `modified_since` (an ISO
8601 moment with its offset) and is ordered by (modification time, id), oldest
first, with a keyset cursor: a client pages to the end, keeps the last
modification time it saw and asks again from there. The cursor names the last
row's (time, id), so rows sharing a time are neither skipped nor repeated, and
rows changed meanwhile move to the end instead of shifting a page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from drf_standardized_errors.openapi_serializers import ErrorResponse404Serializer
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.utils.urls import replace_query_param

from victimcare.cases import selectors as case_selectors
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction
from victimcare.messaging import selectors as message_selectors
from victimcare.referrals import directory
from victimcare.referrals.permissions import VIEW_DIRECTORY

from . import views, views_crimes
from .constants import AUDIT_PURPOSE
from .pagination import CURSOR_PARAM, INVALID_CURSOR, _decode, _encode, paginate_keyset
from .serializers_reads import (
    MODIFIED_SINCE,
    CrimeChangeSerializer,
    CrimeChangesPageSerializer,
    CrimeQuerySerializer,
    DirectoryPageSerializer,
    DirectoryQuerySerializer,
    DirectoryServiceSerializer,
    MessageQuerySerializer,
    MessageStatusPageSerializer,
    MessageStatusSerializer,
)

DIRECTORY_NOT_ALLOWED = (
    "This API token may not read the directory of support services: only support "
    "organisations' tokens (caseworker or supervisor) may. A police system finds the "
    "services it may refer a victim to in GET /api/v1/crimes/{crn}/victims/{id}/referrals/."
)
MODIFIED_SINCE_CODES = ["invalid", "offset_required", "null"]
CURSOR_NOT_FOUND = OpenApiResponse(
    ErrorResponse404Serializer,
    description=f"The cursor is not one this list gave: {INVALID_CURSOR}",
)
SYNC_DESCRIPTION = (
    " Oldest change first, by ({field}, id); cursor-paginated: follow `next` until it is "
    "null. For incremental sync keep the last `{field}` you saw and ask again with "
    "`modified_since` set to it (rows changed at exactly that moment come again: "
    "update by id). `modified_since` needs its offset (`+01:00` sent as `%2B01:00`, or `Z`); "
    "a bad value is a 400 naming it."
)

# For lists in another order that switch to sync order with modified_since
# (a crime's timeline, duties and needs).
SYNC_FILTER_DESCRIPTION = (
    " With `modified_since` (incremental sync, docs/api-sync.md): only the {rows} at or "
    "after it, oldest first by (`{field}`, id), cursor-paginated the same way. Keep the "
    "last `{field}` you saw and ask again with `modified_since` set to it (rows changed at "
    "exactly that moment come again: update by id). `modified_since` needs its offset "
    "(`+01:00` sent as `%2B01:00`, or `Z`); a bad value is a 400 naming it."
)


def _page_size() -> int:
    return int(settings.REST_FRAMEWORK["PAGE_SIZE"])


def _query(serializer_class: type[Serializer], request: Request) -> dict[str, Any]:
    """The list's filters, or a 400 naming the bad parameter."""
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def keyset_page(
    rows: QuerySet[Any], *, request: Request, field: str
) -> tuple[list[Any], str | None]:
    """One page of `rows` ordered by (`field`, id) after the request's cursor, in
    the database, and the URL of the next page (None on the last page).

    The queryset form of `pagination.paginate_keyset`, with the same cursor, for
    lists too long to sort in Python (every crime of a BCU)."""
    cursor = request.query_params.get(CURSOR_PARAM)
    ordered = rows.order_by(field, "pk")
    if cursor:
        when, pk = _decode(cursor)
        # A forged cursor may name a moment with no UTC equivalent or an id no
        # database column holds: refused like any cursor that is not ours.
        if not 0 <= pk < 2**63:
            raise exceptions.NotFound(INVALID_CURSOR)
        try:
            when = when.astimezone(dt.UTC)
        except OverflowError:
            raise exceptions.NotFound(INVALID_CURSOR) from None
        ordered = ordered.filter(Q(**{f"{field}__gt": when}) | Q(**{field: when, "pk__gt": pk}))
    size = _page_size()
    found = list(ordered[: size + 1])
    page = found[:size]
    next_url = None
    if len(found) > size:
        last = page[-1]
        next_url = replace_query_param(
            request.build_absolute_uri(), CURSOR_PARAM, _encode(getattr(last, field), last.pk)
        )
    return page, next_url


def _since(rows: QuerySet[Any], field: str, since: dt.datetime | None) -> QuerySet[Any]:
    return rows if since is None else rows.filter(**{f"{field}__gte": since})


@extend_validation_errors(MODIFIED_SINCE_CODES, field_name=MODIFIED_SINCE, methods=["get"])
class CrimesApi(views_crimes.CrimeCreateApi):
    """GET: the crimes the token's organisation may see, for incremental sync.
    POST: record a crime (views_crimes.CrimeCreateApi)."""

    required_scopes = {"GET": "crimes:read", "POST": "crimes:write"}

    @extend_schema(
        operation_id="crime_list",
        tags=[views.TAG],
        summary="The crimes the organisation may see, oldest change first",
        description=(
            "Exactly the crimes a person of the token's organisation may see in "
            "victimcare (its own, those shared with it, and for police those of its "
            "BCU that are not restricted). Minimal fields and no victim's personal data: "
            "read a crime's detail, timeline, needs and duties by its CRN."
            + SYNC_DESCRIPTION.format(field="updated_at")
        ),
        parameters=[CrimeQuerySerializer, views.CURSOR_PARAMETER],
        responses={200: CrimeChangesPageSerializer, 404: CURSOR_NOT_FOUND},
    )
    def get(self, request: Request) -> Response:
        query = _query(CrimeQuerySerializer, request)
        crimes = case_selectors.crime_list_for_user(user=request.user).select_related(
            "offence", "area"
        )
        page, next_url = keyset_page(
            _since(crimes, "updated_at", query.get(MODIFIED_SINCE)),
            request=request,
            field="updated_at",
        )
        return Response({"next": next_url, "results": CrimeChangeSerializer(page, many=True).data})


@extend_validation_errors(MODIFIED_SINCE_CODES, field_name=MODIFIED_SINCE, methods=["get"])
class MessagesApi(views.BaseApi):
    required_scopes = {"GET": "messages:read"}

    @extend_schema(
        operation_id="messages_list",
        tags=[views.TAG],
        summary="The status of the messages sent to a crime's victims",
        description=(
            "For a crime the token may see, as its case page shows them: channel, "
            "standard message, status, when it was made, sent and delivered, and why a "
            "safe-contact rule held or stopped it. Never the recipient's number or "
            "address, the subject or the body. Each page read is recorded in the audit "
            "log, per victim, with the purpose 'partner API'."
            + SYNC_DESCRIPTION.format(field="updated_at")
        ),
        parameters=[views.CRN_PARAMETER, MessageQuerySerializer, views.CURSOR_PARAMETER],
        responses={200: MessageStatusPageSerializer},
    )
    def get(self, request: Request, crn: str) -> Response:
        crime = case_selectors.access_crime(user=request.user, crn=crn)
        query = _query(MessageQuerySerializer, request)
        since = query.get(MODIFIED_SINCE)
        messages = [
            message
            for message in message_selectors.crime_messages(user=request.user, crime=crime)
            if since is None or message.updated_at >= since
        ]
        page, next_url = paginate_keyset(
            messages,
            request=request,
            page_size=_page_size(),
            key=lambda message: (message.updated_at, message.pk.int),
            newest_first=False,
        )
        # Who was sent what, when, and whether it reached them is about each
        # victim: recorded per victim like the duties read (ids and counts only).
        per_victim: dict[int, int] = {}
        for message in page:
            if message.victim_id is not None:
                per_victim[message.victim_id] = per_victim.get(message.victim_id, 0) + 1
        for victim_id, count in sorted(per_victim.items()):
            audit_record(
                action=AuditAction.VIEW,
                request=request,
                object_type="cases.crime",
                object_id=crime.pk,
                subject_type="cases.victim",
                subject_id=victim_id,
                purpose=AUDIT_PURPOSE,
                detail={"part": "messages", "messages": count},
            )
        if not per_victim:
            audit_record(
                action=AuditAction.VIEW,
                request=request,
                object_type="cases.crime",
                object_id=crime.pk,
                purpose=AUDIT_PURPOSE,
                detail={"part": "messages", "messages": len(page)},
            )
        return Response(
            {"next": next_url, "results": MessageStatusSerializer(page, many=True).data}
        )


@extend_validation_errors(MODIFIED_SINCE_CODES, field_name=MODIFIED_SINCE, methods=["get"])
@extend_validation_errors(["invalid", "blank", "max_length", "null"], field_name="borough")
@extend_validation_errors(["invalid_choice", "blank", "max_length", "null"], field_name="kind")
class SupportServicesApi(views.BaseApi):
    required_scopes = {"GET": "directory:read"}

    @extend_schema(
        operation_id="support_services_list",
        tags=["directory"],
        summary="The directory of support services",
        description=(
            "Every support service (active or not) with who it is for, the boroughs it "
            "covers, how it receives referrals and its capacity. For support "
            "organisations' tokens (whose service user is a support caseworker or a "
            "supervisor), with `directory:read`; every other token gets 403, whatever "
            "its scopes (a token never acts as an administrator). Police systems find "
            "the services they may refer a victim to in "
            "GET /api/v1/crimes/{crn}/victims/{victim_id}/referrals/."
            + SYNC_DESCRIPTION.format(field="updated_at")
        ),
        parameters=[DirectoryQuerySerializer, views.CURSOR_PARAMETER],
        responses={200: DirectoryPageSerializer, 404: CURSOR_NOT_FOUND},
    )
    def get(self, request: Request) -> Response:
        if not request.user.has_perm(VIEW_DIRECTORY):
            raise exceptions.PermissionDenied(DIRECTORY_NOT_ALLOWED)
        query = _query(DirectoryQuerySerializer, request)
        services = directory.service_list(
            user=request.user, area=query.get("borough"), kind=query.get("kind", "")
        )
        page, next_url = keyset_page(
            _since(services, "updated_at", query.get(MODIFIED_SINCE)),
            request=request,
            field="updated_at",
        )
        return Response(
            {"next": next_url, "results": DirectoryServiceSerializer(page, many=True).data}
        )
