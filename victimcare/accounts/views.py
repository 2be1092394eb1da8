"""Staff sign-in, second factor, lockout, sign-out, and the staff home and team pages.

Views parse, call `signin` / `selectors`, and render. Every page here is
`never_cache`; StaffSessionMiddleware also marks every signed-in response
`Cache-Control: no-store`.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Callable
from functools import wraps
from typing import Any

import segno
from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_totp.models import TOTPDevice

from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction

from . import signin
from .forms import CodeForm, SignInForm
from .lockout import is_locked_out, normalise_email, second_factor_failed
from .models import User
from .selectors import person_list_for_user

TEAM_PAGE_SIZE = 50
_LOCKOUT_PAGE_ATTR = "_victimcare_lockout_page"


def _user_for_email(email: str | None) -> User | None:
    email = normalise_email(email)
    return User.objects.filter(email=email).first() if email else None


def _audit_failure(request: HttpRequest, *, user: User | None, reason: str) -> None:
    # Never the typed email or password: only the person's id when the email matched one.
    audit_record(
        action=AuditAction.SIGN_IN_FAILED,
        request=request,
        actor=user,
        object_type="accounts.user" if user else "",
        object_id=str(user.pk) if user else "",
        detail={"reason": reason},
    )


def optional_url(name: str) -> str | None:
    """The URL for `name`, or None while that page does not exist yet (no dead links)."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


# --- Lockout ------------------------------------------------------------------


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the "You cannot sign in for now" page, HTTP 429.

    Records one LOCKED_OUT audit entry per refused request (with the person's
    id when the email matches an account) and ends any half-finished sign-in.
    Idempotent within a request: our views call it directly, and AxesMiddleware
    may call it again for the same request.
    """
    cached = getattr(request, _LOCKOUT_PAGE_ATTR, None)
    if cached is not None:
        return cached
    email = None
    if credentials:
        email = credentials.get(settings.AXES_USERNAME_FORM_FIELD) or credentials.get("username")
    if email is None and request.method == "POST":
        email = request.POST.get(settings.AXES_USERNAME_FORM_FIELD)
    user = _user_for_email(email if isinstance(email, str) else None)
    pending = signin.load_pending(request)
    if user is None and pending is not None:
        user = pending.user
    signin.clear_pending(request)
    audit_record(
        action=AuditAction.LOCKED_OUT,
        request=request,
        actor=user,
        object_type="accounts.user" if user else "",
        object_id=str(user.pk) if user else "",
    )
    cool_off = get_cool_off(request)
    minutes = math.ceil(cool_off.total_seconds() / 60) if cool_off else None
    response = render(
        request,
        "accounts/locked_out.html",
        {
            "title": "You cannot sign in for now",
            "minutes": minutes,
            "support_email": settings.SUPPORT_EMAIL,
        },
        status=429,
    )
    response["Cache-Control"] = "no-store"
    setattr(request, _LOCKOUT_PAGE_ATTR, response)
    return response


# --- Sign in --------------------------------------------------------------------


@never_cache
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    """Step 1: email and password. Anyone may call it; a signed-in person is sent on."""
    next_url = signin.safe_next_url(request, request.POST.get("next") or request.GET.get("next"))
    if request.user.is_authenticated:
        return HttpResponseRedirect(next_url)
    notice = signin.pop_notice(request)
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        already_locked = is_locked_out(request=request, email=email)
        user = authenticate(request, username=email, password=form.cleaned_data["password"])
        if user is None:
            if not already_locked:
                _audit_failure(request, user=_user_for_email(email), reason="credentials")
            if already_locked or getattr(request, "axes_locked_out", False):
                return locked_out(request, None, {settings.AXES_USERNAME_FORM_FIELD: email})
            form.credentials_wrong()
        else:
            assert isinstance(user, User)
            if user.otp_exempt:
                return redirect(
                    signin.complete_sign_in(
                        request=request,
                        user=user,
                        backend=user.backend,
                        device=None,
                        next_url=next_url,
                    )
                )
            pending = signin.start_pending(request=request, user=user, next_url=next_url)
            return redirect(
                "accounts:sign-in-code"
                if pending.step == signin.STEP_CODE
                else "accounts:sign-in-set-up"
            )
    return render(
        request,
        "accounts/sign_in.html",
        {
            "title": "Sign in",
            "form": form,
            "next_url": next_url,
            "notice": notice,
            "support_email": settings.SUPPORT_EMAIL,
        },
    )


def _pending_or_restart(request: HttpRequest) -> signin.PendingSignIn | HttpResponse:
    pending = signin.load_pending(request)
    if pending is None:
        return redirect("accounts:sign-in")
    return pending


def _check_code(
    request: HttpRequest, form: CodeForm, pending: signin.PendingSignIn, device: TOTPDevice
) -> HttpResponse | None:
    """Verify the typed code. Returns the lockout page, or None (form errors added on failure)."""
    if not form.is_valid():
        return None
    if device.verify_token(form.cleaned_data["code"]):
        return None
    form.code_wrong()
    _audit_failure(request, user=pending.user, reason="second_factor")
    if second_factor_failed(request=request, user=pending.user):
        return locked_out(request, None, {settings.AXES_USERNAME_FORM_FIELD: pending.user.email})
    return None


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def sign_in_code(request: HttpRequest) -> HttpResponse:
    """Step 2 for a person with an authenticator app: the 6-digit code."""
    pending = _pending_or_restart(request)
    if isinstance(pending, HttpResponse):
        return pending
    device = signin.confirmed_device(pending.user)
    if device is None:
        return redirect("accounts:sign-in-set-up")
    if is_locked_out(request=request, email=pending.user.email):
        return locked_out(request, None, {settings.AXES_USERNAME_FORM_FIELD: pending.user.email})
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        refused = _check_code(request, form, pending, device)
        if refused is not None:
            return refused
        if form.is_valid():
            return redirect(
                signin.complete_sign_in(
                    request=request,
                    user=pending.user,
                    backend=pending.backend,
                    device=device,
                    next_url=pending.next_url,
                )
            )
    return render(
        request,
        "accounts/sign_in_code.html",
        {
            "title": "Enter the code from your authenticator app",
            "form": form,
            "support_email": settings.SUPPORT_EMAIL,
        },
    )


def _qr_svg(device: TOTPDevice) -> str:
    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=4, border=4, title="QR code for your authenticator app"
    )
    # An image with a name for screen readers; the secret is also printed as text.
    return svg.replace(
        "<svg ",
        '<svg role="img" aria-label="QR code for your authenticator app" focusable="false" ',
        1,
    )


def _secret_text(device: TOTPDevice) -> str:
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def sign_in_set_up(request: HttpRequest) -> HttpResponse:
    """Step 2 for a person without an authenticator app: set one up, then confirm a code."""
    pending = _pending_or_restart(request)
    if isinstance(pending, HttpResponse):
        return pending
    if signin.confirmed_device(pending.user) is not None:
        return redirect("accounts:sign-in-code")
    if is_locked_out(request=request, email=pending.user.email):
        return locked_out(request, None, {settings.AXES_USERNAME_FORM_FIELD: pending.user.email})
    device = signin.enrolment_device(pending=pending)
    signin.remember_enrolment_device(request, device)
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        refused = _check_code(request, form, pending, device)
        if refused is not None:
            return refused
        if form.is_valid():
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            audit_record(
                action=AuditAction.SECOND_FACTOR_ADDED,
                request=request,
                actor=pending.user,
                object_type="otp_totp.totpdevice",
                object_id=str(device.pk),
            )
            return redirect(
                signin.complete_sign_in(
                    request=request,
                    user=pending.user,
                    backend=pending.backend,
                    device=device,
                    next_url=pending.next_url,
                )
            )
    return render(
        request,
        "accounts/sign_in_set_up.html",
        {
            "title": "Set up an authenticator app",
            "form": form,
            # segno's SVG is generated from our own otpauth URL: no user input reaches it.
            "qr_svg": mark_safe(_qr_svg(device)),  # noqa: S308  # segno SVG of our own URL  # nosec B308, B703  # nosemgrep: vc-mark-safe-non-literal
            "secret": _secret_text(device),
        },
    )


# --- Sign out -------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def sign_out(request: HttpRequest) -> HttpResponse:
    """GET asks for confirmation; POST ends the session (flushed) and records it."""
    if not request.user.is_authenticated:
        return redirect("accounts:signed-out" if request.method == "POST" else "accounts:sign-in")
    if request.method == "POST":
        signin.sign_out(request=request, reason="user")
        return redirect("accounts:signed-out")
    return render(
        request, "accounts/sign_out.html", {"title": "Are you sure you want to sign out?"}
    )


@never_cache
def signed_out(request: HttpRequest) -> HttpResponse:
    """Confirmation that the session has ended. Public."""
    return render(request, "accounts/signed_out.html", {"title": "You have signed out"})


# --- Staff pages ------------------------------------------------------------------


def permission_required_or_404(
    permission: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Signed-in staff with `permission` only; anyone else signed in gets 404 (and an audit entry)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        @login_required
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.has_perm(permission):
                audit_record(
                    action=AuditAction.ACCESS_DENIED,
                    request=request,
                    actor=request.user,
                    object_type="page",
                    object_id=request.resolver_match.view_name if request.resolver_match else "",
                    detail={"permission": permission},
                )
                raise Http404("No such page.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


@never_cache
@permission_required_or_404("accounts.view_home")
def home(request: HttpRequest) -> HttpResponse:
    """The signed-in person's home page: who they are and what their role can do here;
    for people who owe Victims' Code duties, what they owe ("Owed to victims")."""
    # Imported here: the duties views import this module's permission decorator.
    from victimcare.duties.views import worklist_summary

    user = request.user
    return render(
        request,
        "accounts/home.html",
        {
            "title": "Home",
            "person": user,
            "owed": worklist_summary(user=user),
            "team_url": reverse("accounts:team") if user.has_perm("accounts.view_team") else None,
            "audit_url": optional_url("core:audit-search")
            if user.has_perm("core.search_audit")
            else None,
            "admin_url": optional_url("admin:index")
            if user.has_perm("accounts.use_admin")
            else None,
        },
    )


@never_cache
@permission_required_or_404("accounts.view_team")
def team(request: HttpRequest) -> HttpResponse:
    """The people the signed-in supervisor (or administrator) may see, a page at a time."""
    user = request.user
    people = person_list_for_user(user=user)
    page = Paginator(people, TEAM_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/team.html",
        {
            "title": "Your team",
            "page": page,
            "person": user,
            "is_administrator": user.has_perm("accounts.manage_people"),
        },
    )
