from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from .navigation import staff_navigation


def service(request: HttpRequest) -> dict[str, Any]:
    """Names and navigation every layout needs. Names are configuration, not code."""
    return {
        "force_name": settings.FORCE_NAME,
        "service_name": settings.SERVICE_NAME,
        "staff_navigation": staff_navigation(request),
    }
