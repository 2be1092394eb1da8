"""The partner API's read endpoints for incremental sync (issue 10, item 1).

Each list is scoped exactly as the UI, through the same selectors and policy:
the crimes a person of the token's organisation may see
(`cases.selectors.crime_list_for_user`), a crime's messages
(`messaging.selectors.crime_messages`), the support directory
(`referrals.directory.service_list`) and, for analysts, feedback responses
(`insights.sources`). A crime the token may not see is 404, like one that does
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
from django.db.models import F, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from drf_standardized_errors.openapi_serializers import ErrorResponse404Serializer
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.utils.urls import replace_query_param

from victimcare.accounts.constants import Role
from victimcare.cases import selectors as case_selectors
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction
from victimcare.duties.calendar import LONDON
from victimcare.insights import sources
from victimcare.insights.constants import Dimension
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
    FeedbackQuerySerializer,
    FeedbackResponseSerializer,
    FeedbackResponsesPageSerializer,
    MessageQuerySerializer,
    MessageStatusPageSerializer,
    MessageStatusSerializer,
)

DIRECTORY_NOT_ALLOWED = (
    "This API token's organisation may not read the directory of support services. "
    "Support organisations, force administrators and the oversight body may."
)
FEEDBACK_NOT_ALLOWED = (
    "Only analysts' tokens (of the force or the oversight body) may read feedback responses."
)
FEEDBACK_SCORES = "feedback.view_scores"
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
            "covers, how it receives referrals and its capacity, for the organisations "
            "that may read the directory in victimcare: support organisations, force "
            "administrators and the oversight body. Other tokens get 403."
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


def week_start(moment: dt.datetime) -> dt.datetime:
    """Monday 00:00 (London time) of the ISO week holding `moment`."""
    local = moment.astimezone(LONDON)
    monday = local.date() - dt.timedelta(days=local.weekday())
    return dt.datetime.combine(monday, dt.time(), tzinfo=LONDON)


def _next_week(start: dt.datetime) -> dt.datetime:
    return dt.datetime.combine(start.date() + dt.timedelta(days=7), dt.time(), tzinfo=LONDON)


def feedback_rows() -> QuerySet[Any]:
    """Every feedback response with its categories as the statistics define them
    (insights.sources) and the week it was received in, the free text never loaded."""
    return (
        sources.feedback_responses()
        .defer("went_well", "could_be_better")
        .annotate(
            received_week=TruncWeek("created_at", tzinfo=LONDON),
            dim_age_band=sources.feedback_value(Dimension.AGE_BAND),
            dim_ethnicity=sources.feedback_value(Dimension.ETHNICITY),
            dim_disability=sources.feedback_value(Dimension.DISABILITY),
            dim_needs_recognised=sources.feedback_value(Dimension.NEEDS_RECOGNISED),
            dim_offence_group=sources.feedback_value(Dimension.OFFENCE_GROUP),
            dim_contact_type=sources.feedback_value(Dimension.CONTACT_TYPE),
            dim_borough=F(f"{sources.FEEDBACK_AREA}__code"),
        )
    )


def feedback_page(*, request: Request, since: dt.datetime | None) -> tuple[list[Any], str | None]:
    """One page of the feedback responses of the weeks that have ended, from the
    week holding `since`, ordered by (week, id), and the next page's URL.

    Only whole weeks, and never the exact time: the filter, the order and the
    cursor use the week a response was received in, so neither the rows, nor a
    cursor (a week's start and an id), nor asking with ever finer moments can
    tell when in its week a response came. And a week is listed only once it
    has ended, so a system polling often cannot learn the time by when a row
    appears. Comparisons are on `created_at` against week boundaries (aware
    datetimes), so both databases read London weeks the same way."""
    rows = feedback_rows().filter(created_at__lt=week_start(timezone.now()))
    if since is not None:
        try:
            rows = rows.filter(created_at__gte=week_start(since))
        except OverflowError:
            pass  # before year 1's first week: every row is later
    cursor = request.query_params.get(CURSOR_PARAM)
    if cursor:
        when, pk = _decode(cursor)
        if not 0 <= pk < 2**63:
            raise exceptions.NotFound(INVALID_CURSOR)
        try:
            week = week_start(when)
            later = _next_week(week)
        except OverflowError:
            raise exceptions.NotFound(INVALID_CURSOR) from None
        if week != when:  # only a week's start is a cursor of ours
            raise exceptions.NotFound(INVALID_CURSOR)
        rows = rows.filter(
            Q(created_at__gte=later) | Q(created_at__gte=week, created_at__lt=later, pk__gt=pk)
        )
    size = _page_size()
    found = list(rows.order_by("received_week", "pk")[: size + 1])
    page = found[:size]
    next_url = None
    if len(found) > size:
        last = page[-1]
        next_url = replace_query_param(
            request.build_absolute_uri(),
            CURSOR_PARAM,
            _encode(week_start(last.received_week), last.pk),
        )
    return page, next_url


@extend_validation_errors(MODIFIED_SINCE_CODES, field_name=MODIFIED_SINCE, methods=["get"])
class FeedbackResponsesApi(views.BaseApi):
    required_scopes = {"GET": "feedback:read"}

    @extend_schema(
        operation_id="feedback_responses_list",
        tags=["feedback"],
        summary="Victims' ratings of their contacts, by category (analysts)",
        description=(
            "For analysts' tokens (of the force or the oversight body) only; others get "
            "403. Each response's rating, the victim's own answers on age band, "
            "ethnicity, disability and whether their needs were recognised, and the "
            "borough, offence group and kind of contact it was about. Never the free "
            "text: victims write about their lives and name people, so comments are "
            "read only by people, in victimcare's review pages, where each read is "
            "audited. Never the officer: ratings of individuals stay in the scores "
            "pages, with their minimum numbers. Each page read is recorded in the audit "
            "log. When a response was received is given only as its ISO week "
            "(`received_week`, the Monday 00:00 London time it began), and a week's "
            "responses are listed once the week has ended: with the borough and the "
            "victim's own categories, an exact time could single a victim out."
            " Oldest week first, by (`received_week`, id); cursor-paginated: follow `next` "
            "until it is null. For incremental sync keep the last `received_week` you saw "
            "and ask again with `modified_since` set to it: that week comes again (update "
            "by id), so a response saved late in it is not missed. `modified_since` is read "
            "as the start of its week and needs its offset (`+01:00` sent as `%2B01:00`, or "
            "`Z`); a bad value is a 400 naming it."
        ),
        parameters=[FeedbackQuerySerializer, views.CURSOR_PARAMETER],
        responses={200: FeedbackResponsesPageSerializer, 404: CURSOR_NOT_FOUND},
    )
    def get(self, request: Request) -> Response:
        user = request.user
        if not (user.has_perm(FEEDBACK_SCORES) and user.role == Role.ANALYST):
            raise exceptions.PermissionDenied(FEEDBACK_NOT_ALLOWED)
        query = _query(FeedbackQuerySerializer, request)
        page, next_url = feedback_page(request=request, since=query.get(MODIFIED_SINCE))
        # Equality answers are special category data, even without a name.
        audit_record(
            action=AuditAction.VIEW,
            request=request,
            object_type="feedback.response",
            purpose=AUDIT_PURPOSE,
            detail={"part": "feedback", "responses": [row.pk for row in page]},
        )
        return Response(
            {"next": next_url, "results": FeedbackResponseSerializer(page, many=True).data}
        )
