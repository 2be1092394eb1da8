"""People on a recorded crime, and a crime's shares with partners (issue 10, item 1).

What an officer does on the pages after recording a crime, for partner systems,
through the pages' services and permission predicates:

- `/crimes/{crn}/victims/`: add a victim, bereaved relative, parent or
  nominated contact (`cases.services.victim_add`, as the "Add a victim or
  contact" pages, cases.views_victims), and list the people on the crime as
  `GET /crimes/{crn}/` shows them (id, role, primary contact; no names or
  contact details). Adding needs `cases.edit_needs` on the crime (police, the
  Victim Focus Desk, a Witness Care Unit or the CPS who may see it).
- `/crimes/{crn}/shares/`: share the crime with a partner organisation or a
  specialist team (`cases.services.case_share`, as the "Share this case" page,
  cases.views.share_view), and list its shares. Sharing needs
  `cases.share_crime` (the officer in the case, or a supervisor who may see it).

A crime the token may not see is 404; one it may see but may not change in
this way is 404 too, as the pages (and views_referrals) answer it, so the
answer never says more than the pages would.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import prefetch_related_objects
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from victimcare.accounts.models import Organisation, User
from victimcare.cases import selectors as case_selectors
from victimcare.cases import services as case_services
from victimcare.cases.models import CaseShare, Crime, CrimeVictim
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction
from victimcare.duties import selectors as duty_selectors

from .constants import AUDIT_PURPOSE
from .idempotency import CONFLICT_RESPONSE, IDEMPOTENCY_PARAMETER, idempotent
from .serializers import VictimInputSerializer
from .serializers_victims import (
    SHARE_ORGANISATION_NOT_SHAREABLE,
    SHARE_ORGANISATION_UNKNOWN,
    SHARE_ORGANISATION_UNKNOWN_CODE,
    CrimePeopleSerializer,
    CrimeSharesSerializer,
    PersonAddedSerializer,
    ShareInputSerializer,
    ShareOutputSerializer,
)
from .views import CRN_PARAMETER, TAG, BaseApi
from .views_crimes import _victim_inputs

NOT_FOUND = "No such crime."


def _crime_to_change(user: User, crn: str, permission: str) -> Crime:
    """The crime, if `user` may see it and holds `permission` on it (as the page
    decides); else 404, the same as a crime that does not exist."""
    crime = case_selectors.access_crime(user=user, crn=crn)
    if not user.has_perm(permission, crime):
        raise Http404(NOT_FOUND)
    return crime


class CrimeVictimsApi(BaseApi):
    required_scopes = {"GET": "crimes:read", "POST": "crimes:write"}

    @extend_schema(
        operation_id="crime_victims_list",
        tags=[TAG],
        summary="The people on a crime",
        description=(
            "The victims, bereaved relatives, parents and nominated contacts linked to a "
            "crime the token may see, exactly as `GET /crimes/{crn}/` lists them: id, role "
            "and whether they are the primary contact (first), never names or contact "
            "details. Read a person's contact rules, needs and duties by their id on the "
            "other endpoints (each of those reads is audited)."
        ),
        parameters=[CRN_PARAMETER],
        responses={200: CrimePeopleSerializer},
    )
    def get(self, request: Request, crn: str) -> Response:
        crime = case_selectors.access_crime(user=request.user, crn=crn)
        # The crime detail's people and order (primary contact first), and, like
        # GET /crimes/{crn}/, ids and roles only: no audit entry, as that read writes none.
        links = CrimeVictim.objects.filter(crime=crime).order_by(
            "-is_primary_contact", "added_at", "pk"
        )
        return Response(CrimePeopleSerializer({"crn": crime.crn, "victims": links}).data)

    @extend_schema(
        operation_id="crime_victim_create",
        tags=[TAG],
        summary="Add a victim or contact to a recorded crime",
        description=(
            "As the 'Add a victim or contact' pages: another victim, a close relative of "
            "someone who died, the parent or guardian of a victim under 18, or a contact "
            "the victim nominated, with their safe-contact rules, needs and consents "
            "(the shape of a person in `POST /crimes/`). For tokens whose organisation "
            "may update the crime's needs (the police, the Victim Focus Desk, a Witness "
            "Care Unit or the CPS, on a crime they may see); a crime the token may not "
            "see or may not change is 404. Bad input is refused with 400 naming each "
            "field (e.g. `phone`, `needs.enhanced_reasons`) and nothing is added. The "
            "answer is the person's id and link, and the Victims' Code duties made for "
            "them; never their details (read their contact rules with "
            "`GET /crimes/{crn}/victims/{victim_id}/contact/`). The first person on a "
            "crime becomes its primary contact. Recorded in the audit log."
        ),
        parameters=[CRN_PARAMETER, IDEMPOTENCY_PARAMETER],
        request=VictimInputSerializer,
        responses={
            201: OpenApiResponse(PersonAddedSerializer, description="Added."),
            409: CONFLICT_RESPONSE,
        },
    )
    @idempotent("crime_victim_create")
    def post(self, request: Request, crn: str) -> Response:
        crime = _crime_to_change(request.user, crn, "cases.edit_needs")
        serializer = VictimInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        [data] = _victim_inputs([serializer.validated_data])
        try:
            victim = case_services.victim_add(
                actor=request.user, crime=crime, data=data, request=request._request
            )
        except PermissionDenied as denied:
            raise Http404(NOT_FOUND) from denied
        link = CrimeVictim.objects.get(crime=crime, victim=victim)
        # Everything this person is owed on the crime was made just now, by victim_add.
        duties = [
            duty
            for duty in duty_selectors.crime_duties(user=request.user, crime=crime)
            if duty.victim_id == victim.pk
        ]
        prefetch_related_objects(duties, "completed_event")
        if duties:
            # What a person is owed is about them: shown here as GET …/duties/
            # shows it, so recorded as that read is (ids only).
            audit_record(
                action=AuditAction.VIEW,
                request=request._request,
                object_type="cases.crime",
                object_id=crime.pk,
                subject_type="cases.victim",
                subject_id=victim.pk,
                purpose=AUDIT_PURPOSE,
                detail={"part": "duties", "duties": [duty.pk for duty in duties]},
            )
        data_out = PersonAddedSerializer(
            {
                "crn": crime.crn,
                "victim_id": victim.pk,
                "role": link.role,
                "is_primary_contact": link.is_primary_contact,
                "duties": duties,
            }
        ).data
        return Response(data_out, status=status.HTTP_201_CREATED)


@extend_validation_errors(
    [SHARE_ORGANISATION_UNKNOWN_CODE], field_name="organisation", methods=["post"]
)
class CrimeSharesApi(BaseApi):
    required_scopes = {"GET": "crimes:read", "POST": "crimes:write"}

    @extend_schema(
        operation_id="crime_shares_list",
        tags=[TAG],
        summary="The organisations a crime is shared with",
        description=(
            "For a crime the token may see: each organisation it is shared with (whose "
            "members may therefore see the case, restricted or not), when and why, "
            "oldest first. A restricted crime is shared at once with its BCU's specialist "
            "teams. Each read is recorded in the audit log with the purpose 'partner API' "
            "(a reason is free text)."
        ),
        parameters=[CRN_PARAMETER],
        responses={200: CrimeSharesSerializer},
    )
    def get(self, request: Request, crn: str) -> Response:
        crime = case_selectors.access_crime(user=request.user, crn=crn)
        shares = list(
            CaseShare.objects.filter(crime=crime)
            .select_related("organisation")
            .order_by("shared_at", "pk")
        )
        audit_record(
            action=AuditAction.VIEW,
            request=request._request,
            object_type="cases.crime",
            object_id=crime.pk,
            purpose=AUDIT_PURPOSE,
            detail={"part": "shares", "shares": [share.pk for share in shares]},
        )
        return Response(CrimeSharesSerializer({"crn": crime.crn, "shares": shares}).data)

    @extend_schema(
        operation_id="crime_share_create",
        tags=[TAG],
        summary="Share a crime with a partner organisation or specialist team",
        description=(
            "As the 'Share this case' page: the members of the organisation then see the "
            "case (restricted or not), its people and their needs assessment. For the "
            "officer in the case or a supervisor who may see it (a token is the officer "
            "in the case of the crimes it recorded); a crime the token may not see or "
            "may not share is 404. An unknown code, or an organisation a case cannot be "
            "shared with (a police force or BCU, a team that is not specialist, the "
            "oversight body, an inactive organisation) is 400 on `organisation`, and "
            "nothing is shared. Writes a case_shared event on the timeline and records "
            "the disclosure of each person's data in the audit log. Sharing again with "
            "the same organisation changes nothing and answers 200 with the share."
        ),
        parameters=[CRN_PARAMETER, IDEMPOTENCY_PARAMETER],
        request=ShareInputSerializer,
        responses={
            200: OpenApiResponse(ShareOutputSerializer, description="Already shared."),
            201: OpenApiResponse(ShareOutputSerializer, description="Shared."),
            409: CONFLICT_RESPONSE,
        },
    )
    @idempotent("crime_share_create")
    def post(self, request: Request, crn: str) -> Response:
        crime = _crime_to_change(request.user, crn, "cases.share_crime")
        serializer = ShareInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        code = serializer.validated_data["organisation"].strip()
        organisation = Organisation.objects.filter(code=code).first()
        if organisation is None:
            raise exceptions.ValidationError(
                {
                    "organisation": [
                        exceptions.ErrorDetail(
                            SHARE_ORGANISATION_UNKNOWN, code=SHARE_ORGANISATION_UNKNOWN_CODE
                        )
                    ]
                }
            )
        already = CaseShare.objects.filter(crime=crime, organisation=organisation).exists()
        try:
            share = case_services.case_share(
                actor=request.user,
                crime=crime,
                organisation=organisation,
                reason=serializer.validated_data["reason"],
                request=request._request,
            )
        except PermissionDenied as denied:
            raise Http404(NOT_FOUND) from denied
        except DjangoValidationError as refused:
            if _about_organisation(refused):
                # The page's message says "Select ..."; a system is told what to send.
                raise DjangoValidationError(
                    {"organisation": [SHARE_ORGANISATION_NOT_SHAREABLE]}
                ) from refused
            raise
        return Response(
            ShareOutputSerializer(share).data,
            status=status.HTTP_200_OK if already else status.HTTP_201_CREATED,
        )


def _about_organisation(refused: DjangoValidationError) -> bool:
    return "organisation" in getattr(refused, "error_dict", {})
