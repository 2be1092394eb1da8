"""GET /healthz: is the database reachable, and when did a worker last beat?"""

from __future__ import annotations

import structlog
from django.db import DatabaseError, connections
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .models import WorkerHeartbeat

log = structlog.get_logger(__name__)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        beat = WorkerHeartbeat.objects.order_by("-last_seen").values("last_seen").first()
    except DatabaseError as exc:
        log.error("healthz.database_unreachable", error_class=type(exc).__name__)
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    worker: dict[str, object] = {"last_heartbeat": None, "age_seconds": None}
    if beat:
        worker = {
            "last_heartbeat": beat["last_seen"].isoformat(),
            "age_seconds": round((timezone.now() - beat["last_seen"]).total_seconds(), 1),
        }
    return JsonResponse({"status": "ok", "database": "ok", "worker": worker})
