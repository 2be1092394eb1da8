"""Test-only views, mounted by tests/ops/urls.py for the process tests."""

from __future__ import annotations

import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse

SLOW_STARTED_FILE = "slow-view-started"


def slow_view(request: HttpRequest) -> HttpResponse:
    """Answers after `?seconds=` (at most 10), without the database: an in-flight
    request for the graceful-shutdown test. Leaves a file in VAR_DIR when it has
    started, so the test knows the request is in hand before it signals."""
    seconds = min(float(request.GET.get("seconds", "2")), 10.0)
    (settings.VAR_DIR / SLOW_STARTED_FILE).touch()
    time.sleep(seconds)
    return HttpResponse("finished", content_type="text/plain")
