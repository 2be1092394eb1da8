"""Per-token rate limits for the partner API.

The counters live in `victimcare.core.ratelimit` (the database, or Redis when
`RATELIMIT_BACKEND = "redis"`), the same store the feedback pages use, so
every web process counts against one limit: with N processes a token still
gets the rate, not N times it. DRF's own throttles count in the per-process
cache, which is why this class replaces their counting.

Fixed windows aligned to the clock (see core.ratelimit): a rate of 600/min
allows 600 requests in each calendar minute. A refused request gets 429 with
`Retry-After` (whole seconds until the window ends), in the standardized
error format.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from victimcare.core import ratelimit

from .models import ApiToken

if TYPE_CHECKING:
    # Not at run time: rest_framework.views imports this module through the settings.
    from rest_framework.views import APIView


class ApiTokenRateThrottle(SimpleRateThrottle):
    """`REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["api_token"]` requests per token
    (e.g. "600/min"; the period is s, min, hour or day); requests without a
    token are counted per client address."""

    scope = "api_token"

    def __init__(self) -> None:
        self._retry_after = 0
        super().__init__()

    def get_rate(self) -> str | None:
        # Read the settings now, not at import (DRF's class attribute), so a
        # changed setting (override_settings in tests) takes effect.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if isinstance(request.auth, ApiToken):
            ident = f"token:{request.auth.pk}"
        else:
            ident = f"address:{self.get_ident(request)}"
        # core.ratelimit stores only the SHA-256 of this key.
        return f"api:{self.scope}:{ident}"

    def allow_request(self, request: Request, view: APIView) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        assert self.num_requests is not None and self.duration is not None
        decision = ratelimit.hit(key, limit=self.num_requests, window_seconds=self.duration)
        self._retry_after = decision.retry_after
        return decision.allowed

    def wait(self) -> float | None:
        """Seconds until the window ends (Retry-After), for a refused request."""
        return self._retry_after or None
