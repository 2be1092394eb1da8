"""`Idempotency-Key` for any POST or PATCH of the partner API (issue 10, item 3).

    class SubscriptionListApi(BaseApi):
        @extend_schema(parameters=[IDEMPOTENCY_PARAMETER], responses={..., 409: CONFLICT_RESPONSE})
        @idempotent("webhook_create")
        def post(self, request): ...

Without the header the view runs as usual. With it (1-100 printable ASCII
characters, else a 400 validation error whose `attr` is the header's name), the
view runs in a transaction; if it succeeds (2xx), the operation, a SHA-256 of
the canonical request (method, path, body) and the response (status and JSON
body) are stored in IdempotencyRecord in that same transaction. A retry with
the same key and request gets the stored response again, with
`Idempotent-Replayed: true`, and writes nothing; the same key with a different request gets 409. Keys are
unique per organisation: of two concurrent first requests the unique
constraint lets one commit; the other rolls back and answers as a retry.

Errors (4xx) are not stored, so a corrected request may reuse its key.

Records made before an operation used this decorator (journey events recorded
through the API stored only the event and their own fingerprint) are answered
by the operation's `legacy` hook, so a retry spanning the change still works.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from . import messages
from .constants import IDEMPOTENCY_KEY_MAX_LENGTH
from .models import IdempotencyRecord
from .serializers import ConflictErrorResponseSerializer

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_PATTERN = re.compile(rf"^[\x21-\x7e]{{1,{IDEMPOTENCY_KEY_MAX_LENGTH}}}$")

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    pattern=KEY_PATTERN.pattern,
    description=(
        "Makes a retry safe: a repeat with the same key and the same request returns the "
        "first response again (same status and body, with the header "
        "`Idempotent-Replayed: true`) and changes nothing; the same key with a different "
        "request is refused with 409. Keys are per organisation, 1-100 printable ASCII "
        "characters without spaces. See docs/api-concurrency.md."
    ),
)
CONFLICT_RESPONSE = OpenApiResponse(
    ConflictErrorResponseSerializer,
    description="The Idempotency-Key was used before with a different request.",
)

Handler = Callable[..., Response]
ReplayHook = Callable[[Request, Any], Any]
LegacyHook = Callable[..., Response]


class IdempotencyConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = messages.IDEMPOTENCY_CONFLICT
    default_code = "idempotency_conflict"


def idempotency_key(request: Request) -> str | None:
    """The request's Idempotency-Key, None without one; if malformed, a 400
    validation error whose `attr` is the header's name (schema.header_error_attrs
    documents it for every operation that takes the header)."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not KEY_PATTERN.match(key):
        raise exceptions.ValidationError(
            {HEADER: [exceptions.ErrorDetail(messages.IDEMPOTENCY_KEY_INVALID, code="invalid")]}
        )
    return key


def _canonical_body(request: Request) -> Any:
    """The body as a JSON-able value: key order and whitespace do not matter, values do."""
    data = request.data
    content = getattr(data, "content", None)
    if isinstance(content, bytes):  # a body kept as bytes (bulk uploads)
        return {"sha256": hashlib.sha256(content).hexdigest()}
    files = {
        name: [
            f.name,
            hashlib.sha256(b"".join(f.chunks())).hexdigest(),
        ]
        for name, f in sorted(getattr(request, "FILES", {}).items())
    }
    if hasattr(data, "lists"):  # a QueryDict (form or multipart)
        fields = {k: v for k, v in data.lists() if k not in files}
        return {"fields": fields, "files": files}
    return data


def request_hash(request: Request) -> str:
    """SHA-256 of the request's method, path and canonical body."""
    canonical = json.dumps(
        {"method": request.method, "path": request.path, "body": _canonical_body(request)},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _replay(
    record: IdempotencyRecord,
    *,
    operation: str,
    fingerprint: str,
    request: Request,
    on_replay: ReplayHook | None,
    headers: Callable[[Any], dict[str, str]] | None,
    replay_status: int | None,
) -> Response:
    if (
        record.operation != operation
        or record.request_hash != fingerprint
        or record.response_status is None
    ):
        raise IdempotencyConflict()
    body = record.response_body
    if on_replay is not None:
        body = on_replay(request, body)
    response = Response(body, status=replay_status or record.response_status)
    for name, value in (headers(body) if headers is not None else {}).items():
        response[name] = value
    response[REPLAYED_HEADER] = "true"
    return response


def idempotent(
    operation: str,
    *,
    store: Callable[[Any], Any] | None = None,
    on_replay: ReplayHook | None = None,
    headers: Callable[[Any], dict[str, str]] | None = None,
    replay_status: int | None = None,
    legacy: LegacyHook | None = None,
) -> Callable[[Handler], Handler]:
    """Make a view method (POST or PATCH) honour Idempotency-Key (module docstring).

    `store` turns the response body into what is kept (e.g. without a secret);
    `on_replay` turns the kept body back into the response body of a retry;
    `headers` gives the headers a replayed response carries (e.g. Location);
    `replay_status` is a retry's status if not the first response's (a retried
    event POST answers 200, not 201); `legacy(view, record, request, *args,
    **kwargs)` answers a retry whose record holds no response (module docstring)."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
            key = idempotency_key(request)
            if key is None:
                return handler(view, request, *args, **kwargs)
            organisation_id = request.user.organisation_id
            fingerprint = request_hash(request)
            replay = functools.partial(
                _replay,
                operation=operation,
                fingerprint=fingerprint,
                request=request,
                on_replay=on_replay,
                headers=headers,
                replay_status=replay_status,
            )

            def answer(record: IdempotencyRecord) -> Response:
                if record.response_status is None and legacy is not None:
                    return legacy(view, record, request, *args, **kwargs)
                return replay(record)

            previous = IdempotencyRecord.objects.filter(
                organisation_id=organisation_id, key=key
            ).first()
            if previous is not None:
                return answer(previous)
            try:
                with transaction.atomic():
                    response = handler(view, request, *args, **kwargs)
                    if not status.is_success(response.status_code):
                        return response
                    body = response.data
                    IdempotencyRecord.objects.create(
                        organisation_id=organisation_id,
                        key=key,
                        request_hash=fingerprint,
                        operation=operation,
                        response_status=response.status_code,
                        response_body=json.loads(
                            json.dumps(store(body) if store else body, cls=JSONEncoder)
                        ),
                    )
                    return response
            except IntegrityError:
                # A concurrent first request with this key committed first (or the
                # write itself hit a constraint): answer as a retry of the winner.
                winner = IdempotencyRecord.objects.filter(
                    organisation_id=organisation_id, key=key
                ).first()
                if winner is None:
                    raise
                return answer(winner)

        return wrapper

    return decorate
