"""The partner API's read of victims' feedback responses, for analysts (issue 10).

Ratings with the victim's own equality answers and the case's categories, by
ISO week only and once the week has ended (decision 57): never the free text,
never the officer, never the exact time. Shares the sync conventions of
views_reads (docs/api-sync.md), with weeks in place of times.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from victimcare.accounts.constants import Role
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction
from victimcare.duties.calendar import LONDON
from victimcare.insights import sources
from victimcare.insights.constants import Dimension

from . import views
from .constants import AUDIT_PURPOSE
from .pagination import CURSOR_PARAM, INVALID_CURSOR, _decode, _encode
from .serializers_reads import (
    MODIFIED_SINCE,
    FeedbackQuerySerializer,
    FeedbackResponseSerializer,
    FeedbackResponsesPageSerializer,
)
from .views_reads import CURSOR_NOT_FOUND, MODIFIED_SINCE_CODES, _page_size, _query

FEEDBACK_NOT_ALLOWED = (
    "Only analysts' tokens (of the force or the oversight body) may read feedback responses."
)
FEEDBACK_SCORES = "feedback.view_scores"


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
