"""One token bucket per provider service, shared by every worker through the database.

The bucket is a RateLimitBucket row taken with a row lock (SELECT … FOR UPDATE
on PostgreSQL; SQLite serialises writers with BEGIN IMMEDIATE), so the limit
holds across processes and hosts. It has no burst: it holds at most one token
and refills at `rate_per_minute × (1 − MESSAGING_RATE_HEADROOM) / 60` a second,
so requests leave at most one per refill interval. The headroom exists because
the provider counts requests when they *arrive*: the time between our token and
the arrival varies by tens of milliseconds on a loaded host, and a bucket paying
out at exactly the limit would then now and then put 51 requests into one second.

Refill is computed from `refreshed_at`, which only ever moves forward, so a
worker whose clock is behind gets no extra tokens (only later ones).
"""

from __future__ import annotations

import datetime as dt
import time

import structlog
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from .models import RateLimitBucket

log = structlog.get_logger(__name__)
CAPACITY = 1.0
# Timestamps are stored to the microsecond; refills that fall short of a whole
# token by less than this are rounding, not waiting.
EPSILON = 1e-3


def effective_rate_per_second(rate_per_minute: float | None) -> float | None:
    """Tokens a second the bucket pays out, or None for no limit (0 or None)."""
    if not rate_per_minute:
        return None
    headroom = float(settings.MESSAGING_RATE_HEADROOM)
    return float(rate_per_minute) * (1.0 - headroom) / 60.0


def _locked_bucket(name: str, now: dt.datetime | None) -> RateLimitBucket:
    rows = RateLimitBucket.objects.filter(name=name)
    if connection.features.has_select_for_update:
        rows = rows.select_for_update()
    bucket = rows.first()
    if bucket is not None:
        return bucket
    try:
        with transaction.atomic():
            RateLimitBucket.objects.create(
                name=name, tokens=CAPACITY, refreshed_at=now or timezone.now()
            )
    except IntegrityError:
        pass  # another worker created it first
    return rows.get()


def rate_limit_try_take(
    *, name: str, rate_per_minute: float | None, now: dt.datetime | None = None
) -> float:
    """Take one token from bucket `name` if there is one.

    Returns 0.0 when a token was taken (or there is no limit), else the seconds
    until the next token. One short transaction; never waits.
    """
    rate = effective_rate_per_second(rate_per_minute)
    if rate is None:
        return 0.0
    with transaction.atomic():
        bucket = _locked_bucket(name, now)
        # The clock is read once the lock is held: waiting for it is not refill time.
        now = now or timezone.now()
        elapsed = max((now - bucket.refreshed_at).total_seconds(), 0.0)
        tokens = min(CAPACITY, bucket.tokens + elapsed * rate)
        refreshed_at = max(now, bucket.refreshed_at)
        if tokens >= 1.0 - EPSILON:
            tokens = max(tokens - 1.0, 0.0)
            wait = 0.0
        else:
            wait = (1.0 - tokens) / rate
        RateLimitBucket.objects.filter(pk=bucket.pk).update(
            tokens=tokens, refreshed_at=refreshed_at
        )
    return wait


def rate_limit_take(*, name: str, rate_per_minute: float | None, max_wait: float) -> float:
    """Take one token, sleeping for it up to `max_wait` seconds.

    Returns 0.0 once a token is taken, else (deadline passed) the seconds still
    to wait for one, so the caller can postpone its work by that much. Sleeps
    hold no transaction and no lock.
    """
    deadline = time.monotonic() + max_wait
    while True:
        wait = rate_limit_try_take(name=name, rate_per_minute=rate_per_minute)
        if wait <= 0:
            return 0.0
        left = deadline - time.monotonic()
        if left <= 0:
            return wait
        time.sleep(min(wait, left))


def rate_limit_penalise(*, name: str, rate_per_minute: float | None, seconds: float) -> None:
    """After a 429: empty bucket `name` for `seconds`, so every worker backs off together."""
    rate = effective_rate_per_second(rate_per_minute)
    if rate is None or seconds <= 0:
        return
    with transaction.atomic():
        bucket = _locked_bucket(name, None)
        now = timezone.now()
        elapsed = max((now - bucket.refreshed_at).total_seconds(), 0.0)
        tokens = min(CAPACITY, bucket.tokens + elapsed * rate)
        RateLimitBucket.objects.filter(pk=bucket.pk).update(
            tokens=min(tokens, -seconds * rate), refreshed_at=max(now, bucket.refreshed_at)
        )
    log.warning("messaging.rate_limited_by_provider", bucket=name, back_off_seconds=seconds)
