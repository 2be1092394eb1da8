"""Fixed-window rate limits, counted in the database or in Redis.

`hit(key, limit=…, window_seconds=…)` counts one request against `key` in the
current window (windows are aligned to the Unix epoch, so a daily window starts
at midnight UTC) and says whether it is allowed. Callers name their keys
(`"feedback:address:<ip>"`); the key is hashed here with SHA-256 before it is
stored or sent anywhere, so no address, token or code is kept in clear.

Backends (`settings.RATELIMIT_BACKEND`):

- ``"database"`` (default): one `RateCounter` row per key and window, bumped by a
  single `INSERT … ON CONFLICT DO UPDATE … WHERE count < limit RETURNING count`.
  Both SQLite (3.35+) and PostgreSQL run that as one atomic statement; on
  PostgreSQL concurrent upserts of one row queue on its row lock, so every
  caller sees a distinct count and the limit is never over-admitted. A request
  over the limit changes nothing (the WHERE stops the update), so a flood
  does not grow the counter or the WAL.
- ``"redis"``: `INCR` and `EXPIRE` in one MULTI/EXEC pipeline on a key that
  names the window. If Redis cannot be reached the call is counted in the
  database instead (a warning is logged, without the key) and Redis is not
  tried again for `RATELIMIT_REDIS_RETRY_SECONDS`, so an outage costs one
  connection timeout, not one per request. Limits keep holding: never fail open.

Old database windows are deleted by the `ratecounters_purge` job (core/jobs.py);
Redis keys expire with their window.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import threading
import time
from dataclasses import dataclass
from typing import Any

import structlog
from django.conf import settings
from django.db import connection
from django.utils import timezone

from .models import RateCounter

log = structlog.get_logger(__name__)

DATABASE = "database"
REDIS = "redis"
BACKENDS = (DATABASE, REDIS)

# The longest window a caller may use; the purge job keeps rows this long.
MAX_WINDOW_SECONDS = 24 * 60 * 60


@dataclass(frozen=True)
class Decision:
    """The answer for one request: allowed or not, how many more the window
    allows after this one, and (when refused) seconds until the window ends."""

    allowed: bool
    remaining: int
    retry_after: int


def key_hash(key: str) -> str:
    """SHA-256 hex of a logical key: what is stored instead of the key."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _window(now: dt.datetime, window_seconds: int) -> tuple[dt.datetime, int]:
    """The start of the window holding `now`, and whole seconds until it ends (≥ 1)."""
    epoch = now.timestamp()
    start = math.floor(epoch / window_seconds) * window_seconds
    retry = max(1, math.ceil(start + window_seconds - epoch))
    return dt.datetime.fromtimestamp(start, tz=dt.UTC), retry


def hit(
    key: str,
    *,
    limit: int,
    window_seconds: int,
    now: dt.datetime | None = None,
    backend: str | None = None,
) -> Decision:
    """Count one request against `key` and decide whether it is allowed.

    At most `limit` requests per key are allowed in each fixed window of
    `window_seconds` (1 second to a day). A `limit` of 0 or less refuses every
    request. The same `key` with different window lengths are separate counters.
    """
    if not 1 <= window_seconds <= MAX_WINDOW_SECONDS:
        raise ValueError("window_seconds must be between 1 second and a day.")
    now = now or timezone.now()
    start, retry_after = _window(now, window_seconds)
    if limit <= 0:
        return Decision(allowed=False, remaining=0, retry_after=retry_after)
    hashed = key_hash(f"{window_seconds}:{key}")
    chosen = backend or getattr(settings, "RATELIMIT_BACKEND", DATABASE)
    if chosen not in BACKENDS:
        raise ValueError(f"Unknown RATELIMIT_BACKEND {chosen!r}.")
    count: int | None = None
    if chosen == REDIS:
        count = _redis_count(hashed, start, limit, retry_after)
    if count is None:
        count = _database_count(hashed, start, limit)
    if count is None or count > limit:
        return Decision(allowed=False, remaining=0, retry_after=retry_after)
    return Decision(allowed=True, remaining=limit - count, retry_after=0)


def _database_count(hashed: str, start: dt.datetime, limit: int) -> int | None:
    """The count after this request, or None if the window was already full."""
    table = connection.ops.quote_name(RateCounter._meta.db_table)
    key_col = connection.ops.quote_name("key")
    count_col = connection.ops.quote_name("count")
    sql = (
        f"INSERT INTO {table} ({key_col}, window_start, {count_col}) VALUES (%s, %s, 1) "  # noqa: S608 - names from the model  # nosec B608
        f"ON CONFLICT ({key_col}, window_start) DO UPDATE SET {count_col} = {table}.{count_col} + 1 "
        f"WHERE {table}.{count_col} < %s RETURNING {count_col}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [hashed, connection.ops.adapt_datetimefield_value(start), limit])
        row = cursor.fetchone()
    return None if row is None else int(row[0])


# --- Redis ---------------------------------------------------------------------

_redis_lock = threading.Lock()
_redis_client: Any = None
_redis_url = ""
_redis_down_until = 0.0


def _redis() -> Any:
    global _redis_client, _redis_url
    url = getattr(settings, "RATELIMIT_REDIS_URL", "redis://127.0.0.1:6379/0")
    with _redis_lock:
        if _redis_client is None or _redis_url != url:
            import redis

            timeout = float(getattr(settings, "RATELIMIT_REDIS_TIMEOUT_SECONDS", 0.5))
            _redis_client = redis.Redis.from_url(
                url, socket_timeout=timeout, socket_connect_timeout=timeout
            )
            _redis_url = url
        return _redis_client


def redis_key(hashed: str, start: dt.datetime) -> str:
    prefix = getattr(settings, "RATELIMIT_REDIS_PREFIX", "victimcare:ratelimit:")
    return f"{prefix}{hashed}:{int(start.timestamp())}"


def _redis_count(hashed: str, start: dt.datetime, limit: int, ttl: int) -> int | None:
    """The count after this request from Redis, or None when Redis is unavailable
    (the caller then counts in the database)."""
    global _redis_down_until
    if time.monotonic() < _redis_down_until:
        return None
    import redis

    try:
        pipe = _redis().pipeline(transaction=True)
        name = redis_key(hashed, start)
        pipe.incr(name)
        # One second past the window's end, so a clock a little behind ours
        # never sees the key vanish early.
        pipe.expire(name, ttl + 1)
        count, _ = pipe.execute()
    except redis.RedisError as exc:
        retry = float(getattr(settings, "RATELIMIT_REDIS_RETRY_SECONDS", 30))
        _redis_down_until = time.monotonic() + retry
        log.warning(
            "ratelimit.redis_unavailable",
            error=type(exc).__name__,
            fallback="database",
            retry_in_seconds=retry,
        )
        return None
    return int(count)


def redis_reset() -> None:
    """Forget the cached client and any recorded outage (tests, settings changes)."""
    global _redis_client, _redis_url, _redis_down_until
    with _redis_lock:
        _redis_client = None
        _redis_url = ""
        _redis_down_until = 0.0


# --- Housekeeping --------------------------------------------------------------


def ratecounters_purge(*, now: dt.datetime | None = None) -> int:
    """Delete database counters whose window has ended (any window started more
    than a day ago, the longest allowed). Returns how many rows went."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=MAX_WINDOW_SECONDS)
    deleted, _ = RateCounter.objects.filter(window_start__lt=cutoff).delete()
    return deleted
