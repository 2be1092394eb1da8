"""Desk pages after a passed identity check: record the call, escalate. And the
escalation's own pages: the desk closes one; the person asked to act reads it.

The call pages need `desk.use_console` and the identity check (as the case
view). The escalation page for the officer or supervisor asked to act is theirs
(`messaging.act_on_task` on its contact task), reached from their worklist."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from victimcare.accounts.views import permission_required_or_404
from victimcare.cases.constants import VictimRole
from victimcare.duties.views import when

from . import selectors_follow_ups, services
from .constants import FollowUp
from .forms import EscalateForm, RecordCallForm
from .forms_follow_ups import EscalationCloseForm
from .permissions import USE_CONSOLE
from .views import add_service_errors, call_of, identified

RECORD_TITLE = "Record the call"
ESCALATE_TITLE = "Escalate"
CLOSE_TITLE = "Close the escalation"
ESCALATION_TITLE = "The Victim Focus Desk asks you to act"


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
    link = identified(request, victim_id, crime_id)
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
    duties = selectors_follow_ups.owed_duty_choices(user=request.user, link=link)
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
            add_service_errors(form, error, {"victim": "fulfils"})
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


@never_cache
@permission_required_or_404(USE_CONSOLE)
@require_http_methods(["GET", "POST"])
def escalate(request: HttpRequest, victim_id: int, crime_id: int) -> HttpResponse:
    """Ask the officer in the case or a supervisor to act, with a reason: a task
    on their worklist."""
    link = identified(request, victim_id, crime_id)
    if isinstance(link, HttpResponse):
        return link
    call = call_of(request, link)
    form = EscalateForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            escalation = services.escalation_raise(
                user=request.user,
                link=link,
                to=form.cleaned_data["to"],
                reason=form.cleaned_data["reason"],
                call=call,
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error, {})
        else:
            who = escalation.assignee.full_name if escalation.assignee else "them"
            messages.success(request, f"Escalated: a task is on {who}'s worklist")
            return redirect("desk:case", victim_id=victim_id, crime_id=crime_id)
    return render(
        request,
        "desk/escalate.html",
        {"title": ESCALATE_TITLE, "form": form, "link": link, "call": call},
    )


@never_cache
@permission_required_or_404(USE_CONSOLE)
@require_http_methods(["GET", "POST"])
def escalation_close(request: HttpRequest, escalation_id: int) -> HttpResponse:
    """The desk closes an escalation with a note (its task is marked done)."""
    escalation = selectors_follow_ups.access_escalation(
        user=request.user, escalation_id=escalation_id
    )
    back = reverse("desk:case", args=[escalation.victim_id, escalation.crime_id])
    form = EscalationCloseForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.escalation_close(
                user=request.user,
                escalation=escalation,
                note=form.cleaned_data["note"],
                request=request,
            )
        except PermissionDenied as denied:
            raise Http404("No such escalation.") from denied
        except ValidationError as error:
            add_service_errors(form, error, {})
        else:
            messages.success(request, "Escalation closed")
            return redirect(back)
    return render(
        request,
        "desk/escalation_close.html",
        {
            "title": CLOSE_TITLE,
            "form": form,
            "escalation": escalation,
            "raised": when(escalation.raised_at),
            "back": back,
        },
    )


@never_cache
@login_required
@require_http_methods(["GET"])
def escalation(request: HttpRequest, task_id: int) -> HttpResponse:
    """What the desk asked the officer or supervisor to do (audited), from the
    DESK_ESCALATION task on their worklist, with links to the case and to mark
    the task done (which closes the escalation)."""
    escalation = selectors_follow_ups.escalation_for_task(
        user=request.user, task_id=task_id, request=request
    )
    return render(
        request,
        "desk/escalation.html",
        {
            "title": ESCALATION_TITLE,
            "escalation": escalation,
            "raised": when(escalation.raised_at),
            "done_href": reverse("messaging:task-done", args=[escalation.task_id]),
            "case_href": reverse("cases:case", args=[escalation.crime_id]),
            "desk_phone": settings.VICTIM_FOCUS_DESK_PHONE,
        },
    )
