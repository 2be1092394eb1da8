"""Step-up re-authentication before sensitive actions (ASVS v5.0.0-7.5.1, 7.5.3; security notes row 9).

A signed-in person who asks for a bulk export or a change of a victim's contact
details is first sent to "Confirm it's you" (`/account/confirm/?next=…`): their
password and, when they have an authenticator app, a current code. Demo
accounts without a second factor (`otp_exempt`) give the password only.

A successful confirmation is remembered in this session only, for
`STEP_UP_SECONDS` (default 5 minutes), and names the person, so it ends with
the session (sign-out flushes it; an idle sign-out, a deactivation or a change
of role or organisation ends the session and it with it). Wrong passwords and
codes count towards the same django-axes lock-out as sign-in; a lock-out here
also ends the session. Both outcomes are audited (SIGN_IN / SIGN_IN_FAILED with
`step_up` in the detail; never what was typed).

Machine tokens (the partner API) never pass through here: a token is not a
person at a keyboard, and its scopes are its step-up.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

STEP_UP_KEY = "vc_step_up"


def step_up_seconds() -> int:
    """How long a confirmation lasts (the STEP_UP_SECONDS setting)."""
    return int(getattr(settings, "STEP_UP_SECONDS", 300))


def local_path(candidate: str | None) -> str | None:
    """`candidate` if it is a path on this site ("/cases/1/…"), else None.

    Only a path is accepted, never a URL with a scheme or host, nor "//host"
    or "/\\host" (which browsers read as another host): no open redirect."""
    if not candidate or not isinstance(candidate, str) or len(candidate) > 2000:
        return None
    if not candidate.startswith("/") or candidate.startswith(("//", "/\\")):
        return None
    if any(ord(ch) < 32 or ch == "\\" for ch in candidate):
        return None
    parts = urlsplit(candidate)
    if parts.scheme or parts.netloc:
        return None
    return candidate


def step_up_record(request: HttpRequest) -> None:
    """Remember in this session that its person has just confirmed it is them."""
    request.session[STEP_UP_KEY] = {"user_id": request.user.pk, "at": time.time()}


def step_up_clear(request: HttpRequest) -> None:
    request.session.pop(STEP_UP_KEY, None)


def step_up_valid(request: HttpRequest) -> bool:
    """Whether this session's person confirmed it is them within STEP_UP_SECONDS."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    state = request.session.get(STEP_UP_KEY)
    if not isinstance(state, dict) or state.get("user_id") != user.pk:
        return False
    at = state.get("at")
    if not isinstance(at, int | float):
        return False
    age = time.time() - float(at)
    # A confirmation "from the future" (clock moved back) is not trusted either.
    return 0 <= age <= step_up_seconds()


def confirm_url(next_path: str) -> str:
    """The "Confirm it's you" page, coming back to `next_path` afterwards."""
    return reverse("accounts:confirm") + "?" + urlencode({"next": next_path})


def step_up_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The view runs only for a signed-in person who confirmed it is them within
    STEP_UP_SECONDS in this session; anyone else signed in is sent to confirm
    and then back (a POST comes back to the page as a GET: what was typed is
    not replayed). Anonymous people are sent to sign in.

    Put it below the permission decorator, so people without the permission
    get the usual 404 and are never asked for their password first."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(
                request.get_full_path(), redirect_field_name=REDIRECT_FIELD_NAME
            )
        if not step_up_valid(request):
            target = request.get_full_path() if request.method == "GET" else request.path
            response = HttpResponseRedirect(confirm_url(local_path(target) or request.path))
            response["Cache-Control"] = "no-store"
            return response
        return view(request, *args, **kwargs)

    wrapped.step_up_required = True  # type: ignore[attr-defined]
    return wrapped
