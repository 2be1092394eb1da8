"""Updates through the partner API, with If-Match and Idempotency-Key (issue 10, item 3).

- GET/PATCH /crimes/<crn>/victims/<id>/contact/: a victim's contact preferences
  and safe-contact rules. A PATCH may change any of them (through
  cases.services_contact.victim_contact_update, the service the staff page uses,
  with the same rules) and `communication_needs` (a new needs assessment
  version, cases.services.needs_assessment_record). The ETag names the victim,
  the needs version and the victim's last change. Step-up re-authentication
  does not apply: a token is a machine, and its scopes decide what it may do
  (changing contact preferences needs `crimes:write` besides `needs:write`).
- POST /crimes/<crn>/duties/<id>/complete/: complete a duty with the contact event
  that fulfilled it (duties.services.fulfil_errors + duties_complete).

Scoped exactly as the UI: a crime the token may not see, or a victim or duty
not on it, is 404.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from django.db import transaction
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from victimcare.cases import selectors
from victimcare.cases import services as case_services
from victimcare.cases.models import Crime, NeedsAssessment, Victim
from victimcare.cases.services_contact import victim_contact_update
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction
from victimcare.duties import services as duty_services
from victimcare.duties.models import Duty

from . import messages
from . import selectors as api_selectors
from .concurrency import (
    IF_MATCH_PARAMETER,
    add_etag_to_error,
    etag,
    if_match_check,
    with_etag,
)
from .constants import AUDIT_PURPOSE
from .idempotency import CONFLICT_RESPONSE, IDEMPOTENCY_PARAMETER, idempotent
from .permissions import SCOPE_MISSING, token_scopes
from .serializers import DutyOutputSerializer
from .serializers_updates import (
    CONTACT_PREFERENCE_FIELDS,
    ContactOutputSerializer,
    ContactPatchInputSerializer,
    DutyCompleteInputSerializer,
)
from .views import CRN_PARAMETER, BaseApi

TAG = "crimes"
DUTY_NOT_ON_CRIME = "There is no duty with this id on this crime."
# Changing contact preferences changes the case record, not only the needs.
CONTACT_SCOPE = "crimes:write"

ETAG_DESCRIPTION = "The record, with its version in the ETag header (send it as If-Match)."


def _victim(crime: Crime, victim_id: int) -> Victim:
    victim = api_selectors.crime_victim(crime=crime, victim_id=victim_id)
    if victim is None:
        raise Http404
    return victim


def _contact(victim: Victim, assessment: NeedsAssessment | None) -> tuple[dict[str, Any], str]:
    current = assessment.current if assessment is not None else None
    version = current.version if current is not None else None
    data = {
        "victim": victim.pk,
        **{name: getattr(victim, name) for name in CONTACT_PREFERENCE_FIELDS},
        "communication_needs": current.communication_needs if current is not None else "",
        "needs_version": version,
    }
    # The victim's last change (to the microsecond) is part of the version: a
    # change of contact preferences by anyone makes an older ETag stale.
    changed = int(victim.updated_at.timestamp() * 1_000_000)
    return dict(ContactOutputSerializer(data).data), etag(victim.pk, version or 0, changed)


class VictimContactApi(BaseApi):
    # The write is a new needs assessment version, so it needs the needs scope; the
    # policy (cases.edit_needs) decides which organisations may make it, as in the UI.
    required_scopes = {"GET": "crimes:read", "PATCH": "needs:write"}

    def handle_exception(self, exc: Exception) -> Response:
        return add_etag_to_error(super().handle_exception(exc), exc)

    def _audit(self, request: Request, crime: Crime, victim: Victim, part: str) -> None:
        audit_record(
            action=AuditAction.VIEW,
            request=request,
            object_type="cases.victim",
            object_id=victim.pk,
            subject_type="cases.victim",
            subject_id=victim.pk,
            purpose=AUDIT_PURPOSE,
            detail={"part": part, "crime_id": crime.pk},
        )

    @extend_schema(
        operation_id="victim_contact_retrieve",
        tags=[TAG],
        summary="A victim's contact preferences",
        description=(
            "How and when the victim may be contacted. The response's ETag names this "
            "version: send it as If-Match to change it. Each read is recorded in the audit "
            "log with the purpose 'partner API'."
        ),
        parameters=[CRN_PARAMETER],
        responses={200: OpenApiResponse(ContactOutputSerializer, description=ETAG_DESCRIPTION)},
    )
    def get(self, request: Request, crn: str, victim_id: int) -> Response:
        crime = selectors.access_crime(user=request.user, crn=crn)
        victim = _victim(crime, victim_id)
        assessment = NeedsAssessment.objects.select_related("current").filter(victim=victim).first()
        data, version = _contact(victim, assessment)
        self._audit(request, crime, victim, "contact")
        return with_etag(Response(data), version)

    @extend_schema(
        operation_id="victim_contact_update",
        tags=[TAG],
        summary="Change a victim's contact preferences or communication needs",
        description=(
            "For organisations that may change the victim's needs in victimcare (403 "
            "otherwise). Send only the fields to change. Contact preferences and "
            "safe-contact rules follow the same rules as in victimcare (400, nothing "
            "changed, if the result would contradict itself) and need the crimes:write "
            "scope too; a rule made stricter cancels messages already queued that are no "
            "longer safe. communication_needs is saved as a new version of the needs "
            "assessment ('tell us once'). Every agency on the victim's cases sees the "
            "change. Needs If-Match (428 without it; 412 with the current ETag if the "
            "record changed since your read)."
        ),
        parameters=[CRN_PARAMETER, IF_MATCH_PARAMETER, IDEMPOTENCY_PARAMETER],
        request=ContactPatchInputSerializer,
        responses={
            200: OpenApiResponse(ContactOutputSerializer, description=ETAG_DESCRIPTION),
            409: CONFLICT_RESPONSE,
        },
    )
    @idempotent("victim_contact_update")
    def patch(self, request: Request, crn: str, victim_id: int) -> Response:
        crime = selectors.access_crime(user=request.user, crn=crn)
        victim = _victim(crime, victim_id)
        if not request.user.has_perm("cases.edit_needs", crime):
            raise exceptions.PermissionDenied()
        serializer = ContactPatchInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = serializer.contact_changes()
        if changes and CONTACT_SCOPE not in token_scopes(request.auth):
            raise exceptions.PermissionDenied(SCOPE_MISSING.format(scope=CONTACT_SCOPE))
        with transaction.atomic():
            # The locks the services take too (the victim, then the needs
            # assessment): the ETag is checked and the change written under them.
            victim = Victim.objects.select_for_update().get(pk=victim.pk)
            assessment, _ = NeedsAssessment.objects.select_for_update().get_or_create(victim=victim)
            _, current_etag = _contact(victim, assessment)
            if_match_check(request, current=current_etag)
            if changes:
                victim = victim_contact_update(
                    actor=request.user,
                    crime=crime,
                    victim=victim,
                    changes=changes,
                    request=request._request,
                ).victim
            if "communication_needs" in serializer.validated_data:
                current = assessment.current
                needs = case_services.NeedsInput(
                    **{
                        f.name: getattr(current, f.name)
                        for f in fields(case_services.NeedsInput)
                        if current is not None
                    }
                )
                needs.communication_needs = serializer.validated_data["communication_needs"]
                case_services.needs_assessment_record(
                    actor=request.user,
                    victim=victim,
                    needs=needs,
                    crime=crime,
                    request=request._request,
                )
            assessment.refresh_from_db()
            victim.refresh_from_db()
            data, version = _contact(victim, assessment)
        return with_etag(Response(data), version)


class DutyCompleteApi(BaseApi):
    required_scopes = {"POST": "duties:write"}

    @extend_schema(
        operation_id="duty_complete",
        tags=[TAG],
        summary="Complete a duty with the contact that fulfilled it",
        description=(
            "The event must be a contact (e.g. contact_call) on this crime with the "
            "victim the duty is owed to (or their parent or nominated contact), and the "
            "duty must be owed and one the token's organisation may act on. On time if "
            "the contact happened by the deadline."
        ),
        parameters=[CRN_PARAMETER, IDEMPOTENCY_PARAMETER],
        request=DutyCompleteInputSerializer,
        responses={200: DutyOutputSerializer, 409: CONFLICT_RESPONSE},
    )
    @idempotent("duty_complete")
    def post(self, request: Request, crn: str, duty_id: int) -> Response:
        crime = selectors.access_crime(user=request.user, crn=crn)
        if not Duty.objects.filter(pk=duty_id, crime=crime).exists():
            raise Http404
        serializer = DutyCompleteInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event = api_selectors.crime_event(
            crime=crime, event_id=serializer.validated_data["event_id"]
        )
        if event is None:
            raise exceptions.ValidationError({"event_id": [messages.EVENT_NOT_ON_CRIME]})
        with transaction.atomic():
            duties, errors = duty_services.fulfil_errors(
                actor=request.user,
                crime=crime,
                code=event.code,
                victim=event.victim,
                duty_ids=[duty_id],
            )
            if errors:
                # The service names the UI's field; the API's is event_id.
                raise exceptions.ValidationError(
                    {"event_id": [m for messages_ in errors.values() for m in messages_]}
                )
            duty_services.duties_complete(actor=request.user, event=event, duties=duties)
            audit_record(
                action=AuditAction.CHANGE,
                request=request,
                object_type="duties.duty",
                object_id=duty_id,
                subject_type="cases.victim",
                subject_id=duties[0].victim_id,
                detail={"completed_event_id": event.pk, "crime_id": crime.pk},
            )
        duty = (
            Duty.objects.select_related("rule", "rule__rule_set", "event", "owner_organisation")
            .filter(pk=duty_id)
            .get()
        )
        return Response(DutyOutputSerializer(duty).data)
