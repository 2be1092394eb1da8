"""The partner API's reads of what a crime's victims are owed and need: their
Victims' Code duties and their shared needs assessments ("tell us once").

Both are about individual victims, so each read is audited per victim. Both
take `modified_since` for incremental sync (docs/api-sync.md), switching to
the sync order: oldest change first by (`updated_at`, id).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework.request import Request
from rest_framework.response import Response

from victimcare.cases import selectors
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction
from victimcare.duties import selectors as duty_selectors

from .constants import AUDIT_PURPOSE
from .pagination import paginate_changes, paginate_keyset
from .serializers import (
    CrimeNeedsOutputSerializer,
    DutiesPageSerializer,
    DutyOutputSerializer,
)
from .serializers_reads import MODIFIED_SINCE, DutiesQuerySerializer, NeedsQuerySerializer
from .views import CRN_PARAMETER, CURSOR_PARAMETER, TAG, BaseApi
from .views_reads import CURSOR_NOT_FOUND, MODIFIED_SINCE_CODES, SYNC_FILTER_DESCRIPTION, _query


def _page_size() -> int:
    return int(settings.REST_FRAMEWORK["PAGE_SIZE"])


@extend_validation_errors(MODIFIED_SINCE_CODES, field_name=MODIFIED_SINCE, methods=["get"])
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
            + SYNC_FILTER_DESCRIPTION.format(
                rows="duties created or changed (made, overdue, reminded, done, reopened, "
                "not applicable or replaced)",
                field="updated_at",
            )
        ),
        parameters=[CRN_PARAMETER, DutiesQuerySerializer, CURSOR_PARAMETER],
        responses={200: DutiesPageSerializer, 404: CURSOR_NOT_FOUND},
    )
    def get(self, request: Request, crn: str) -> Response:
        crime = selectors.access_crime(user=request.user, crn=crn)
        since = _query(DutiesQuerySerializer, request).get(MODIFIED_SINCE)
        duties = duty_selectors.crime_duties(user=request.user, crime=crime)
        if since is None:
            page, next_url = paginate_keyset(
                duties,
                request=request,
                page_size=_page_size(),
                key=lambda duty: (duty.due_at, duty.pk),
                newest_first=False,
            )
        else:
            page, next_url = paginate_changes(
                duties,
                request=request,
                page_size=_page_size(),
                since=since,
                changed_at=lambda duty: duty.updated_at,
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


@extend_validation_errors(MODIFIED_SINCE_CODES, field_name=MODIFIED_SINCE, methods=["get"])
class NeedsApi(BaseApi):
    required_scopes = {"GET": "needs:read"}

    @extend_schema(
        operation_id="needs_retrieve",
        tags=[TAG],
        summary="The shared needs assessment of each victim on a crime",
        description=(
            "'Tell us once': communication needs, special measures wanted at court and "
            "enhanced-rights eligibility with its reasons. Each read is recorded in the "
            "audit log, per victim, with the purpose 'partner API'. Without "
            "`modified_since` every victim is on one page (`next` is null)."
            + SYNC_FILTER_DESCRIPTION.format(
                rows="victims whose record or needs assessment (a new version) changed",
                field="updated_at",
            )
        ),
        parameters=[CRN_PARAMETER, NeedsQuerySerializer, CURSOR_PARAMETER],
        responses={200: CrimeNeedsOutputSerializer, 404: CURSOR_NOT_FOUND},
    )
    def get(self, request: Request, crn: str) -> Response:
        crime = selectors.access_crime(user=request.user, crn=crn)
        since = _query(NeedsQuerySerializer, request).get(MODIFIED_SINCE)
        detail = selectors.crime_detail(
            user=request.user, crime=crime, request=request._request, purpose=AUDIT_PURPOSE
        )
        rows = needs_rows(detail=detail)
        next_url = None
        if since is not None:
            rows["victims"], next_url = paginate_changes(
                rows["victims"],
                request=request,
                page_size=_page_size(),
                since=since,
                changed_at=lambda row: row["updated_at"],
                ident=lambda row: int(row["victim"]),
            )
        return Response(CrimeNeedsOutputSerializer({**rows, "next": next_url}).data)


def needs_rows(*, detail: selectors.CrimeDetail) -> dict[str, Any]:
    """The needs part of a CrimeDetail, shaped for CrimeNeedsOutputSerializer.

    Deliberately no names or contact details: a partner system needs what to
    arrange (interpreter, format, special measures), keyed by victim id. A
    victim's `updated_at` is the later of their record's and their current
    needs version's (versions are never changed, so its decision time is when
    it was made)."""
    victims = []
    for person in detail.victims:
        changed = person.victim.updated_at
        if person.needs is not None and person.needs.decided_at > changed:
            changed = person.needs.decided_at
        victims.append(
            {
                "victim": person.victim.pk,
                "role": person.role,
                "language": person.victim.language,
                "interpreter_needed": person.victim.interpreter_needed,
                "accessible_format": person.victim.accessible_format,
                "needs": person.needs,
                "updated_at": changed,
            }
        )
    return {"crn": detail.crime.crn, "victims": victims}
