"""A GOV.UK Notify-compatible server for development and tests.

It speaks the part of Notify's v2 API that victimcare uses, checks each
request's JWT the way Notify does (with notifications-python-client's own
`decode_jwt_token`: HS256, `iss` = service id, `iat` within 30 seconds, the
secret being the last 36 characters of the API key), and keeps everything in
memory. Faults are switched on through `POST /_stub/faults` (or `set_fault`):

    {"mode": "429" | "500" | "stall" | "accept500" | "none", "count": N or null,
     "stall_seconds": S}

"429"/"500" refuse without storing; "stall" stores the notification and then
waits `stall_seconds` before answering (accept, then stall past the client's
timeout); "accept500" stores it and answers 500. `count` limits the fault to
the next N POSTs. `GET /_stub/received` answers per reference how many POSTs
were accepted (stored) and attempted; `GET /_stub/timestamps` the arrival time
(Unix seconds) of every authorised send POST, accepted or refused.
`POST /_stub/reset` forgets everything.

Delivery receipts: `POST /_stub/callbacks` (or `set_callbacks`) with
{"url", "token", "statuses": ["delivered"], "delay": S, "gap": S, "repeat": N}
makes the stub POST, `delay` seconds after accepting each notification, one
receipt per status in `statuses` (in that order, so ["delivered",
"temporary-failure"] arrives out of order), each `repeat` times, `gap` seconds
apart, with `Authorization: Bearer <token>`, as Notify does. The stored
notification takes each status as it is sent. `send_receipt(id, status)` sends
one on demand (a replay). Only for loopback use: the control endpoints have no auth.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import threading
import time
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from notifications_python_client.authentication import decode_jwt_token, get_token_issuer
from notifications_python_client.errors import (
    TokenAlgorithmError,
    TokenDecodeError,
    TokenError,
    TokenExpiredError,
)

# Fixed, fake credentials for development only (never a real Notify service).
DEV_SERVICE_ID = "00000000-0000-4000-8000-000000000005"
DEV_SECRET = "11111111-2222-4333-8444-555555555555"  # noqa: S105 (fake, loopback dev only)
DEV_API_KEY = f"victimcare_dev-{DEV_SERVICE_ID}-{DEV_SECRET}"

_SEND_PATH = re.compile(r"^/v2/notifications/(sms|email|letter)$")
_ONE_PATH = re.compile(r"^/v2/notifications/([0-9a-fA-F-]{36})$")
_REQUIRED = {
    "sms": ("phone_number", "template_id"),
    "email": ("email_address", "template_id"),
    "letter": ("template_id", "personalisation"),
}


def split_api_key(api_key: str) -> tuple[str, str]:
    """(service id, secret) from a Notify API key `keyname-serviceid-secret`."""
    return api_key[-73:-37], api_key[-36:]


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class StubState:
    """What the stub has stored and which fault is switched on; thread-safe."""

    def __init__(self, api_key: str) -> None:
        self.service_id, self.secret = split_api_key(api_key)
        self.lock = threading.Lock()
        self.release = threading.Event()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.notifications: dict[str, dict[str, Any]] = {}
            self.accepted: Counter[str] = Counter()
            self.attempted: Counter[str] = Counter()
            self.fault = "none"
            self.fault_count: int | None = None
            self.stall_seconds = 0.0
            self.post_times: list[float] = []
            self.callbacks: dict[str, Any] | None = None
            self.callbacks_sent: Counter[int] = Counter()

    def set_callbacks(
        self,
        url: str | None,
        *,
        token: str = "",
        statuses: list[str] | None = None,
        delay: float = 0,
        gap: float = 0,
        repeat: int = 1,
    ) -> None:
        """Send receipts to `url` after each accepted notification (None: stop)."""
        with self.lock:
            self.callbacks = (
                {
                    "url": url,
                    "token": token,
                    "statuses": list(statuses or ["delivered"]),
                    "delay": float(delay),
                    "gap": float(gap),
                    "repeat": max(int(repeat), 1),
                }
                if url
                else None
            )

    def send_receipt(self, notification_id: str, status: str) -> int:
        """POST one delivery receipt for a stored notification; returns the HTTP status."""
        with self.lock:
            notification = self.notifications.get(notification_id)
            config = self.callbacks
            if notification is None or config is None:
                return 0
            notification["status"] = status
            if status in {
                "delivered",
                "permanent-failure",
                "temporary-failure",
                "technical-failure",
            }:
                notification["completed_at"] = _now()
            body = {
                "id": notification["id"],
                "reference": notification["reference"],
                "to": notification.get("phone_number") or notification.get("email_address"),
                "status": status,
                "created_at": notification["created_at"],
                "completed_at": notification["completed_at"],
                "sent_at": notification["created_at"],
                "notification_type": notification["type"],
            }
        try:
            response = requests.post(
                config["url"],
                json=body,
                headers={"Authorization": f"Bearer {config['token']}"},
                timeout=10,
            )
            code = response.status_code
        except requests.RequestException:
            code = -1
        with self.lock:
            self.callbacks_sent[code] += 1
        return code

    def _schedule_receipts(self, notification_id: str) -> None:
        with self.lock:
            config = self.callbacks
        if config is None:
            return

        def run() -> None:
            time.sleep(config["delay"])
            for status in config["statuses"]:
                for _ in range(config["repeat"]):
                    self.send_receipt(notification_id, status)
                    if config["gap"]:
                        time.sleep(config["gap"])

        threading.Thread(target=run, daemon=True).start()

    def set_fault(self, mode: str, *, count: int | None = None, stall_seconds: float = 0) -> None:
        if mode not in {"none", "429", "500", "stall", "accept500"}:
            raise ValueError(f"unknown fault mode {mode!r}")
        with self.lock:
            self.fault, self.fault_count, self.stall_seconds = mode, count, float(stall_seconds)

    def take_fault(self) -> tuple[str, float]:
        with self.lock:
            mode = self.fault
            if mode != "none" and self.fault_count is not None:
                self.fault_count -= 1
                if self.fault_count <= 0:
                    self.fault, self.fault_count = "none", None
            return mode, self.stall_seconds


def _error(status: int, error: str, message: str) -> tuple[int, dict[str, Any]]:
    return status, {"status_code": status, "errors": [{"error": error, "message": message}]}


class NotifyStubHandler(BaseHTTPRequestHandler):
    server: NotifyStubServer
    protocol_version = "HTTP/1.1"
    # Headers and body are two writes: with Nagle's algorithm on, the body waits
    # for the client's delayed ACK (~40 ms a request on Linux).
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        # Quiet: request lines would carry references; counts are in /_stub/received.
        return

    def _reply(self, status: int, body: dict[str, Any] | None) -> None:
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        return json.loads(raw or b"{}")

    def _authorise(self) -> tuple[int, dict[str, Any]] | None:
        """None if the bearer JWT is valid for the stub's service, else Notify's error reply."""
        header = self.headers.get("Authorization", "")
        if not header:
            return _error(401, "AuthError", "Unauthorized: authentication token must be provided")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return _error(
                401, "AuthError", "Unauthorized: authentication bearer scheme must be used"
            )
        state = self.server.state
        try:
            issuer = get_token_issuer(token)
        except (TokenDecodeError, TokenError):
            return _error(403, "AuthError", "Invalid token: signature, api token is not valid")
        if issuer != state.service_id:
            return _error(403, "AuthError", "Invalid token: service not found")
        try:
            decode_jwt_token(token, state.secret)
        except TokenExpiredError:
            return _error(
                403, "AuthError", "Error: Your system clock must be accurate to within 30 seconds"
            )
        except TokenAlgorithmError:
            return _error(403, "AuthError", "Invalid token: algorithm used is not HS256")
        except (TokenDecodeError, TokenError):
            return _error(403, "AuthError", "Invalid token: API key not found")
        return None

    def do_POST(self) -> None:  # noqa: N802
        path = urlsplit(self.path).path
        state = self.server.state
        if path == "/_stub/faults":
            body = self._body()
            try:
                state.set_fault(
                    str(body.get("mode", "none")),
                    count=body.get("count"),
                    stall_seconds=float(body.get("stall_seconds", 0)),
                )
            except ValueError as exc:
                return self._reply(400, {"error": str(exc)})
            return self._reply(200, {"mode": state.fault})
        if path == "/_stub/callbacks":
            body = self._body()
            state.set_callbacks(
                body.get("url"),
                token=str(body.get("token", "")),
                statuses=body.get("statuses"),
                delay=float(body.get("delay", 0)),
                gap=float(body.get("gap", 0)),
                repeat=int(body.get("repeat", 1)),
            )
            return self._reply(200, {"callbacks": state.callbacks})
        if path == "/_stub/reset":
            state.reset()
            return self._reply(200, {"reset": True})
        match = _SEND_PATH.match(path)
        if not match:
            return self._reply(*_error(404, "NotFound", "Not found"))
        refused = self._authorise()
        if refused:
            return self._reply(*refused)
        try:
            body = self._body()
        except ValueError:
            return self._reply(
                *_error(400, "BadRequestError", "Invalid JSON supplied in POST data")
            )
        kind = match.group(1)
        precompiled = kind == "letter" and "content" in body
        if precompiled:
            try:
                pdf = base64.b64decode(str(body.get("content", "")), validate=True)
            except ValueError:
                pdf = b""
            if not pdf.startswith(b"%PDF"):
                return self._reply(*_error(400, "ValidationError", "Letter content is not a PDF"))
        required = ("reference", "content") if precompiled else _REQUIRED[kind]
        missing = [name for name in required if not body.get(name)]
        if missing:
            return self._reply(
                *_error(400, "ValidationError", f"{missing[0]} is a required property")
            )
        reference = body.get("reference")
        with state.lock:
            state.attempted[reference or ""] += 1
            state.post_times.append(time.time())
        mode, stall = state.take_fault()
        if mode == "429":
            return self._reply(
                *_error(
                    429,
                    "RateLimitError",
                    "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds",
                )
            )
        if mode == "500":
            return self._reply(*_error(500, "Exception", "Internal server error"))
        notification = self._store(kind, body)
        if mode == "accept500":
            return self._reply(*_error(500, "Exception", "Internal server error"))
        if mode == "stall":
            state.release.wait(stall)
        template = {"id": body.get("template_id", "precompiled"), "version": 1, "uri": ""}
        self._reply(
            201,
            {
                "id": notification["id"],
                "reference": reference,
                "content": {"body": notification["body"], "subject": notification["subject"]},
                "uri": f"/v2/notifications/{notification['id']}",
                "template": template,
                "scheduled_for": None,
            },
        )

    def _store(self, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        personalisation = body.get("personalisation") or {}
        notification = {
            "id": str(uuid.uuid4()),
            "reference": body.get("reference"),
            "type": kind,
            "status": "sending" if kind != "letter" else "accepted",
            "phone_number": body.get("phone_number"),
            "email_address": body.get("email_address"),
            "template": {"id": body.get("template_id", "precompiled"), "version": 1, "uri": ""},
            "body": str(personalisation.get("body", "")),
            "subject": personalisation.get("subject"),
            "created_at": _now(),
            "created_by_name": None,
            "sent_at": None,
            "completed_at": None,
            "scheduled_for": None,
            # Which sender the request chose (kept so tests can see it).
            "sms_sender_id": body.get("sms_sender_id"),
            "email_reply_to_id": body.get("email_reply_to_id"),
            # A precompiled letter: our PDF, kept so tests can read it.
            "pdf": base64.b64decode(body["content"])
            if kind == "letter" and "content" in body
            else None,
        }
        for n in range(1, 8):
            notification[f"line_{n}"] = personalisation.get(f"address_line_{n}")
        state = self.server.state
        with state.lock:
            state.notifications[notification["id"]] = notification
            state.accepted[notification["reference"] or ""] += 1
        state._schedule_receipts(notification["id"])
        return notification

    def do_GET(self) -> None:  # noqa: N802
        parts = urlsplit(self.path)
        state = self.server.state
        if parts.path == "/_stub/received":
            with state.lock:
                return self._reply(
                    200, {"accepted": dict(state.accepted), "attempted": dict(state.attempted)}
                )
        if parts.path == "/_stub/timestamps":
            with state.lock:
                return self._reply(200, {"times": list(state.post_times)})
        if not parts.path.startswith("/v2/notifications"):
            return self._reply(*_error(404, "NotFound", "Not found"))
        refused = self._authorise()
        if refused:
            return self._reply(*refused)
        if parts.path == "/v2/notifications":
            query = parse_qs(parts.query)
            reference = (query.get("reference") or [None])[0]
            with state.lock:
                found = [
                    n
                    for n in reversed(list(state.notifications.values()))
                    if reference is None or n["reference"] == reference
                ]
            return self._reply(
                200, {"notifications": found, "links": {"current": self.path, "next": None}}
            )
        match = _ONE_PATH.match(parts.path)
        with state.lock:
            notification = state.notifications.get(match.group(1)) if match else None
        if notification is None:
            return self._reply(*_error(404, "NoResultFound", "No result found"))
        self._reply(200, notification)


class NotifyStubServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], state: StubState) -> None:
        self.state = state
        super().__init__(address, NotifyStubHandler)


class NotifyStub:
    """The stub in a background thread: `with NotifyStub() as stub: stub.url ...`."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, api_key: str = DEV_API_KEY):
        self.api_key = api_key
        self.state = StubState(api_key)
        self.server = NotifyStubServer((host, port), self.state)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> NotifyStub:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.state.release.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def __enter__(self) -> NotifyStub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def accepted(self, reference: str) -> int:
        with self.state.lock:
            return self.state.accepted[reference]

    def attempted(self, reference: str) -> int:
        with self.state.lock:
            return self.state.attempted[reference]

    def set_fault(self, mode: str, *, count: int | None = None, stall_seconds: float = 0) -> None:
        self.state.set_fault(mode, count=count, stall_seconds=stall_seconds)

    def set_callbacks(self, url: str | None, **options: Any) -> None:
        self.state.set_callbacks(url, **options)

    def send_receipt(self, notification_id: str, status: str) -> int:
        return self.state.send_receipt(notification_id, status)

    def post_times(self) -> list[float]:
        with self.state.lock:
            return list(self.state.post_times)

    def id_for(self, reference: str) -> str | None:
        """The id of the notification stored under `reference` (the first, if several)."""
        with self.state.lock:
            for notification in self.state.notifications.values():
                if notification["reference"] == reference:
                    return str(notification["id"])
        return None
