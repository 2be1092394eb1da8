"""Track your case without the link: the public /track/ start page and its code page.

- /track/ asks for the crime reference number and date of birth; its POST
  (limited strictly per address: PORTAL_TRACK_START_RATE_ADDRESS) calls
  tracking_start.tracking_start and, whatever it found, keeps the answer (a
  link id or nothing) in the session and goes to
- /track/code/, which says "if the details match… we have sent a code" and
  takes it. The page, the redirect and the answers to codes are the same
  whether or not anything matched: with no link, wrong codes are counted in the
  session and the third gets the same "locked" page.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from victimcare.core.ratelimit import hit
from victimcare.feedback.limits import address_key, too_many

from . import tracking
from .forms_track import CodeForm, StartForm
from .models import TrackingLink
from .tracking_start import tracking_start
from .views_track import _limited, _locked, _page, _q, _sign_in, _text

# The start page's answer: {"link": id or 0, "until": epoch seconds, "wrong": n}.
START_KEY = "portal_track_start"


def _start_limited(request: HttpRequest) -> HttpResponse | None:
    """The start page's own, stricter limit per client address (each try it
    checks may send a text, and CRN + date of birth is a guessing surface)."""
    decision = hit(
        f"portal:track:start:address:{address_key(request)}",
        limit=int(getattr(settings, "PORTAL_TRACK_START_RATE_ADDRESS", 5)),
        window_seconds=int(getattr(settings, "PORTAL_TRACK_START_RATE_ADDRESS_SECONDS", 3600)),
    )
    return None if decision.allowed else too_many(request, decision)


# --- Starting without the link ---------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def track_begin(request: HttpRequest) -> HttpResponse:
    """Public: a crime reference number and a date of birth. A valid POST is
    answered the same way whatever it matched: on to the code page."""
    text = _text(request)
    refused = _limited(request)
    if refused is not None:
        return refused
    form = StartForm(request.POST if request.method == "POST" else None, text=text)
    if request.method == "POST" and form.is_valid():
        refused = _start_limited(request)
        if refused is not None:
            return refused
        link_id = tracking_start(
            crn=form.cleaned_data["crn"],
            date_of_birth=form.cleaned_data["date_of_birth"],
            request=request,
        )
        request.session[START_KEY] = {
            "link": link_id or 0,
            "until": int(time.time()) + tracking.code_seconds(),
            "wrong": 0,
        }
        return redirect(reverse("portal:track-begin-code") + _q(text))
    return _page(
        request,
        "portal/track_begin.html",
        text,
        status=400 if form.errors else 200,
        title=text.plain("track_title"),
        form=form,
        action=request.path + _q(text),
    )


def _started(request: HttpRequest) -> dict[str, int] | None:
    held = request.session.get(START_KEY)
    if not isinstance(held, dict) or int(held.get("until", 0)) <= time.time():
        request.session.pop(START_KEY, None)
        return None
    return held


@never_cache
@require_http_methods(["GET", "POST"])
def track_begin_code(request: HttpRequest) -> HttpResponse:
    """Public: the code after the start page. The link (if any) is the one in
    the session; wrong codes count towards its lock, or, with no link, in the
    session, so the answers are the same either way."""
    text = _text(request)
    refused = _limited(request)
    if refused is not None:
        return refused
    held = _started(request)
    if held is None:
        return redirect(reverse("portal:track-begin") + _q(text))
    link = (
        TrackingLink.objects.filter(pk=int(held.get("link", 0))).first() if held["link"] else None
    )
    if int(held.get("wrong", 0)) >= tracking.MAX_WRONG_CODES or (
        link is not None and link.locked_at is not None
    ):
        return _locked(request, text, started=True)
    form = CodeForm(request.POST if request.method == "POST" else None, text=text)
    if request.method == "POST" and form.is_valid():
        live = tracking.session_link(link_id=link.pk) if link is not None else None
        if live is not None:
            outcome = tracking.tracking_code_check(
                tracking=live, code=form.cleaned_code(), request=request
            )
            if outcome.ok:
                request.session.pop(START_KEY, None)
                _sign_in(request, live, text)
                return redirect(reverse("portal:track-case") + _q(text))
            locked = outcome.locked
        else:
            held["wrong"] = int(held.get("wrong", 0)) + 1
            request.session[START_KEY] = held
            locked = held["wrong"] >= tracking.MAX_WRONG_CODES
        if locked:
            return _locked(request, text, started=True)
        form.add_error("code", text.plain("code_wrong"))
    return _page(
        request,
        "portal/track_begin_code.html",
        text,
        status=400 if form.errors else 200,
        title=text.plain("code_title"),
        form=form,
        action=request.path + _q(text),
        start_again=reverse("portal:track-begin") + _q(text),
    )
