"""Per-token rate limits for the partner API.

DRF throttles count in Django's cache. The default cache is the per-process
LocMemCache, so with N web processes a token gets up to N times the rate.
TODO(issue 10): move the counters to a shared store (Redis, or the in-house
DB counter in core) when more than one web process serves the API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from .models import ApiToken

if TYPE_CHECKING:
    # Not at run time: rest_framework.views imports this module through the settings.
    from rest_framework.views import APIView


class ApiTokenRateThrottle(SimpleRateThrottle):
    """`REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["api_token"]` requests per token;
    requests without a token are counted per client address. A refused request
    gets 429 with `Retry-After`."""

    scope = "api_token"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        else:
            ident = f"addr-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
