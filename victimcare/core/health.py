"""Liveness (`GET /healthz`) and readiness (`GET /readyz`).

The split (docs/operations.md "Health and readiness"):

- `/healthz` says the web process is up and answering. It never touches the
  database, so a database outage does not make a supervisor restart every web
  process (a restart cannot mend the database, and the processes are needed to
  answer 503 pages meanwhile). 200 `{"status": "ok"}`, always.
- `/readyz` says this process can serve real requests: the database answers
  within `READYZ_DATABASE_TIMEOUT_MS` and every migration of the code's apps is
  applied. If Redis is configured (rate limits), it is pinged: down means
  "degraded" but still ready, because the rate limits count in the database
  meanwhile (core/ratelimit.py). It also reports the last worker heartbeat, for
  monitoring. 200 when ready, 503 when not; never cached.
"""

from __future__ import annotations

from typing import Any

import structlog
from django.conf import settings
from django.db import DatabaseError, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .models import WorkerHeartbeat

log = structlog.get_logger(__name__)

OK = "ok"
READY = "ready"
DEGRADED = "degraded"
NOT_READY = "not ready"
UNREACHABLE = "unreachable"
PENDING = "pending"
UNKNOWN = "unknown"
NOT_USED = "not used"

# Once every migration is seen applied it stays so for this process's life (a
# release migrates before its code serves), so the graph is loaded only until then.
_migrations_applied = False


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. No database, no session, no cache."""
    return JsonResponse({"status": OK})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 when the database answers and migrations are applied."""
    body: dict[str, Any] = {
        "status": NOT_READY,
        "database": OK,
        "migrations": UNKNOWN,
        "redis": NOT_USED,
        "worker": {"last_heartbeat": None, "age_seconds": None},
    }
    try:
        _database_ping()
    except DatabaseError as exc:
        log.error("readyz.database_unreachable", error_class=type(exc).__name__)
        body["database"] = UNREACHABLE
        return JsonResponse(body, status=503)
    try:
        body["migrations"] = OK if _migrations_all_applied() else PENDING
        body["worker"] = _worker_heartbeat()
    except DatabaseError as exc:
        log.error("readyz.database_unreachable", error_class=type(exc).__name__)
        body["database"] = UNREACHABLE
        return JsonResponse(body, status=503)
    if body["migrations"] != OK:
        log.warning("readyz.migrations_pending")
        return JsonResponse(body, status=503)
    body["status"] = READY
    if getattr(settings, "RATELIMIT_BACKEND", "database") == "redis":
        body["redis"] = OK if _redis_ping() else UNREACHABLE
        if body["redis"] != OK:
            body["status"] = DEGRADED
    return JsonResponse(body)


def _database_ping() -> None:
    """SELECT 1, bounded: connecting by the connection's connect_timeout, the query
    (PostgreSQL) by a transaction-local statement timeout (safe behind pgbouncer)."""
    connection = connections["default"]
    with transaction.atomic(using="default"), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            timeout_ms = int(getattr(settings, "READYZ_DATABASE_TIMEOUT_MS", 2000))
            cursor.execute("SELECT set_config('statement_timeout', %s, true)", [str(timeout_ms)])
        cursor.execute("SELECT 1")
        cursor.fetchone()
        # Roll back: undoes the timeout even inside an outer transaction (a savepoint).
        transaction.set_rollback(True, using="default")


def _migrations_all_applied() -> bool:
    global _migrations_applied
    if not _migrations_applied:
        executor = MigrationExecutor(connections["default"])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        _migrations_applied = not plan
    return _migrations_applied


def _worker_heartbeat() -> dict[str, object]:
    beat = WorkerHeartbeat.objects.order_by("-last_seen").values("last_seen").first()
    if not beat:
        return {"last_heartbeat": None, "age_seconds": None}
    return {
        "last_heartbeat": beat["last_seen"].isoformat(),
        "age_seconds": round((timezone.now() - beat["last_seen"]).total_seconds(), 1),
    }


def _redis_ping() -> bool:
    import redis

    from .ratelimit import _redis

    try:
        return bool(_redis().ping())
    except redis.RedisError as exc:
        log.warning("readyz.redis_unavailable", error_class=type(exc).__name__, fallback="database")
        return False


def readiness_reset() -> None:
    """Forget the cached "all migrations applied" (tests)."""
    global _migrations_applied
    _migrations_applied = False
