"""Desk console pages: find fast, check who is calling, the plain-language case view.

Every page needs `desk.use_console` (anyone else gets the ordinary 404) and
reads cases only through the case policy (`access_crime`). Search criteria
travel in POST bodies and the server-side session, never in a URL. The case
view is shown only after an identity check passed in this session.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from victimcare.accounts.views import permission_required_or_404
from victimcare.cases.check_answers import service_errors
from victimcare.cases.constants import VictimRole
from victimcare.duties.views import (
    LANGUAGE_NAMES,
    contact_rules,
    contact_warnings,
    due_tag,
    shorten,
    state_tag,
    when,
)
from victimcare.messaging.desk import LONDON, desk_hours_text, desk_is_open

from . import messages as msg
from . import selectors, services
from .constants import FollowUp
from .forms import (
    CallBackDoneForm,
    CallBackForm,
    DeskSearchForm,
    EscalateForm,
    IdentityCheckForm,
    RecordCallForm,
)
from .models import DeskCall
from .permissions import USE_CONSOLE

SEARCH_SESSION_KEY = "desk.searches"
PURPOSE_SESSION_KEY = "desk.purpose"
KEPT_SEARCHES = 20
DEFAULT_PURPOSE = "Victim Focus Desk call"
SEARCH_TITLE = "Find a victim"
CHECK_TITLE = "Check who is calling"
FAILED_TITLE = "Identity check failed: do not discuss the case"


def _purpose(request: HttpRequest) -> str:
    return str(request.session.get(PURPOSE_SESSION_KEY) or DEFAULT_PURPOSE)


def _render_search(request: HttpRequest, form: DeskSearchForm, **extra: Any) -> HttpResponse:
    return render(request, "desk/search.html", {"title": SEARCH_TITLE, "form": form, **extra})


@never_cache
@permission_required_or_404(USE_CONSOLE)
@require_http_methods(["GET", "POST"])
def search(request: HttpRequest) -> HttpResponse:
    """One search form: CRN, phone, email, or full name and date of birth, with a purpose.

    A valid POST keeps what was typed in the session under a random token and
    redirects to GET ?search=<token>, which runs the (audited) search."""
    if request.method == "POST":
        form = DeskSearchForm(data=request.POST)
        if not form.is_valid():
            return _render_search(request, form)
        searches = dict(request.session.get(SEARCH_SESSION_KEY, {}))
        token = secrets.token_urlsafe(16)
        searches[token] = form.raw()
        request.session[SEARCH_SESSION_KEY] = dict(list(searches.items())[-KEPT_SEARCHES:])
        return redirect(f"{reverse('desk:search')}?{urlencode({'search': token})}")
    token = request.GET.get("search", "")
    stored = request.session.get(SEARCH_SESSION_KEY, {}).get(token) if token else None
    if stored is None:
        return _render_search(request, DeskSearchForm())
    form = DeskSearchForm(data=stored)
    if not form.is_valid():
        return _render_search(request, form)
    data = form.cleaned_data
    purpose = data["purpose"].strip()
    try:
        results = selectors.desk_search(
            user=request.user,
            purpose=purpose,
            crn=data["crn"],
            name=data["name"],
            date_of_birth=data.get("date_of_birth"),
            phone=data["phone"],
            email=data["email"],
            request=request,
        )
    except ValidationError as error:
        for key, texts in service_errors(error).items():
            for text in texts:
                form.add_error(key if key in form.fields else "crn", text)
        return _render_search(request, form)
    request.session[PURPOSE_SESSION_KEY] = purpose
    return _render_search(request, form, searched=True, results=results)


@never_cache
@permission_required_or_404(USE_CONSOLE)
@require_http_methods(["GET", "POST"])
def identity_check(request: HttpRequest, victim_id: int, crime_id: int) -> HttpResponse:
    """Before anything is disclosed: how the caller proved who they are, and the outcome.

    Shows the agent the values to check against (audited as a VIEW). A pass
    leads to the case view; a failure discloses nothing and says what to do."""
    link = selectors.access_victim_on_crime(
        user=request.user, crime_id=crime_id, victim_id=victim_id
    )
    purpose = _purpose(request)
    facts = selectors.identity_facts(user=request.user, link=link, purpose=purpose, request=request)
    form = IdentityCheckForm(
        data=request.POST if request.method == "POST" else None,
        contacts=facts.contacts,
        has_date_of_birth=facts.date_of_birth is not None,
        has_code_word=bool(facts.code_word),
    )
    if request.method == "POST" and form.is_valid():
        passed = form.cleaned_data["outcome"] == "passed"
        services.identity_check_record(
            user=request.user,
            link=link,
            method=form.cleaned_data["method"],
            passed=passed,
            caller_id=form.caller_id,
            purpose=purpose,
            request=request,
        )
        if passed:
            return redirect("desk:case", victim_id=victim_id, crime_id=crime_id)
        return render(
            request,
            "desk/identity_failed.html",
            {"title": FAILED_TITLE, "desk_phone": settings.VICTIM_FOCUS_DESK_PHONE},
        )
    return render(
        request,
        "desk/identity_check.html",
        {"title": CHECK_TITLE, "form": form, "facts": facts, "link": link},
    )


def _duty_rows(duties: list[Any]) -> list[dict[str, Any]]:
    now = timezone.now()
    return [
        {
            "href": reverse("duties:duty", args=[d.pk]),
            "what": shorten(d.rule.duty),
            "right": d.right,
            "owner": d.owner_organisation.name,
            "due": when(d.due_at),
            "due_iso": d.due_at.isoformat(),
            "tag": due_tag(d, now) or state_tag(d, now),
        }
        for d in duties
    ]


def _needs_rows(victim: Any, needs: Any) -> list[dict[str, Any]]:
    language = LANGUAGE_NAMES.get(victim.language, victim.language)
    interpreter = f"Yes, {language}" if victim.interpreter_needed else "No"
    rows = [
        {"key": {"text": "Interpreter"}, "value": {"text": interpreter}},
        {"key": {"text": "Language"}, "value": {"text": language}},
        {
            "key": {"text": "Format"},
            "value": {"text": victim.get_accessible_format_display() or "No special format"},
        },
    ]
    if needs is not None and needs.communication_needs:
        rows.append(
            {"key": {"text": "Communication needs"}, "value": {"text": needs.communication_needs}}
        )
    return rows


@never_cache
@permission_required_or_404(USE_CONSOLE)
@require_http_methods(["GET"])
def case(request: HttpRequest, victim_id: int, crime_id: int) -> HttpResponse:
    """The case in plain words for the agent on the phone, after a passed identity check."""
    link = selectors.access_victim_on_crime(
        user=request.user, crime_id=crime_id, victim_id=victim_id
    )
    if not services.identity_passed(request=request, victim_id=victim_id):
        return redirect("desk:identity-check", victim_id=victim_id, crime_id=crime_id)
    detail = selectors.desk_case(
        user=request.user, link=link, purpose=_purpose(request), request=request
    )
    victim = link.victim
    crime = detail.crime
    rules = contact_rules([victim.pk]).get(victim.pk, {})
    oic = crime.oic
    now = timezone.now()
    open_call_backs, escalations = selectors.case_follow_ups(link=link)
    return render(
        request,
        "desk/case.html",
        {
            "title": f"Case {crime.crn}",
            "crime": crime,
            "link": link,
            "victim": victim,
            "warnings": contact_warnings(rules),
            "safe_phone": victim.phone if victim.phone and victim.safe_to_call else "",
            "detail": detail,
            "stage_when": when(detail.stage_event.occurred_at) if detail.stage_event else "",
            "told": [{"when": when(t.at), "iso": t.at.isoformat(), "row": t} for t in detail.told],
            "duties": _duty_rows(detail.duties),
            "needs_rows": _needs_rows(victim, detail.needs),
            "oic": {
                "name": oic.full_name,
                "collar_number": oic.collar_number,
                "team": crime.team.name,
            },
            "desk_open": desk_is_open(now),
            "desk_hours": desk_hours_text(),
            "desk_phone": settings.VICTIM_FOCUS_DESK_PHONE,
            "call_backs": [
                {
                    "when": services.slot_text(c.requested_for),
                    "reason": c.get_reason_display(),
                    "overdue": c.due_at < now,
                }
                for c in open_call_backs
            ],
            "escalations": [
                {
                    "to": e.get_to_display(),
                    "assignee": e.assignee.full_name if e.assignee else "",
                    "when": when(e.raised_at),
                    "reason": e.reason,
                }
                for e in escalations
            ],
        },
    )


# --- Record the call, call backs, escalation -------------------------------------------

RECORD_TITLE = "Record the call"
CALL_BACK_TITLE = "Book a call back"
ESCALATE_TITLE = "Escalate"
QUEUE_TITLE = "Call backs"
DONE_TITLE = "Mark the call back done"


def _identified(request: HttpRequest, victim_id: int, crime_id: int) -> Any:
    """The person's link if the agent may view the case (else 404) and the caller
    passed the identity check in this session (else a redirect to it)."""
    link = selectors.access_victim_on_crime(
        user=request.user, crime_id=crime_id, victim_id=victim_id
    )
    if not services.identity_passed(request=request, victim_id=victim_id):
        return redirect("desk:identity-check", victim_id=victim_id, crime_id=crime_id)
    return link


def _add_service_errors(form: Any, error: ValidationError, fields: dict[str, str]) -> None:
    for key, texts in service_errors(error).items():
        name = fields.get(key.split(".")[-1], key.split(".")[-1])
        for text_ in texts:
            form.add_error(name if name in form.fields else None, text_)


def _idempotency_key(request: HttpRequest) -> str:
    key = request.POST.get("idempotency_key", "") if request.method == "POST" else ""
    if not (key.isascii() and 20 <= len(key) <= 64):
        key = secrets.token_urlsafe(24)
    return key


@never_cache
@permission_required_or_404(USE_CONSOLE)
@require_http_methods(["GET", "POST"])
def record_call(request: HttpRequest, victim_id: int, crime_id: int) -> HttpResponse:
    """Record the call: how, who, what they were told, the duties it completes
    and whether it needs a follow-up (a call back or an escalation)."""
    link = _identified(request, victim_id, crime_id)
    if isinstance(link, HttpResponse):
        return link
    from victimcare.duties.views import victim_labels

    labels = victim_labels([link.crime_id])
    facts_contacts = [
        (c.victim_id, labels.get((link.crime_id, c.victim_id), c.get_role_display()))
        for c in link.crime.victim_links.exclude(victim_id=link.victim_id)
        .exclude(role=VictimRole.VICTIM)
        .order_by("pk")
    ]
    duties = selectors.owed_duty_choices(user=request.user, link=link)
    form = RecordCallForm(
        data=request.POST if request.method == "POST" else None,
        contacts=facts_contacts,
        duties=duties,
    )
    key = _idempotency_key(request)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            call = services.call_record(
                user=request.user,
                link=link,
                channel=data["channel"],
                caller=data["caller"],
                contact_id=form.contact_id,
                topics=data["topics"],
                summary=data["summary"],
                told=data["told"],
                fulfils=[int(d) for d in data["fulfils"]],
                idempotency_key=f"desk-{key}",
                request=request,
            )
        except ValidationError as error:
            _add_service_errors(form, error, {"victim": "fulfils"})
        else:
            done = len(data["fulfils"])
            messages.success(
                request,
                "Call recorded"
                + (f" and {done} {'duty' if done == 1 else 'duties'} marked done" if done else ""),
            )
            follow_up = data["follow_up"]
            args = {"victim_id": victim_id, "crime_id": crime_id}
            if follow_up == FollowUp.CALL_BACK:
                return redirect(f"{reverse('desk:call-back', kwargs=args)}?call={call.pk}")
            if follow_up == FollowUp.ESCALATE:
                return redirect(f"{reverse('desk:escalate', kwargs=args)}?call={call.pk}")
            return redirect("desk:case", **args)
    return render(
        request,
        "desk/record_call.html",
        {"title": RECORD_TITLE, "form": form, "link": link, "idempotency_key": key},
    )


def _call_of(request: HttpRequest, link: Any) -> DeskCall | None:
    raw = request.POST.get("call") or request.GET.get("call") or ""
    if not raw.isdigit():
        return None
    return DeskCall.objects.filter(
        pk=int(raw), crime_id=link.crime_id, victim_id=link.victim_id
    ).first()


@never_cache
@permission_required_or_404(USE_CONSOLE)
@require_http_methods(["GET", "POST"])
def call_back_book(request: HttpRequest, victim_id: int, crime_id: int) -> HttpResponse:
    """Book a call back within the desk's opening hours; a closed time is refused
    with the next open times offered."""
    link = _identified(request, victim_id, crime_id)
    if isinstance(link, HttpResponse):
        return link
    call = _call_of(request, link)
    form = CallBackForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        at = dt.datetime.combine(data["date"], data["time"], tzinfo=LONDON)
        try:
            services.call_back_book(
                user=request.user,
                link=link,
                requested_for=at,
                reason=data["reason"],
                call=call,
                request=request,
            )
        except ValidationError as error:
            _add_service_errors(form, error, {"requested_for": "time"})
        else:
            messages.success(request, f"Call back booked for {services.slot_text(at)}")
            return redirect("desk:case", victim_id=victim_id, crime_id=crime_id)
    return render(
        request,
        "desk/call_back.html",
        {
            "title": CALL_BACK_TITLE,
            "form": form,
            "link": link,
            "call": call,
            "desk_hours": desk_hours_text(),
        },
    )


@never_cache
@permission_required_or_404(USE_CONSOLE)
@require_http_methods(["GET", "POST"])
def escalate(request: HttpRequest, victim_id: int, crime_id: int) -> HttpResponse:
    """Ask the officer in the case or a supervisor to act, with a reason."""
    link = _identified(request, victim_id, crime_id)
    if isinstance(link, HttpResponse):
        return link
    call = _call_of(request, link)
    form = EscalateForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.escalation_raise(
                user=request.user,
                link=link,
                to=form.cleaned_data["to"],
                reason=form.cleaned_data["reason"],
                call=call,
                request=request,
            )
        except ValidationError as error:
            _add_service_errors(form, error, {})
        else:
            messages.success(request, "Escalated")
            return redirect("desk:case", victim_id=victim_id, crime_id=crime_id)
    return render(
        request,
        "desk/escalate.html",
        {"title": ESCALATE_TITLE, "form": form, "link": link, "call": call},
    )


@never_cache
@permission_required_or_404(USE_CONSOLE)
@require_http_methods(["GET"])
def call_backs(request: HttpRequest) -> HttpResponse:
    """The desk's call-back queue: soonest due first, overdue marked. No personal
    data on the page (CRN, a label and the fixed reason), so no VIEW entry."""
    from victimcare.duties.views import victim_labels

    queue = selectors.call_back_queue(user=request.user)
    labels = victim_labels({c.crime_id for c in queue})
    now = timezone.now()
    rows = [
        {
            "call_back": c,
            "label": labels.get((c.crime_id, c.victim_id), "Victim"),
            "due": when(c.due_at),
            "due_iso": c.due_at.isoformat(),
            "requested": services.slot_text(c.requested_for),
            "overdue": c.due_at < now,
            "mine": c.assignee_id == request.user.pk,
            "check_href": reverse("desk:identity-check", args=[c.victim_id, c.crime_id]),
        }
        for c in queue
    ]
    return render(
        request,
        "desk/call_backs.html",
        {"title": QUEUE_TITLE, "rows": rows, "overdue": sum(r["overdue"] for r in rows)},
    )


@never_cache
@permission_required_or_404(USE_CONSOLE)
@require_http_methods(["POST"])
def call_back_assign(request: HttpRequest, call_back_id: int) -> HttpResponse:
    call_back = selectors.access_call_back(user=request.user, call_back_id=call_back_id)
    if services.call_back_assign(user=request.user, call_back=call_back):
        messages.success(request, "The call back is assigned to you")
    else:
        messages.error(request, msg.CALL_BACK_CLOSED)
    return redirect("desk:call-backs")


@never_cache
@permission_required_or_404(USE_CONSOLE)
@require_http_methods(["GET", "POST"])
def call_back_done(request: HttpRequest, call_back_id: int) -> HttpResponse:
    """Mark a call back done with what happened; not twice."""
    call_back = selectors.access_call_back(user=request.user, call_back_id=call_back_id)
    form = CallBackDoneForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.call_back_done(
                user=request.user,
                call_back=call_back,
                outcome=form.cleaned_data["outcome"],
                request=request,
            )
        except ValidationError as error:
            _add_service_errors(form, error, {})
        else:
            messages.success(request, "Call back marked done")
            return redirect("desk:call-backs")
    return render(
        request,
        "desk/call_back_done.html",
        {"title": DONE_TITLE, "form": form, "call_back": call_back},
    )
