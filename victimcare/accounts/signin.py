"""The staff sign-in journey: password, then a TOTP second factor, then a session.

Between the password and the second factor the person is *not* signed in: the
session holds only a "pending sign-in" (user id, step, where to go next, and a
10-minute time limit). `complete_sign_in` is the one place that calls
`django.contrib.auth.login` (which rotates the session key) and binds the
verified device to the session with `django_otp.login`.

Called only by accounts views and middleware.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import login, logout
from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp.plugins.otp_totp.models import TOTPDevice

from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction

from .models import User

PENDING_KEY = "vc_pending_sign_in"
NOTICE_KEY = "vc_notice"
LAST_SEEN_KEY = "vc_last_seen"
PENDING_SECONDS = 10 * 60

STEP_CODE = "code"
STEP_SET_UP = "set_up"

DEVICE_NAME = "Authenticator app"

NOTICE_SIGN_IN_EXPIRED = "Your sign-in took longer than 10 minutes. Sign in again."
NOTICE_ACCOUNT_CHANGED = "You were signed out because your account changed. Sign in again."


def idle_notice() -> str:
    """The banner shown after an idle sign-out, with the configured number of minutes."""
    minutes = max(1, round(settings.IDLE_TIMEOUT_SECONDS / 60))
    unit = "minute" if minutes == 1 else "minutes"
    return f"You were signed out because you were inactive for {minutes} {unit}"


@dataclass(frozen=True)
class PendingSignIn:
    """A person who has given the right password but not yet a second factor."""

    user: User
    step: str
    next_url: str
    backend: str
    device_id: int | None


def safe_next_url(request: HttpRequest, candidate: str | None) -> str:
    """`candidate` if it is a local URL on this host; otherwise the staff home page."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("accounts:home")


def set_notice(request: HttpRequest, text: str) -> None:
    """Keep a one-off banner text for the next sign-in page (survives a session flush)."""
    request.session[NOTICE_KEY] = text


def pop_notice(request: HttpRequest) -> str | None:
    """The pending banner text, removed from the session."""
    value = request.session.pop(NOTICE_KEY, None)
    return value if isinstance(value, str) else None


def confirmed_device(user: User) -> TOTPDevice | None:
    """The person's confirmed TOTP device, if they have set one up."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()


def start_pending(*, request: HttpRequest, user: User, next_url: str) -> PendingSignIn:
    """Record that `user` gave the right password; choose the second-factor step.

    The session key is rotated here too, so the half-signed-in state never
    lives under a key that existed before the password was checked.
    """
    request.session.cycle_key()
    step = STEP_CODE if confirmed_device(user) is not None else STEP_SET_UP
    backend = getattr(user, "backend", None) or settings.AUTHENTICATION_BACKENDS[-1]
    request.session[PENDING_KEY] = {
        "user_id": user.pk,
        "step": step,
        "next": next_url,
        "backend": backend,
        "expires_at": time.time() + PENDING_SECONDS,
        "device_id": None,
    }
    return PendingSignIn(user=user, step=step, next_url=next_url, backend=backend, device_id=None)


def load_pending(request: HttpRequest) -> PendingSignIn | None:
    """The pending sign-in in this session, or None.

    Drops it (and leaves a notice) when it is older than 10 minutes; drops it
    silently when the person no longer exists or has been deactivated.
    """
    state = request.session.get(PENDING_KEY)
    if not isinstance(state, dict):
        return None
    if time.time() > float(state.get("expires_at", 0)):
        clear_pending(request)
        set_notice(request, NOTICE_SIGN_IN_EXPIRED)
        return None
    user = User.objects.filter(pk=state.get("user_id"), is_active=True).first()
    if user is None:
        clear_pending(request)
        return None
    return PendingSignIn(
        user=user,
        step=str(state.get("step")),
        next_url=str(state.get("next") or reverse("accounts:home")),
        backend=str(state.get("backend")),
        device_id=state.get("device_id"),
    )


def remember_enrolment_device(request: HttpRequest, device: TOTPDevice) -> None:
    """Keep the id of the device being set up, so reloading shows the same QR code."""
    state = request.session.get(PENDING_KEY)
    if isinstance(state, dict):
        state["device_id"] = device.pk
        request.session[PENDING_KEY] = state


def clear_pending(request: HttpRequest) -> None:
    request.session.pop(PENDING_KEY, None)


def enrolment_device(*, pending: PendingSignIn) -> TOTPDevice:
    """The unconfirmed TOTP device this person is setting up (created on first use)."""
    device = None
    if pending.device_id is not None:
        device = TOTPDevice.objects.filter(
            pk=pending.device_id, user=pending.user, confirmed=False
        ).first()
    if device is None:
        device = TOTPDevice.objects.create(user=pending.user, name=DEVICE_NAME, confirmed=False)
    return device


def complete_sign_in(
    *, request: HttpRequest, user: User, backend: str, device: TOTPDevice | None, next_url: str
) -> str:
    """Sign `user` in: new session key, verified device bound to the session, audit entry.

    `device` may be None only for an `otp_exempt` (demo) account. Returns the
    URL to go to next. Callers must have checked the password and the code.
    """
    if device is None and not user.otp_exempt:
        raise ValueError("A second factor is required for this account.")
    clear_pending(request)
    if device is not None:
        # django_otp's user_logged_in receiver binds this device to the new session.
        user.otp_device = device  # type: ignore[attr-defined]
    login(request, user, backend=backend)
    request.session[LAST_SEEN_KEY] = time.time()
    audit_record(
        action=AuditAction.SIGN_IN,
        request=request,
        actor=user,
        object_type="accounts.user",
        object_id=str(user.pk),
        detail={"second_factor": "totp" if device is not None else "exempt"},
    )
    return next_url


def sign_out(*, request: HttpRequest, reason: str) -> None:
    """End the session server-side (flushed) and record who signed out and why."""
    user = request.user
    if user.is_authenticated:
        audit_record(
            action=AuditAction.SIGN_OUT,
            request=request,
            actor=user,
            object_type="accounts.user",
            object_id=str(user.pk),
            detail={"reason": reason},
        )
    logout(request)
