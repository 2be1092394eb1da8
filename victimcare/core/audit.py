"""The audit log: the one writer of entries, chain verification, and search.

DPA 2018 s.62 requires logs of collection, alteration, consultation, disclosure,
combination and erasure, with who, when and why. Every such event is written
here, explicitly, by the code that does the thing (never by signals), in the
same transaction as the change it records.

The log is a hash chain: entry n stores `prev_hash` (entry n-1's `entry_hash`)
and `entry_hash` = SHA-256(prev_hash + canonical JSON of its own content).
`AuditChainHead` holds the last seq and hash, so deleting the newest entries is
detected too. The database refuses UPDATE and DELETE on the table (migration
0002); in production the application's role also lacks UPDATE, DELETE and
TRUNCATE on it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from .constants import AuditAction
from .http import client_ip as request_client_ip
from .models import AuditChainHead, AuditEvent

if TYPE_CHECKING:
    from victimcare.accounts.models import User

GENESIS_HASH = "0" * 64
HEAD_ID = 1
VERIFY_CHUNK_SIZE = 2000

# The fields covered by entry_hash, in the form the hash is computed over.
HASHED_FIELDS = (
    "seq",
    "occurred_at",
    "actor_id",
    "actor_organisation_id",
    "actor_role",
    "action",
    "object_type",
    "object_id",
    "subject_type",
    "subject_id",
    "purpose",
    "client_ip",
    "request_id",
    "detail",
)

# Reasons `audit_verify` gives; the command prints them and tests import them.
REASON_HASH_MISMATCH = "hash mismatch: the entry's content was altered after it was written"
REASON_BROKEN_LINK = "broken link: prev_hash does not match the previous entry's hash"
REASON_MISSING = "missing entry: the sequence has a gap, so this entry was deleted"
REASON_HEAD_MISMATCH = (
    "head mismatch: the chain head records later entries, so the last entries were deleted"
)
REASON_HEAD_HASH = "head mismatch: the last entry's hash differs from the chain head's"
REASON_BEYOND_HEAD = "entry beyond the chain head: it was not written by audit_record"


class AuditDetailError(ValueError):
    """`detail` holds something that would not hash identically on every database."""


def _check_detail(value: Any, path: str = "detail") -> None:
    # Floats are refused: PostgreSQL jsonb stores numbers as numeric, so 1e20
    # comes back as an int and the hash would no longer match.
    if value is None or isinstance(value, bool | int):
        return
    if isinstance(value, str):
        if "\x00" in value:
            raise AuditDetailError(f"{path} holds a NUL character.")
        return
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check_detail(item, f"{path}[{i}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise AuditDetailError(f"{path} has a non-string key.")
            _check_detail(item, f"{path}.{key}")
        return
    raise AuditDetailError(
        f"{path} is a {type(value).__name__}; use strings, integers, booleans, lists and dicts."
    )


def _utc_iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_content(values: dict[str, Any]) -> str:
    """The canonical JSON of an entry's hashed fields.

    Stable across SQLite and PostgreSQL: keys sorted at every level, no
    whitespace, occurred_at in UTC with microseconds, ids as text.
    """
    content = {name: values[name] for name in HASHED_FIELDS}
    content["occurred_at"] = _utc_iso(values["occurred_at"])
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def compute_entry_hash(prev_hash: str, values: dict[str, Any]) -> str:
    """SHA-256 hex of prev_hash followed by the canonical content."""
    return hashlib.sha256((prev_hash + canonical_content(values)).encode("utf-8")).hexdigest()


def _limited(name: str, value: str | int) -> str:
    text = str(value)
    max_length = AuditEvent._meta.get_field(name).max_length
    if max_length is not None and len(text) > max_length:
        raise ValueError(f"Audit {name} is longer than {max_length} characters.")
    if "\x00" in text:
        raise ValueError(f"Audit {name} holds a NUL character.")
    return text


def _lock_head() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=HEAD_ID).first()
    if head is None:
        # Migration 0002 creates the head; only a flushed database lacks it. If
        # entries exist without a head, the insert below fails on the unique seq,
        # so the log refuses to fork rather than restart silently.
        AuditChainHead.objects.get_or_create(pk=HEAD_ID)
        head = AuditChainHead.objects.select_for_update().get(pk=HEAD_ID)
    return head


def audit_record(
    *,
    action: str,
    request: HttpRequest | None = None,
    actor: User | None = None,
    object_type: str = "",
    object_id: str | int = "",
    subject_type: str = "",
    subject_id: str | int = "",
    purpose: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one entry to the audit log and return it. The only writer of entries.

    Who: `actor`, or else the signed-in `request.user`; the entry keeps a
    snapshot of the actor's id, organisation id and role. Where: the client
    address (`core.http.client_ip`) and request id when `request` is given.
    What: `action` (an `AuditAction`), the object acted on and the person whose
    data it is (`subject_*`, e.g. "cases.victim", 42), and the `purpose` the
    user gave. `detail` is extra context as JSON (strings, integers, booleans,
    lists, dicts; no floats): it MUST NOT contain personal data (names, phone
    numbers, emails, addresses, free text typed by users) — use ids.

    Runs in its own atomic block (joining the caller's transaction, so the entry
    commits or rolls back with the change it records). The chain head is locked,
    so entries get a gapless seq and correct links under concurrent writers
    (PostgreSQL: SELECT … FOR UPDATE; SQLite: the IMMEDIATE transaction already
    serialises writers). Raises ValueError for an unknown action, over-long
    text or a `detail` that would not hash identically on every database.
    """
    if action not in AuditAction.values:
        raise ValueError(f"Unknown audit action {action!r}.")
    detail = dict(detail or {})
    _check_detail(detail)
    # Normalise the way the database will (tuples become lists).
    detail = json.loads(json.dumps(detail))

    ip: str | None = None
    request_id = ""
    if request is not None:
        user = getattr(request, "user", None)
        if actor is None and user is not None and user.is_authenticated:
            actor = user
        ip = request_client_ip(request)
        request_id = _limited("request_id", getattr(request, "request_id", "") or "")
    if ip is not None:
        ip = str(ipaddress.ip_address(ip))

    values: dict[str, Any] = {
        "actor_id": actor.pk if actor is not None else None,
        "actor_organisation_id": actor.organisation_id if actor is not None else None,
        "actor_role": _limited("actor_role", actor.role if actor is not None else ""),
        "action": action,
        "object_type": _limited("object_type", object_type),
        "object_id": _limited("object_id", object_id),
        "subject_type": _limited("subject_type", subject_type),
        "subject_id": _limited("subject_id", subject_id),
        "purpose": _limited("purpose", purpose),
        "client_ip": ip,
        "request_id": request_id,
        "detail": detail,
    }
    with transaction.atomic():
        head = _lock_head()
        values["seq"] = head.last_seq + 1
        values["occurred_at"] = timezone.now().astimezone(dt.UTC)
        prev_hash = head.last_hash
        entry_hash = compute_entry_hash(prev_hash, values)
        event = AuditEvent.objects.create(prev_hash=prev_hash, entry_hash=entry_hash, **values)
        AuditChainHead.objects.filter(pk=HEAD_ID).update(
            last_seq=values["seq"], last_hash=entry_hash
        )
    return event


def audit_record_views(
    *,
    request: HttpRequest,
    subject_type: str,
    subject_ids: Iterable[int | str],
    object_type: str,
    detail: dict[str, Any] | None = None,
) -> int:
    """One VIEW entry per distinct subject for a page that shows several people's
    data (a worklist): each is found by subject like any other read. The chain
    head is locked once and the entries inserted in one statement, so a page of
    200 people costs one round trip, not 200. Returns the number written."""
    ids = sorted({str(i) for i in subject_ids if i not in (None, "")})
    if not ids:
        return 0
    detail = dict(detail or {})
    _check_detail(detail)
    detail = json.loads(json.dumps(detail))
    user = getattr(request, "user", None)
    actor = user if user is not None and user.is_authenticated else None
    ip = request_client_ip(request)
    if ip is not None:
        ip = str(ipaddress.ip_address(ip))
    common: dict[str, Any] = {
        "actor_id": actor.pk if actor is not None else None,
        "actor_organisation_id": actor.organisation_id if actor is not None else None,
        "actor_role": _limited("actor_role", actor.role if actor is not None else ""),
        "action": AuditAction.VIEW,
        "object_type": _limited("object_type", object_type),
        "object_id": "",
        "subject_type": _limited("subject_type", subject_type),
        "purpose": "",
        "client_ip": ip,
        "request_id": _limited("request_id", getattr(request, "request_id", "") or ""),
        "detail": detail,
    }
    with transaction.atomic():
        head = _lock_head()
        seq, prev_hash = head.last_seq, head.last_hash
        occurred_at = timezone.now().astimezone(dt.UTC)
        rows = []
        for subject_id in ids:
            seq += 1
            values = {
                **common,
                "subject_id": _limited("subject_id", subject_id),
                "seq": seq,
                "occurred_at": occurred_at,
            }
            entry_hash = compute_entry_hash(prev_hash, values)
            rows.append(AuditEvent(prev_hash=prev_hash, entry_hash=entry_hash, **values))
            prev_hash = entry_hash
        AuditEvent.objects.bulk_create(rows)
        AuditChainHead.objects.filter(pk=HEAD_ID).update(last_seq=seq, last_hash=prev_hash)
    return len(rows)


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of `audit_verify`: `ok`, how many entries were checked, and
    where and why the chain first breaks."""

    ok: bool
    checked: int
    bad_seq: int | None = None
    reason: str = ""


def _rows(up_to_seq: int) -> Iterator[dict[str, Any]]:
    fields = ("prev_hash", "entry_hash", *HASHED_FIELDS)
    rows = (
        AuditEvent.objects.filter(seq__lte=up_to_seq)
        .order_by("seq")
        .values_list(*fields)
        .iterator(chunk_size=VERIFY_CHUNK_SIZE)
    )
    for row in rows:
        yield dict(zip(fields, row, strict=True))


def audit_verify() -> VerifyResult:
    """Check the whole chain, oldest first, in constant memory.

    Guarantees: `ok` only if seqs run 1..N with no gap, every entry links to the
    previous entry's hash, every entry's hash matches its content, and the chain
    head records exactly seq N and its hash. Otherwise `bad_seq` is the first
    entry at fault: the altered entry, the first missing seq, or the first seq
    the head records but the table lacks. Safe to run while entries are being
    written: it checks up to the head as read at the start.
    """
    head = AuditChainHead.objects.filter(pk=HEAD_ID).first()
    head_seq = head.last_seq if head is not None else 0
    head_hash = head.last_hash if head is not None else GENESIS_HASH

    expected_seq = 1
    prev_hash = GENESIS_HASH
    checked = 0
    for row in _rows(head_seq):
        if row["seq"] != expected_seq:
            return VerifyResult(False, checked, expected_seq, REASON_MISSING)
        if row["prev_hash"] != prev_hash:
            return VerifyResult(False, checked, row["seq"], REASON_BROKEN_LINK)
        if compute_entry_hash(row["prev_hash"], row) != row["entry_hash"]:
            return VerifyResult(False, checked, row["seq"], REASON_HASH_MISMATCH)
        prev_hash = row["entry_hash"]
        expected_seq += 1
        checked += 1

    last_seq = expected_seq - 1
    if last_seq < head_seq:
        return VerifyResult(False, checked, last_seq + 1, REASON_HEAD_MISMATCH)
    if prev_hash != head_hash:
        return VerifyResult(False, checked, last_seq, REASON_HEAD_HASH)
    # Entries past the head: read the highest seq first, then the head again.
    # Every committed entry has advanced the head in the same transaction, so a
    # legitimate entry is never past a head read afterwards.
    max_seq = AuditEvent.objects.aggregate(top=Max("seq"))["top"] or 0
    head_now = AuditChainHead.objects.filter(pk=HEAD_ID).values_list("last_seq", flat=True).first()
    if max_seq > (head_now or 0):
        return VerifyResult(False, checked, (head_now or 0) + 1, REASON_BEYOND_HEAD)
    return VerifyResult(True, checked)


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_filter(
    *,
    actor_id: int | None = None,
    subject_type: str | None = None,
    subject_id: str | int | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[AuditEvent]:
    """Entries matching every given criterion, newest first. No permission check:
    for `audit_search` and operator commands only (whoever runs a command can
    already read the database). Dates are whole days in the service's time zone,
    both inclusive."""
    qs = AuditEvent.objects.all()
    if actor_id is not None:
        qs = qs.filter(actor_id=actor_id)
    if subject_type:
        qs = qs.filter(subject_type=subject_type)
    if subject_id not in (None, ""):
        qs = qs.filter(subject_id=str(subject_id))
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id not in (None, ""):
        qs = qs.filter(object_id=str(object_id))
    if date_from is not None:
        qs = qs.filter(occurred_at__gte=_day_start(date_from))
    if date_to is not None:
        qs = qs.filter(occurred_at__lt=_day_start(date_to + dt.timedelta(days=1)))
    return qs.order_by("-seq")


def audit_search(
    *,
    user: User,
    actor_id: int | None = None,
    subject_type: str | None = None,
    subject_id: str | int | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[AuditEvent]:
    """`audit_filter` for a person: raises PermissionDenied unless `user` may
    search the audit log ("core.search_audit", administrators only). The caller
    records the search itself with `audit_record(action=AuditAction.SEARCH, …)`."""
    if not user.has_perm("core.search_audit"):
        raise PermissionDenied
    return audit_filter(
        actor_id=actor_id,
        subject_type=subject_type,
        subject_id=subject_id,
        object_type=object_type,
        object_id=object_id,
        date_from=date_from,
        date_to=date_to,
    )
