"""GOV.UK Notify's callbacks: delivery receipts and inbound texts.

Notify authenticates with the bearer token registered for the callback
(NOTIFY_CALLBACK_BEARER_TOKEN, compared in constant time). A refused request
is logged with its reason and client address only: never its body or token.
Each client address may make MESSAGING_CALLBACK_RATE_PER_MINUTE requests a
minute per web process, checked before anything else, so a flood is refused
without touching the database.
"""

from __future__ import annotations

import hmac
import threading
import time

import structlog
from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from victimcare.core.http import client_ip

from .callbacks import InvalidCallback, inbound_sms_record, parse_callback_body, receipt_record

log = structlog.get_logger(__name__)
MIN_TOKEN_LENGTH = 10
UNAUTHORISED = "Unauthorised"
TOO_MANY = "Too many requests"
NOT_JSON = "The body must be a JSON object"


class _PerIpWindow:
    """Fixed one-minute windows of request counts per client address, in memory."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.minute = -1
        self.counts: dict[str, int] = {}

    def allow(self, ip: str, limit: int) -> bool:
        minute = int(time.monotonic() // 60)
        with self.lock:
            if minute != self.minute:
                self.minute, self.counts = minute, {}
            self.counts[ip] = count = self.counts.get(ip, 0) + 1
        return count <= limit

    def reset(self) -> None:
        with self.lock:
            self.minute, self.counts = -1, {}


callback_window = _PerIpWindow()


def _bearer_ok(request: HttpRequest) -> tuple[bool, str]:
    expected = settings.NOTIFY_CALLBACK_BEARER_TOKEN or ""
    if len(expected) < MIN_TOKEN_LENGTH:
        return False, "no callback token configured"
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return False, "missing bearer token"
    if not hmac.compare_digest(token.strip().encode(), expected.encode()):
        return False, "wrong bearer token"
    return True, ""


def _gate(request: HttpRequest, callback: str) -> JsonResponse | None:
    """None if the request may proceed, else the refusal (429 or 401)."""
    ip = client_ip(request) or "unknown"
    limit = settings.MESSAGING_CALLBACK_RATE_PER_MINUTE
    if limit and not callback_window.allow(ip, limit):
        return JsonResponse({"error": TOO_MANY}, status=429)
    ok, reason = _bearer_ok(request)
    if not ok:
        # Body and Authorization header deliberately not logged.
        log.warning("messaging.callback_refused", callback=callback, reason=reason, client_ip=ip)
        return JsonResponse({"error": UNAUTHORISED}, status=401)
    return None


@csrf_exempt
@require_POST
def notify_delivery_status(request: HttpRequest) -> JsonResponse:
    """POST /callbacks/notify/delivery-status/: store a receipt, then apply it."""
    refused = _gate(request, "delivery_status")
    if refused:
        return refused
    try:
        body = parse_callback_body(request.body)
    except InvalidCallback:
        return JsonResponse({"error": NOT_JSON}, status=400)
    receipt = receipt_record(body=body, raw=request.body.decode("utf-8"))
    return JsonResponse({"outcome": receipt.outcome})


@csrf_exempt
@require_POST
def notify_inbound_sms(request: HttpRequest) -> JsonResponse:
    """POST /callbacks/notify/inbound-sms/: store an inbound text once per Notify id."""
    refused = _gate(request, "inbound_sms")
    if refused:
        return refused
    try:
        body = parse_callback_body(request.body)
        _, created = inbound_sms_record(body=body, raw=request.body.decode("utf-8"))
    except InvalidCallback:
        return JsonResponse({"error": NOT_JSON}, status=400)
    return JsonResponse({"stored": created})
