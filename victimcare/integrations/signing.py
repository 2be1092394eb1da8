"""Webhook signatures: HMAC-SHA256 over the timestamp and the body.

Header: `Victimcare-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
The timestamp is inside what is signed, so a captured request cannot be sent
again later with a fresh time: a receiver refuses signatures older (or newer)
than its tolerance window. docs/webhooks.md shows partners how to check it.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "Victimcare-Signature"
ID_HEADER = "Victimcare-Webhook-Id"
SCHEME = "v1"
DEFAULT_TOLERANCE = 300  # seconds either side of the receiver's clock


def _as_bytes(value: str | bytes) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else value


def signature_compute(secret: str | bytes, body: str | bytes, timestamp: int) -> str:
    """The hex HMAC-SHA256 of `"<timestamp>.<body>"` under `secret`."""
    message = str(int(timestamp)).encode("ascii") + b"." + _as_bytes(body)
    return hmac.new(_as_bytes(secret), message, hashlib.sha256).hexdigest()


def signature_header(secret: str | bytes, body: str | bytes, timestamp: int) -> str:
    """The value of the Victimcare-Signature header for `body` sent at `timestamp`."""
    return f"t={int(timestamp)},{SCHEME}={signature_compute(secret, body, timestamp)}"


def _parse(header: str) -> tuple[int, list[str]] | None:
    timestamp: int | None = None
    signatures: list[str] = []
    for part in (header or "").split(","):
        name, sep, value = part.strip().partition("=")
        if not sep:
            return None
        if name == "t":
            if not value.isdigit() or len(value) > 12:
                return None
            timestamp = int(value)
        elif name == SCHEME:
            signatures.append(value)
    if timestamp is None or not signatures:
        return None
    return timestamp, signatures


def signature_verify(
    secret: str | bytes,
    header: str,
    body: str | bytes,
    *,
    now: float,
    tolerance: int = DEFAULT_TOLERANCE,
) -> bool:
    """Whether `header` is a valid signature of `body` under `secret`, made
    within `tolerance` seconds of `now` (unix seconds). A malformed header, a
    tampered body, a wrong secret or a timestamp outside the window (a replayed
    request) all answer False. Compares in constant time."""
    parsed = _parse(header)
    if parsed is None:
        return False
    timestamp, signatures = parsed
    if abs(now - timestamp) > tolerance:
        return False
    expected = signature_compute(secret, body, timestamp)
    # Every candidate is compared, so timing does not reveal which one matched.
    matched = False
    for candidate in signatures:
        matched |= hmac.compare_digest(expected, candidate)
    return matched
