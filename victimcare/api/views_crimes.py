"""The partner API's crimes: record one with its victims, read its summary.

The sync list of crimes (GET /crimes/) is views_reads.CrimesApi, which answers
the POST of the same route with CrimeCreateApi's.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from victimcare.cases import selectors
from victimcare.cases import services as case_services

from .serializers import CrimeCreateInputSerializer, CrimeOutputSerializer
from .views import CRN_PARAMETER, TAG, BaseApi


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
        description=(
            "A crime is never changed directly: what happens to it is recorded as "
            "journey events (POST …/events/), which move its status and outcome; see "
            "docs/api-sync.md."
        ),
        parameters=[CRN_PARAMETER],
        responses={200: CrimeOutputSerializer},
    )
    def get(self, request: Request, crn: str) -> Response:
        crime = selectors.access_crime(user=request.user, crn=crn)
        return Response(CrimeOutputSerializer(crime).data)
