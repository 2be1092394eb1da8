"""The "Confirm it's you" page of step-up re-authentication (see accounts/stepup.py)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction

from . import signin
from .forms import StepUpForm
from .lockout import is_locked_out, second_factor_failed
from .models import User
from .stepup import local_path, step_up_record, step_up_seconds

TITLE = "Confirm it’s you"


def _audit_failure(request: HttpRequest, user: User, reason: str) -> None:
    # Never what was typed: the person's id and which check failed.
    audit_record(
        action=AuditAction.SIGN_IN_FAILED,
        request=request,
        actor=user,
        object_type="accounts.user",
        object_id=str(user.pk),
        detail={"reason": reason, "step_up": True},
    )


def _locked(request: HttpRequest, user: User) -> HttpResponse:
    """Locked out while signed in: the session ends too (someone may be guessing
    at an unattended desk), then the usual lock-out page (429)."""
    from .views import locked_out  # the AXES_LOCKOUT_CALLABLE

    email = user.email
    signin.sign_out(request=request, reason="locked_out")
    return locked_out(request, None, {settings.AXES_USERNAME_FORM_FIELD: email})


@never_cache
@sensitive_post_parameters("password", "code")
@login_required
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest) -> HttpResponse:
    """Ask the signed-in person for their password (and a code, if they have an
    authenticator app); on success remember it in the session for
    STEP_UP_SECONDS and go to `next` (a local path only; else the home page)."""
    user = request.user
    assert isinstance(user, User)  # noqa: S101 (narrowing: login_required)
    next_path = local_path(request.POST.get("next") or request.GET.get("next")) or reverse(
        "accounts:home"
    )
    device = signin.confirmed_device(user)
    if is_locked_out(request=request, email=user.email):
        return _locked(request, user)
    form = StepUpForm(request.POST or None, needs_code=device is not None)
    if request.method == "POST" and form.is_valid():
        checked = authenticate(request, username=user.email, password=form.cleaned_data["password"])
        if checked is None or checked.pk != user.pk:
            _audit_failure(request, user, "step_up_password")
            if getattr(request, "axes_locked_out", False) or is_locked_out(
                request=request, email=user.email
            ):
                return _locked(request, user)
            form.password_wrong()
        elif device is not None and not device.verify_token(form.cleaned_data["code"]):
            _audit_failure(request, user, "step_up_code")
            if second_factor_failed(request=request, user=user):
                return _locked(request, user)
            form.code_wrong()
        else:
            # A new session key on re-authentication too (ASVS v5.0.0-7.2.4).
            request.session.cycle_key()
            step_up_record(request)
            audit_record(
                action=AuditAction.SIGN_IN,
                request=request,
                actor=user,
                object_type="accounts.user",
                object_id=str(user.pk),
                detail={"step_up": True, "second_factor": "totp" if device else "exempt"},
            )
            return HttpResponseRedirect(next_path)
    minutes = max(1, round(step_up_seconds() / 60))
    return render(
        request,
        "accounts/confirm.html",
        {
            "title": TITLE,
            "form": form,
            "next_path": next_path,
            "needs_code": device is not None,
            "minutes": minutes,
            "support_email": settings.SUPPORT_EMAIL,
        },
    )
