"""Track your case: the public pages (no account) and the staff "send a link" action.

Public, every request limited per client address before anything is looked up:

- /track/<token>/ says a code will be sent to the phone or email the link went
  to; its POST sends one (tracking.tracking_code_send) and goes to
- /track/<token>/code/, where the code is typed. Three wrong codes lock the link.
- /track/case/ is the case, for the 15 minutes after a right code (the session
  holds the link's id and when it ends, nothing else; its key is rotated at
  sign-in and sign-out). /track/case/call-back/ and /track/case/message/ ask
  the desk for a call or send it a message; /track/sign-out/ ends it.

Without the link: /track/ and /track/code/ (views_track_start).

An unknown, expired or revoked link gets one page, rendered once per process and
language (feedback.limits.render_neutral), so they cannot be told apart. No
address holds anything but the random token and fixed words.

Staff: POST /track/send/<victim_id>/<crime_id>/ (desk agents and people who may
view the crime; 404 for anyone else), from the desk case view's panel.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from victimcare.core.ratelimit import hit
from victimcare.feedback.i18n import PageText, page_context
from victimcare.feedback.limits import address_key, render_neutral, too_many
from victimcare.messaging import wording
from victimcare.messaging.desk import desk_is_open

from . import tracking
from .forms_track import CallBackForm, CodeForm, MessageForm, SlotForm
from .i18n import language_links
from .models import TrackingLink

SESSION_KEY = "portal_track"


def _text(request: HttpRequest) -> PageText:
    return tracking.track_text(request.GET.get("lang"))


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    # Same-origin, not no-referrer: with no-referrer the browser sends "Origin:
    # null" on the form posts and the CSRF check refuses them. The token in the
    # address only ever goes back to this site.
    response["Referrer-Policy"] = "same-origin"
    return response


def _limited(request: HttpRequest) -> HttpResponse | None:
    decision = hit(
        f"portal:track:address:{address_key(request)}",
        limit=int(getattr(settings, "PORTAL_TRACK_RATE_ADDRESS", 30)),
        window_seconds=int(getattr(settings, "PORTAL_TRACK_RATE_ADDRESS_SECONDS", 600)),
    )
    return None if decision.allowed else too_many(request, decision)


def _page(
    request: HttpRequest, template: str, text: PageText, status: int = 200, **context: Any
) -> HttpResponse:
    base = {
        **page_context(text),
        "language_links": language_links(text.language, {}),
        "lang": text.language,
    }
    return _private(render(request, template, {**base, **context}, status=status))


def _unavailable(request: HttpRequest, text: PageText) -> HttpResponse:
    """The one page for an unknown, expired or revoked link: same bytes for each
    (apart from the CSP nonce); its language comes from ?lang= only."""
    page = render_neutral(
        request,
        "portal/track_unavailable.html",
        {
            **page_context(text),
            "language_links": language_links(text.language, {}),
            "title": text.plain("unavailable_title"),
        },
        key=f"track-unavailable:{text.language}",
    )
    return _private(HttpResponse(page, status=404))


def _locked(request: HttpRequest, text: PageText, *, started: bool = False) -> HttpResponse:
    """Three wrong codes: for a link ("this link is locked"), or after the start
    page ("too many wrong codes"; the same page whether anything matched)."""
    prefix = "start_" if started else ""
    return _page(
        request,
        "portal/track_locked.html",
        text,
        status=403,
        title=text.plain(f"{prefix}locked_title"),
        body_key=f"{prefix}locked_body",
    )


def _q(text: PageText) -> str:
    return f"?lang={text.language}"


def _open_link(request: HttpRequest, token: str, text: PageText) -> TrackingLink | HttpResponse:
    """The live link for `token`, or the page to answer instead: over the rate
    limit (checked before any lookup), no such live link, or locked."""
    refused = _limited(request)
    if refused is not None:
        return refused
    link = tracking.link_for_token(token)
    if link is None:
        return _unavailable(request, text)
    if link.locked_at is not None:
        return _locked(request, text)
    return link


# --- Opening a link ----------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def track(request: HttpRequest, token: str) -> HttpResponse:
    """Public: "we will send a code"; POST sends it."""
    text = _text(request)
    link = _open_link(request, token, text)
    if isinstance(link, HttpResponse):
        return link
    if request.method == "POST":
        try:
            tracking.tracking_code_send(tracking=link, request=request)
        except tracking.CodeNotSent:
            return _page(
                request, "portal/track_no_code.html", text, title=text.plain("no_code_title")
            )
        return redirect(reverse("portal:track-code", kwargs={"token": token}) + _q(text))
    return _page(
        request,
        "portal/track_start.html",
        text,
        title=text.plain("track_title"),
        action=request.path + _q(text),
    )


def _sign_in(request: HttpRequest, link: TrackingLink, text: PageText) -> None:
    request.session.cycle_key()  # a new session key: nothing before the code carries over
    request.session[SESSION_KEY] = {
        "link": link.pk,
        "until": int(time.time()) + tracking.session_seconds(),
    }


@never_cache
@require_http_methods(["GET", "POST"])
def track_code(request: HttpRequest, token: str) -> HttpResponse:
    """Public: enter the code. Wrong or run out: one message; the third wrong code locks."""
    text = _text(request)
    link = _open_link(request, token, text)
    if isinstance(link, HttpResponse):
        return link
    form = CodeForm(request.POST or None, text=text)
    if request.method == "POST" and form.is_valid():
        outcome = tracking.tracking_code_check(
            tracking=link, code=form.cleaned_code(), request=request
        )
        if outcome.ok:
            _sign_in(request, link, text)
            return redirect(reverse("portal:track-case") + _q(text))
        if outcome.locked:
            return _locked(request, text)
        form.add_error("code", text.plain("code_wrong"))
    return _page(
        request,
        "portal/track_code.html",
        text,
        status=400 if form.errors else 200,
        title=text.plain("code_title"),
        form=form,
        action=request.path + _q(text),
        resend_action=reverse("portal:track", kwargs={"token": token}) + _q(text),
    )


# --- The case ------------------------------------------------------------------------


def _session_link(request: HttpRequest) -> TrackingLink | None:
    held = request.session.get(SESSION_KEY)
    if not isinstance(held, dict) or int(held.get("until", 0)) <= time.time():
        request.session.pop(SESSION_KEY, None)
        return None
    link = tracking.session_link(link_id=int(held.get("link", 0)))
    if link is None:
        request.session.pop(SESSION_KEY, None)
    return link


def _ended(request: HttpRequest, text: PageText, status: int = 200) -> HttpResponse:
    return _page(
        request, "portal/track_ended.html", text, status=status, title=text.plain("ended_title")
    )


def _case_links(text: PageText) -> dict[str, str]:
    q = _q(text)
    return {
        "case_url": reverse("portal:track-case") + q,
        "call_back_url": reverse("portal:track-call-back") + q,
        "message_url": reverse("portal:track-message") + q,
        "sign_out_url": reverse("portal:track-sign-out") + q,
    }


@never_cache
@require_http_methods(["GET"])
def track_case(request: HttpRequest) -> HttpResponse:
    """The case, in fixed words, for a signed-in tracker session (audited)."""
    text = _text(request)
    link = _session_link(request)
    if link is None:
        return _ended(request, text, status=403)
    view = tracking.case_view(tracking=link, text=text, request=request)
    return _page(
        request,
        "portal/track_case.html",
        text,
        title=text.plain("case_title"),
        case=view,
        desk_open=desk_is_open(dt.datetime.now(dt.UTC)),
        **_case_links(text),
    )


@never_cache
@require_http_methods(["POST"])
def track_sign_out(request: HttpRequest) -> HttpResponse:
    text = _text(request)
    request.session.pop(SESSION_KEY, None)
    request.session.cycle_key()
    return _ended(request, text)


def _call_back_errors(form: Any, error: ValidationError, field: str) -> None:
    for name, problems in error.message_dict.items():
        for problem in problems:
            form.add_error(field if name == "requested_for" else None, problem)


@never_cache
@require_http_methods(["GET", "POST"])
def track_call_back(request: HttpRequest) -> HttpResponse:
    """Ask for a call back. A time the desk is closed is answered with the next
    open times as choices that book directly."""
    text = _text(request)
    link = _session_link(request)
    if link is None:
        return _ended(request, text, status=403)
    refused = _limited(request)
    if refused is not None:
        return refused
    form = CallBackForm(text=text)
    slot_form: SlotForm | None = None
    booked_for: dt.datetime | None = None
    if request.method == "POST" and request.POST.get("step") == "slot":
        after = _parse(request.POST.get("after", ""))
        slots = tracking.call_back_offers(after) if after else []
        slot_form = SlotForm(request.POST, text=text, slots=slots)
        if slot_form.is_valid():
            booked_for = _book(request, link, slot_form, slot_form.requested_for(), text, "slot")
    elif request.method == "POST":
        form = CallBackForm(request.POST, text=text)
        if form.is_valid():
            wanted = form.requested_for()
            now = dt.datetime.now(dt.UTC)
            if wanted <= now:
                form.add_error("time", text.plain("cb_past"))
            elif not desk_is_open(wanted):
                form.add_error("time", text.plain("cb_closed"))
                slot_form = SlotForm(
                    initial={"reason": form.cleaned_data["reason"], "after": wanted.isoformat()},
                    text=text,
                    slots=tracking.call_back_offers(wanted),
                )
            else:
                booked_for = _book(request, link, form, wanted, text, "time")
    if booked_for is not None:
        request.session[f"{SESSION_KEY}_booked"] = booked_for.isoformat()
        return _page(
            request,
            "portal/track_done.html",
            text,
            title=text.plain("cb_done_title"),
            body=text.plain("cb_done", when=wording.format_when(booked_for, text.language)),
            **_case_links(text),
        )
    errors = (form.errors if form.is_bound else {}) or (slot_form.errors if slot_form else {})
    return _page(
        request,
        "portal/track_call_back.html",
        text,
        status=400 if errors else 200,
        title=text.plain("cb_title"),
        form=form if form.errors or not (slot_form and slot_form.errors) else slot_form,
        time_form=form,
        slot_form=slot_form,
        action=reverse("portal:track-call-back") + _q(text),
        **_case_links(text),
    )


def _parse(value: str) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _book(
    request: HttpRequest,
    link: TrackingLink,
    form: Any,
    wanted: dt.datetime,
    text: PageText,
    field: str,
) -> dt.datetime | None:
    try:
        tracking.tracking_call_back_book(
            tracking=link, requested_for=wanted, reason=form.cleaned_data["reason"], request=request
        )
    except ValidationError as error:
        # The desk's own checks (the past, too far ahead): in the page's words.
        problems = error.message_dict
        if "requested_for" in problems:
            too_far = wanted > dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
            form.add_error(field, text.plain("cb_too_far" if too_far else "cb_past"))
        if "reason" in problems:
            form.add_error("reason", text.plain("cb_reason_required"))
        return None
    return wanted


@never_cache
@require_http_methods(["GET", "POST"])
def track_message(request: HttpRequest) -> HttpResponse:
    """Send the desk a message: it lands as a PORTAL_MESSAGE contact task."""
    text = _text(request)
    link = _session_link(request)
    if link is None:
        return _ended(request, text, status=403)
    refused = _limited(request)
    if refused is not None:
        return refused
    form = MessageForm(request.POST or None, text=text)
    if request.method == "POST" and form.is_valid():
        tracking.portal_message_send(
            tracking=link,
            text=form.cleaned_data["text"],
            language=text.language,
            request=request,
        )
        return _page(
            request,
            "portal/track_done.html",
            text,
            title=text.plain("msg_sent_title"),
            body=text.plain("msg_sent"),
            **_case_links(text),
        )
    return _page(
        request,
        "portal/track_message.html",
        text,
        status=400 if form.errors else 200,
        title=text.plain("msg_title"),
        form=form,
        max_length=tracking.MESSAGE_MAX_LENGTH,
        count_messages={
            "textareaDescriptionText": text.plain("chars_description"),
            "charactersUnderLimitText": text.plural("chars_under"),
            "charactersAtLimitText": text.plain("chars_at_limit"),
            "charactersOverLimitText": text.plural("chars_over"),
        },
        action=reverse("portal:track-message") + _q(text),
        **_case_links(text),
    )


# --- Staff -------------------------------------------------------------------------


@never_cache
@require_http_methods(["POST"])
def track_send(request: HttpRequest, victim_id: int, crime_id: int) -> HttpResponse:
    """Staff: send the victim a tracking link on a safe channel, or say why not.
    Desk agents and people who may view the crime; 404 for anyone else."""
    link = tracking.access_victim_link(user=request.user, victim_id=victim_id, crime_id=crime_id)
    result = tracking.tracking_link_send(actor=request.user, link=link, request=request)  # type: ignore[arg-type]
    if result.sent:
        messages.success(request, result.text)
    else:
        messages.error(request, result.text)
    if request.user.has_perm("desk.use_console"):
        return redirect("desk:case", victim_id=victim_id, crime_id=crime_id)
    return redirect("cases:case", crime_id=crime_id)
