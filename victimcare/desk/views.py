"""Desk console pages: find fast, check who is calling, the plain-language case view.
The call pages are in `views_calls`, call backs in `views_call_backs`, the
workload in `views_workload`; the helpers they share are here.

Every page needs `desk.use_console` (anyone else gets the ordinary 404) and
reads cases only through the case policy (`access_crime`). Search criteria
travel in POST bodies and the server-side session, never in a URL. The case
view is shown only after an identity check passed in this session.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from victimcare.accounts.views import permission_required_or_404
from victimcare.cases.check_answers import service_errors
from victimcare.cases.models import CrimeVictim
from victimcare.duties.views import (
    LANGUAGE_NAMES,
    contact_rules,
    contact_warnings,
    due_tag,
    shorten,
    state_tag,
    when,
)
from victimcare.messaging.desk import desk_hours_text, desk_is_open

from . import selectors, selectors_follow_ups, services
from .forms import DeskSearchForm, IdentityCheckForm
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
    open_call_backs, escalations = selectors_follow_ups.case_follow_ups(link=link)
    urgent = selectors_follow_ups.urgent_texts(
        user=request.user, link=link, purpose=_purpose(request), request=request
    )
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
                    "cancel_href": f"{reverse('desk:call-back-cancel', args=[c.pk])}?from=case",
                }
                for c in open_call_backs
            ],
            "escalations": [
                {
                    "to": e.get_to_display(),
                    "assignee": e.assignee.full_name if e.assignee else "",
                    "when": when(e.raised_at),
                    "reason": e.reason,
                    "close_href": reverse("desk:escalation-close", args=[e.pk]),
                }
                for e in escalations
            ],
            "urgent_texts": [
                {
                    "when": when(u.received_at),
                    "iso": u.received_at.isoformat(),
                    "content": u.content,
                    "reason": u.task.reason,
                    "done_href": reverse("messaging:task-done", args=[u.task.pk]),
                }
                for u in urgent
            ],
        },
    )


# --- Shared by the call, call-back and escalation pages --------------------------------


def identified(request: HttpRequest, victim_id: int, crime_id: int) -> Any:
    """The person's link if the agent may view the case (else 404) and the caller
    passed the identity check in this session (else a redirect to it)."""
    link = selectors.access_victim_on_crime(
        user=request.user, crime_id=crime_id, victim_id=victim_id
    )
    if not services.identity_passed(request=request, victim_id=victim_id):
        return redirect("desk:identity-check", victim_id=victim_id, crime_id=crime_id)
    return link


def add_service_errors(form: Any, error: ValidationError, fields: dict[str, str]) -> None:
    """Put a service's ValidationError on the form's fields (`fields` renames keys)."""
    for key, texts in service_errors(error).items():
        name = fields.get(key.split(".")[-1], key.split(".")[-1])
        for text_ in texts:
            form.add_error(name if name in form.fields else None, text_)


def call_of(request: HttpRequest, link: CrimeVictim) -> DeskCall | None:
    """The desk call (`call` in the query or body) these follow-ups come from, if on `link`."""
    raw = request.POST.get("call") or request.GET.get("call") or ""
    if not raw.isdigit():
        return None
    return DeskCall.objects.filter(
        pk=int(raw), crime_id=link.crime_id, victim_id=link.victim_id
    ).first()
