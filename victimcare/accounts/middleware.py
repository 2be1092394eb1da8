"""Rules every staff session obeys on every request.

Runs after AuthenticationMiddleware and django_otp's OTPMiddleware, so
`request.user` is known and `request.user.is_verified()` works.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.cache import patch_cache_control

from . import signin


class StaffSessionMiddleware:
    """Ends sessions that must not continue, and keeps staff pages out of caches.

    On each request, for a session that belongs to somebody:
    - a person deactivated (or deleted) since signing in is signed out at once:
      Django no longer loads them, and we flush what is left of the session;
    - a signed-in person who is neither verified by a second factor nor
      `otp_exempt` is signed out (no half-signed-in sessions);
    - after IDLE_TIMEOUT_SECONDS without a request the session is flushed and
      the person is sent to sign in again, with a banner saying why.
    Every response to a signed-in person gets `Cache-Control: no-store`.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        signed_in_at_start = False
        response = self._enforce(request)
        if response is None:
            signed_in_at_start = request.user.is_authenticated
            response = self.get_response(request)
        if signed_in_at_start or request.user.is_authenticated:
            patch_cache_control(response, no_store=True, no_cache=True, private=True, max_age=0)
        return response

    def _enforce(self, request: HttpRequest) -> HttpResponse | None:
        user = request.user
        session = request.session
        if not user.is_authenticated:
            if SESSION_KEY in session:
                # Deactivated, deleted, or password changed elsewhere: nothing of it may stay.
                session.flush()
            return None
        if not user.is_active or not (user.otp_exempt or user.is_verified()):
            logout(request)
            return None
        now = time.time()
        last_seen = session.get(signin.LAST_SEEN_KEY)
        if isinstance(last_seen, int | float) and now - last_seen > settings.IDLE_TIMEOUT_SECONDS:
            signin.sign_out(request=request, reason="idle")
            signin.set_notice(request, signin.idle_notice())
            target = reverse("accounts:sign-in")
            if request.method == "GET":
                target += "?" + urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(target)
        session[signin.LAST_SEEN_KEY] = now
        return None
