"""Fixed-window rate limits on both backends: the database counter table and Redis.

A key gets `limit` requests a window and no more, whatever the backend and
however many threads ask at once; the key is never stored in clear; if Redis
goes away the database counts instead, with a warning and no fail-open."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Iterator

import pytest
import redis
import structlog
from django.db import connection, connections

from victimcare.core import ratelimit
from victimcare.core.models import RateCounter
from victimcare.core.ratelimit import hit, ratecounters_purge
from victimcare.core.scheduler import discover_jobs

pytestmark = pytest.mark.django_db

REDIS_URL = "redis://127.0.0.1:6379/0"
# Nothing listens on port 1: connecting fails at once.
DEAD_REDIS_URL = "redis://127.0.0.1:1/0"
NOON = dt.datetime(2026, 11, 30, 12, 0, 5, tzinfo=dt.UTC)


def _redis_up() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def redis_prefix(settings) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A Redis key prefix of this test's own, removed afterwards."""
    if not _redis_up():
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    prefix = f"victimcare-test:{uuid.uuid4().hex}:"
    settings.RATELIMIT_REDIS_URL = REDIS_URL
    settings.RATELIMIT_REDIS_PREFIX = prefix
    ratelimit.redis_reset()
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    for name in client.scan_iter(match=f"{prefix}*"):
        client.delete(name)
    ratelimit.redis_reset()


@pytest.fixture(params=["database", "redis"])
def backend(request, settings) -> str:  # type: ignore[no-untyped-def]
    settings.RATELIMIT_BACKEND = request.param
    if request.param == "redis":
        request.getfixturevalue("redis_prefix")
    return request.param


def _stored_in(backend: str) -> int:
    """How many counters the backend holds for this test."""
    if backend == "database":
        return RateCounter.objects.count()
    from django.conf import settings

    client = redis.Redis.from_url(REDIS_URL)
    return len(list(client.scan_iter(match=f"{settings.RATELIMIT_REDIS_PREFIX}*")))


def test_a_key_gets_its_limit_and_then_is_refused_until_the_window_ends(backend):
    key = f"test:{uuid.uuid4().hex}"
    decisions = [hit(key, limit=3, window_seconds=600, now=NOON) for _ in range(5)]

    assert [d.allowed for d in decisions] == [True, True, True, False, False]
    assert [d.remaining for d in decisions[:3]] == [2, 1, 0]
    # 12:00:05 is 5 s into the 12:00–12:10 window.
    assert decisions[3].retry_after == 595
    assert decisions[0].retry_after == 0
    assert _stored_in(backend) == 1

    next_window = NOON + dt.timedelta(seconds=595)
    assert hit(key, limit=3, window_seconds=600, now=next_window).allowed


def test_keys_and_window_lengths_count_separately(backend):
    key = f"test:{uuid.uuid4().hex}"
    assert hit(key, limit=1, window_seconds=60, now=NOON).allowed
    assert not hit(key, limit=1, window_seconds=60, now=NOON).allowed
    assert hit(key, limit=1, window_seconds=3600, now=NOON).allowed
    assert hit(f"{key}:other", limit=1, window_seconds=60, now=NOON).allowed


def test_a_limit_of_zero_refuses_everything(backend):
    decision = hit(f"test:{uuid.uuid4().hex}", limit=0, window_seconds=60, now=NOON)
    assert not decision.allowed
    assert decision.retry_after == 55


def test_keys_are_stored_as_hashes_never_in_clear(backend):
    address = "192.0.2.44"
    hit(f"feedback:page:address:{address}", limit=5, window_seconds=600, now=NOON)

    if backend == "database":
        (row,) = RateCounter.objects.all()
        assert len(row.key) == 64
        assert address not in row.key
    else:
        from django.conf import settings

        client = redis.Redis.from_url(REDIS_URL)
        (name,) = client.scan_iter(match=f"{settings.RATELIMIT_REDIS_PREFIX}*")
        assert address.encode() not in name
        assert client.ttl(name) > 0


def test_a_window_longer_than_a_day_is_refused_outright():
    with pytest.raises(ValueError):
        hit("test:too-long", limit=1, window_seconds=2 * 24 * 60 * 60)
    with pytest.raises(ValueError):
        hit("test:zero", limit=1, window_seconds=0)


def test_redis_down_counts_in_the_database_and_says_so(settings):
    settings.RATELIMIT_BACKEND = "redis"
    settings.RATELIMIT_REDIS_URL = DEAD_REDIS_URL
    ratelimit.redis_reset()
    key = "feedback:page:address:192.0.2.45"
    try:
        with structlog.testing.capture_logs() as logs:
            decisions = [hit(key, limit=2, window_seconds=600, now=NOON) for _ in range(3)]
    finally:
        ratelimit.redis_reset()

    assert [d.allowed for d in decisions] == [True, True, False]
    assert RateCounter.objects.get().count == 2
    warnings = [e for e in logs if e["event"] == "ratelimit.redis_unavailable"]
    # One warning: later calls skip Redis for a while instead of timing out each time.
    assert len(warnings) == 1
    assert warnings[0]["log_level"] == "warning"
    assert "192.0.2.45" not in repr(logs)


def test_old_windows_are_purged_by_a_periodic_job():
    hit("test:old", limit=5, window_seconds=3600, now=NOON - dt.timedelta(days=2))
    hit("test:new", limit=5, window_seconds=3600, now=NOON)

    assert ratecounters_purge(now=NOON) == 1
    assert RateCounter.objects.count() == 1
    assert "ratecounters_purge" in discover_jobs()


def _hammer(threads: int, per_thread: int, key: str, limit: int) -> list[bool]:
    results: list[bool] = []
    lock = threading.Lock()
    start = threading.Barrier(threads)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait()
            mine = [
                hit(key, limit=limit, window_seconds=3600, now=NOON).allowed
                for _ in range(per_thread)
            ]
            with lock:
                results.extend(mine)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert not errors, errors
    return results


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_on_postgresql_never_over_admit(settings):
    settings.RATELIMIT_BACKEND = "database"
    results = _hammer(threads=8, per_thread=20, key=f"test:{uuid.uuid4().hex}", limit=50)

    assert len(results) == 160
    assert results.count(True) == 50
    assert RateCounter.objects.get().count == 50


def test_concurrent_requests_on_redis_never_over_admit(redis_prefix, settings):
    settings.RATELIMIT_BACKEND = "redis"
    results = _hammer(threads=8, per_thread=20, key=f"test:{uuid.uuid4().hex}", limit=50)

    assert results.count(True) == 50
    assert _stored_in("redis") == 1
