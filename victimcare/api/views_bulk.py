"""Bulk uploads of journey events through the API (`bulk:write`): post a file
(multipart, field `file`) or a JSON body `{"events": [...]}`; it is checked
and applied by the worker exactly as an upload through the page
(victimcare.integrations.bulk); poll its status and problems.

Another organisation's upload answers 404, like one that does not exist.
"""

from __future__ import annotations

import json
from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, parsers, status
from rest_framework.request import Request
from rest_framework.response import Response

from victimcare.integrations.bulk import access_bulk_upload, bulk_upload_create
from victimcare.integrations.bulk_check import MAX_BYTES
from victimcare.integrations.constants import UploadFormat
from victimcare.integrations.forms_uploads import FORMAT_BY_SUFFIX
from victimcare.integrations.models import BulkUpload
from victimcare.integrations.permissions_uploads import UPLOAD_EVENTS

from .idempotency import CONFLICT_RESPONSE, IDEMPOTENCY_PARAMETER, idempotent
from .serializers_bulk import (
    BulkFileInputSerializer,
    BulkJsonInputSerializer,
    BulkUploadErrorResponseSerializer,
    BulkUploadOutputSerializer,
)
from .views import BaseApi

TAG = "bulk uploads"
SCOPE = "bulk:write"

TOO_BIG = "The upload must be smaller than 10 MB. Split it into smaller files."
FILE_REQUIRED = "Send a CSV or JSON file in the field `file`, or a JSON body."
FILE_WRONG_TYPE = "The file's name must end in .csv or .json."
NOT_ALLOWED = "Your organisation cannot upload events."


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = TOO_BIG
    default_code = "payload_too_large"


class RawJson:
    """A JSON body kept as its bytes: the worker reads and checks it as a file."""

    def __init__(self, content: bytes) -> None:
        self.content = content


class RawJsonParser(parsers.BaseParser):
    """Reads a JSON body of up to MAX_BYTES, refusing more (413) and malformed JSON (400)."""

    media_type = "application/json"

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> RawJson:
        content = stream.read(MAX_BYTES + 1) if stream is not None else b""
        if len(content) > MAX_BYTES:
            raise PayloadTooLarge()
        try:
            json.loads(content.decode("utf-8"))
        except (ValueError, RecursionError) as exc:
            raise exceptions.ParseError() from exc
        return RawJson(content)


def _output(upload: BulkUpload) -> dict[str, Any]:
    return dict(
        BulkUploadOutputSerializer(
            {
                "id": upload.pk,
                "format": upload.format,
                "state": upload.state,
                "rows_total": upload.rows_total,
                "rows_checked": upload.rows_checked,
                "rows_applied": upload.rows_applied,
                "error_count": upload.error_count,
                "errors": upload.errors,
                "uploaded_at": upload.uploaded_at,
                "finished_at": upload.finished_at,
            }
        ).data
    )


def _location(pk: int) -> str:
    return f"/api/v1/bulk-uploads/{pk}/"


class _BulkApi(BaseApi):
    required_scopes = {"GET": SCOPE, "POST": SCOPE}

    def initial(self, request: Request, *args: object, **kwargs: object) -> None:
        super().initial(request, *args, **kwargs)
        # Belt and braces: refuse a token without the scope even if HasScope is not configured.
        if SCOPE not in (getattr(request.auth, "scopes", None) or []):
            raise exceptions.PermissionDenied()


class BulkUploadCreateApi(_BulkApi):
    parser_classes = [RawJsonParser, parsers.MultiPartParser]

    @extend_schema(
        operation_id="bulk_upload_create",
        tags=[TAG],
        summary="Upload many journey events at once",
        description=(
            "For partners without an integration of their own (docs/bulk-upload.md). "
            "Send a CSV or JSON file as multipart (`file`) or the JSON body itself. "
            "The upload is checked whole by a worker: if any event has a problem nothing "
            "is recorded and every problem is listed by row and column; otherwise every "
            "event is recorded in one transaction. Poll the upload (its `Location`) "
            "until `state` is applied or rejected."
        ),
        parameters=[IDEMPOTENCY_PARAMETER],
        request={
            "application/json": BulkJsonInputSerializer,
            "multipart/form-data": BulkFileInputSerializer,
        },
        responses={
            202: OpenApiResponse(BulkUploadOutputSerializer, description="Waiting to be checked."),
            # Explicit: with two request bodies drf-standardized-errors cannot infer it.
            400: OpenApiResponse(
                BulkUploadErrorResponseSerializer,
                description="No file, a file not named .csv or .json, or a malformed JSON body.",
            ),
            409: CONFLICT_RESPONSE,
            413: OpenApiResponse(description="The upload is 10 MB or more."),
        },
    )
    @idempotent("bulk_upload_create", headers=lambda body: {"Location": _location(body["id"])})
    def post(self, request: Request) -> Response:
        if not request.user.has_perm(UPLOAD_EVENTS):
            raise exceptions.PermissionDenied(NOT_ALLOWED)
        data = request.data
        if isinstance(data, RawJson):
            content, filename, upload_format = data.content, "api.json", UploadFormat.JSON
        else:
            file = request.FILES.get("file")
            if file is None:
                raise exceptions.ValidationError({"file": [FILE_REQUIRED]})
            name = (file.name or "").lower()
            upload_format = next(
                (f for suffix, f in FORMAT_BY_SUFFIX.items() if name.endswith(suffix)), None
            )
            if upload_format is None:
                raise exceptions.ValidationError({"file": [FILE_WRONG_TYPE]})
            if (file.size or 0) > MAX_BYTES:
                raise PayloadTooLarge()
            content, filename = b"".join(file.chunks()), file.name or "upload"
        upload = bulk_upload_create(
            actor=request.user,
            filename=filename,
            content=content,
            upload_format=upload_format,
            request=request._request,
        )
        upload.refresh_from_db()  # the worker may already have run (an immediate backend)
        response = Response(_output(upload), status=status.HTTP_202_ACCEPTED)
        response["Location"] = _location(upload.pk)
        return response


class BulkUploadDetailApi(_BulkApi):
    @extend_schema(
        operation_id="bulk_upload_detail",
        tags=[TAG],
        summary="An upload's state, progress and problems",
        responses={200: BulkUploadOutputSerializer},
    )
    def get(self, request: Request, pk: int) -> Response:
        upload = access_bulk_upload(user=request.user, upload_id=pk)
        return Response(_output(upload))
