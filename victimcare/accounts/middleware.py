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

from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction

from . import signin


class StaffSessionMiddleware:
    """Ends sessions that must not continue, and keeps staff pages out of caches.

    On each request, for a session that belongs to somebody:
    - a person deactivated (or deleted) since signing in, or whose role,
      organisation or a permission flag changed (the session auth hash, see
      User._get_session_auth_hash), is signed out at once: Django no longer
      loads them, we flush what is left of the session, audit it and leave a
      notice for the sign-in page;
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
        session = request.session
        # Read before request.user is loaded: Django flushes a session whose
        # auth hash no longer matches (User._get_session_auth_hash).
        ended_for = session.get(SESSION_KEY)
        user = request.user
        if not user.is_authenticated:
            if ended_for is not None:
                # Deactivated, deleted, password changed, or role, organisation or
                # a permission flag changed: nothing of the session may stay.
                session.flush()
                self._record_ended(request, ended_for)
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

    @staticmethod
    def _record_ended(request: HttpRequest, user_id: object) -> None:
        """Audit a session the server ended, and tell the person on the sign-in page."""
        from .models import User

        person = User.objects.filter(pk=str(user_id)).first() if str(user_id).isdigit() else None
        audit_record(
            action=AuditAction.SIGN_OUT,
            request=request,
            actor=person,
            object_type="accounts.user" if person else "",
            object_id=str(person.pk) if person else "",
            detail={"reason": "account_changed"},
        )
        signin.set_notice(request, signin.NOTICE_ACCOUNT_CHANGED)
