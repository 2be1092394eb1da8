"""The support organisation's pages (its inbox of referrals) and the officer's
page about a data problem. Thin: parse, call one selector or service, render.
Anyone not allowed gets a 404, whatever the id."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from victimcare.cases.views import login_required_404
from victimcare.duties.views import when

from . import inbox
from .constants import ProblemState, ReferralState
from .forms_inbox import CorrectionForm, DeclineForm, InboxFilterForm, MoveForm, ProblemForm
from .inbox import MOVE_UNKNOWN
from .permissions import UPDATE_REFERRAL

INBOX_TITLE = "Referrals to your service"
MOVED = "Referral marked as: {state}"
PROBLEM_REPORTED = "Data problem reported: the officer in the case has been asked to correct it"
CORRECTED = "Details corrected: the support service has the new version"

# The buttons on the referral page (decline has its own page: it needs a reason).
MOVE_BUTTONS = {
    ReferralState.ACCEPTED: "Accept the referral",
    ReferralState.CONTACT_MADE: "Contact made with the victim",
    ReferralState.NOT_REACHED: "Could not reach the victim",
    ReferralState.SUPPORT_STARTED: "Support started",
    ReferralState.CLOSED: "Close the referral",
    ReferralState.WITHDRAWN: "The victim no longer wants support",
}


def _form_errors(form: Any, error: ValidationError, fields: set[str]) -> None:
    for key, texts in error.message_dict.items():
        for text in texts:
            form.add_error(key if key in fields else None, text)


def _inbox_rows(referrals: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "id": r.pk,
            "href": reverse("referrals:inbox-referral", args=[r.pk]),
            "service": r.service.name,
            "sent": when(r.sent_at),
            "sent_iso": r.sent_at.isoformat(),
            "state": r.get_state_display(),
            "borough": r.crime.area.name,
            "offence": r.crime.offence.name,
        }
        for r in referrals
    ]


@never_cache
@login_required_404
@require_http_methods(["GET"])
def inbox_list(request: HttpRequest) -> HttpResponse:
    """Referrals made to the person's organisation, newest first (no personal data)."""
    form = InboxFilterForm(request.GET or None)
    state = form.cleaned_data.get("state", "") if form.is_valid() else ""
    referrals = inbox.referral_list_for_inbox(user=request.user, state=state)
    return render(
        request,
        "referrals/inbox_list.html",
        {
            "title": INBOX_TITLE,
            "form": form,
            "rows": _inbox_rows(referrals),
            "limit": inbox.INBOX_LIMIT,
            "filtered": bool(state),
        },
    )


def _referral_page(
    request: HttpRequest, referral_id: int, *, move_form: MoveForm | None = None
) -> HttpResponse:
    detail = inbox.referral_detail(user=request.user, referral_id=referral_id, request=request)
    may_update = request.user.has_perm(UPDATE_REFERRAL, detail.referral)
    buttons = [
        {"state": s, "text": MOVE_BUTTONS[s]} for s in detail.next_states if s in MOVE_BUTTONS
    ]
    return render(
        request,
        "referrals/inbox_referral.html",
        {
            "title": f"Referral {detail.referral.pk}",
            "detail": detail,
            "referral": detail.referral,
            "sent": when(detail.referral.sent_at),
            "changes": [
                {"version": c.version, "taken": when(c.taken_at), "rows": c.rows}
                for c in detail.changes
            ],
            "events": [
                {
                    "when": when(e.at),
                    "to": ReferralState(e.to_state).label
                    if e.to_state in ReferralState.values
                    else e.to_state,
                    "by": e.by.full_name if e.by_id else "The system",
                    "note": e.note,
                }
                for e in detail.events
            ],
            "problems": [
                {
                    "kind": p.get_kind_display(),
                    "description": p.description,
                    "reported": when(p.reported_at),
                    "due": when(p.due_at),
                    "fixed": p.state == ProblemState.FIXED,
                    "fixed_at": when(p.fixed_at),
                    "fixed_in_version": p.fixed_in_version,
                }
                for p in detail.problems
            ],
            "buttons": buttons if may_update else [],
            "may_decline": may_update and ReferralState.DECLINED in detail.next_states,
            "may_report": may_update,
            "form": move_form,
        },
        status=200,
    )


@never_cache
@login_required_404
@require_http_methods(["GET"])
def inbox_referral(request: HttpRequest, referral_id: int) -> HttpResponse:
    """One referral: what was shared (latest version), corrections, history, problems."""
    return _referral_page(request, referral_id)


@never_cache
@login_required_404
@require_POST
def inbox_move(request: HttpRequest, referral_id: int) -> HttpResponse:
    """Accept, contact made, not reached, support started, closed (not decline)."""
    referral = inbox.access_referral(
        user=request.user, referral_id=referral_id, permission=UPDATE_REFERRAL
    )
    form = MoveForm(request.POST)
    if form.is_valid() and form.cleaned_data["to_state"] == ReferralState.DECLINED:
        return redirect("referrals:inbox-decline", referral_id=referral.pk)
    if form.is_valid():
        try:
            inbox.referral_move(
                actor=request.user,
                referral=referral,
                to_state=form.cleaned_data["to_state"],
                request=request,
            )
        except PermissionDenied as denied:
            raise Http404("No such referral.") from denied
        except ValidationError as error:
            # The buttons have no field of their own: the summary links to the page.
            _form_errors(form, error, set())
        else:
            label = ReferralState(form.cleaned_data["to_state"]).label
            messages.success(request, MOVED.format(state=str(label).lower()))
            return redirect("referrals:inbox-referral", referral_id=referral.pk)
    elif form.errors.pop("to_state", None) is not None:
        form.add_error(None, MOVE_UNKNOWN)
    return _referral_page(request, referral.pk, move_form=form)


@never_cache
@login_required_404
@require_http_methods(["GET", "POST"])
def inbox_decline(request: HttpRequest, referral_id: int) -> HttpResponse:
    """Decline with a reason (required)."""
    referral = inbox.access_referral(
        user=request.user, referral_id=referral_id, permission=UPDATE_REFERRAL
    )
    form = DeclineForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            inbox.referral_move(
                actor=request.user,
                referral=referral,
                to_state=ReferralState.DECLINED,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except PermissionDenied as denied:
            raise Http404("No such referral.") from denied
        except ValidationError as error:
            _form_errors(form, error, {"reason"})
        else:
            messages.success(request, MOVED.format(state="declined"))
            return redirect("referrals:inbox-referral", referral_id=referral.pk)
    return render(
        request,
        "referrals/inbox_decline.html",
        {"title": "Decline the referral", "form": form, "referral": referral},
    )


@never_cache
@login_required_404
@require_http_methods(["GET", "POST"])
def inbox_problem_new(request: HttpRequest, referral_id: int) -> HttpResponse:
    """Report a problem with the details shared: the officer in the case gets a task."""
    referral = inbox.access_referral(
        user=request.user, referral_id=referral_id, permission=UPDATE_REFERRAL
    )
    form = ProblemForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            inbox.problem_report(
                actor=request.user,
                referral=referral,
                kind=form.cleaned_data["kind"],
                description=form.cleaned_data["description"],
                request=request,
            )
        except PermissionDenied as denied:
            raise Http404("No such referral.") from denied
        except ValidationError as error:
            _form_errors(form, error, {"kind", "description"})
        else:
            messages.success(request, PROBLEM_REPORTED)
            return redirect("referrals:inbox-referral", referral_id=referral.pk)
    return render(
        request,
        "referrals/inbox_problem_new.html",
        {"title": "Report a problem with the details", "form": form, "referral": referral},
    )


def _problem_page(
    request: HttpRequest, task_id: int, *, form: CorrectionForm | None = None
) -> HttpResponse:
    found = inbox.problem_for_task(user=request.user, task_id=task_id, request=request)
    problem, task = found.problem, found.task
    may_correct = (
        problem.kind in inbox.CONTACT_KINDS
        and problem.state == ProblemState.OPEN
        and request.user.has_perm("cases.edit_needs", task.crime)
    )
    return render(
        request,
        "referrals/inbox_problem.html",
        {
            "title": "A support service reported a problem with the details",
            "problem": problem,
            "task": task,
            "service": found.referral.service.name,
            "reported": when(problem.reported_at),
            "due": when(problem.due_at),
            "fixed_at": when(problem.fixed_at),
            "case_href": reverse("cases:case", args=[task.crime_id]),
            "needs_href": reverse("cases:needs-update", args=[task.crime_id, task.victim_id]),
            "done_href": reverse("messaging:task-done", args=[task.pk]),
            "may_correct": may_correct,
            "form": form if form is not None else (CorrectionForm() if may_correct else None),
        },
    )


@never_cache
@login_required_404
@require_http_methods(["GET"])
def problem(request: HttpRequest, task_id: int) -> HttpResponse:
    """For the officer in the case (or the desk): what the service reported (audited)."""
    return _problem_page(request, task_id)


@never_cache
@login_required_404
@require_POST
def problem_correct(request: HttpRequest, task_id: int) -> HttpResponse:
    """Correct the victim's phone, email or address; the referral gets a new version."""
    found = inbox.problem_for_task(user=request.user, task_id=task_id, request=request)
    form = CorrectionForm(request.POST)
    if form.is_valid():
        try:
            inbox.victim_contact_correct(
                actor=request.user,
                crime=found.task.crime,
                victim=found.task.victim,
                phone=form.cleaned_data["phone"],
                email=form.cleaned_data["email"],
                address=form.cleaned_data["address"],
                request=request,
            )
        except PermissionDenied as denied:
            raise Http404("No such data problem.") from denied
        except ValidationError as error:
            _form_errors(form, error, {"phone", "email", "address"})
        else:
            messages.success(request, CORRECTED)
            return redirect("referrals:problem", task_id=task_id)
    return _problem_page(request, task_id, form=form)
