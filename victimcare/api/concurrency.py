"""Optimistic concurrency for the partner API: ETag on reads, If-Match on updates.

A GET of an updatable resource answers with a strong `ETag` naming its
version. A PATCH must send it back in `If-Match`: without it 428, with an old
one 412 (and the current ETag), so two agencies cannot silently overwrite each
other. Views check `If-Match` and write under the same row lock
(select_for_update), so of two writers with the same ETag only one wins.
"""

from __future__ import annotations

import re

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

IF_MATCH = "If-Match"
PRECONDITION_REQUIRED = (
    "Send the If-Match header with the ETag from your last read of this record, "
    "so your change cannot overwrite someone else's."
)
IF_MATCH_INVALID = (
    "Send If-Match as the ETag from your last read of this record, exactly as the ETag "
    'header gave it, in double quotes (for example "12-3"), or *.'
)
# RFC 9110 entity-tag: an optional W/ and an opaque quoted string.
_ENTITY_TAG = re.compile(r'^(?:W/)?"[\x21\x23-\x7e\x80-\xff]*"$')
PRECONDITION_FAILED = (
    "This record changed since you read it: read it again and reapply your change."
)

IF_MATCH_PARAMETER = OpenApiParameter(
    IF_MATCH,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description=(
        "The ETag from your last GET of this record. Without it the update is refused "
        "with 428; if the record changed since, with 412 and the current ETag. "
        "See docs/api-concurrency.md."
    ),
)


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = PRECONDITION_REQUIRED
    default_code = "precondition_required"


class PreconditionFailed(exceptions.APIException):
    """412; `etag` is sent back in the response's ETag header (see BaseApi use below)."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = PRECONDITION_FAILED
    default_code = "precondition_failed"

    def __init__(self, etag: str) -> None:
        super().__init__()
        self.etag = etag


def etag(*parts: object) -> str:
    """A strong ETag from the parts naming a version, e.g. etag(victim.pk, version)."""
    return '"' + "-".join(str(part) for part in parts) + '"'


def if_match_check(request: Request, *, current: str) -> None:
    """Refuse (428/412) unless the request's If-Match names the `current` ETag.

    `*` matches any existing version (RFC 9110); a list of ETags matches if
    any does. Weak ETags (W/...) never match: our writes need the exact version.
    A header that is neither `*` nor a list of ETags (e.g. a version without its
    quotes) is a 400 validation error whose `attr` is the header's name, so a
    client learns its mistake instead of reading again to meet the same 412.
    Call it after locking the row the ETag describes."""
    header = request.headers.get(IF_MATCH)
    if header is None or not header.strip():
        raise PreconditionRequired()
    candidates = [part.strip() for part in header.split(",")]
    if candidates != ["*"] and not all(_ENTITY_TAG.match(part) for part in candidates):
        raise exceptions.ValidationError(
            {IF_MATCH: [exceptions.ErrorDetail(IF_MATCH_INVALID, code="invalid")]}
        )
    if "*" in candidates or current in candidates:
        return
    raise PreconditionFailed(current)


def with_etag(response: Response, value: str) -> Response:
    response["ETag"] = value
    return response


def add_etag_to_error(response: Response, exc: Exception) -> Response:
    """For BaseApi.handle_exception overrides: a 412 carries the current ETag."""
    if isinstance(exc, PreconditionFailed):
        response["ETag"] = exc.etag
    return response
