"""Add a victim or contact to a recorded crime (a bereaved relative, a parent or
a nominated contact, or another victim): the intake's person pages, then
"Check your answers", then services.victim_add.

For people who may edit the crime's needs (`cases.edit_needs`); anyone else,
and anyone who may not see the crime, gets the ordinary 404 on every page.
The answers stay in the server-side session under a random token until the
person confirms them, so nothing is saved on bad input and no personal data
is ever put in a URL (the paths hold the crime id, the token and page slugs).
"""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from . import selectors, services
from .check_answers import check_sections, place_service_errors
from .forms import (
    PERSON_STEPS,
    IncompleteIntake,
    bound_step,
    cleaned_steps,
    raw_data,
    step_form,
    victim_input,
)
from .models import Crime
from .views import STEP_TITLES, login_required_404

SESSION_KEY = "cases.victim_adds"
KEPT_ADDS = 10
TITLES = {**STEP_TITLES, "victim": "About the victim or contact"}
CAPTION = "Add a victim or contact"


def _crime(request: HttpRequest, crime_id: int) -> Crime:
    # 404 for a crime the person may not see, and for one whose needs they may not edit.
    crime = selectors.access_crime(user=request.user, crime_id=crime_id)
    if not request.user.has_perm("cases.edit_needs", crime):
        raise Http404("No such page.")
    return crime


def _answers(request: HttpRequest, crime: Crime, token: str) -> dict[str, dict[str, Any]]:
    """The answers so far for this token; 404 if it is unknown or for another crime."""
    entry = request.session.get(SESSION_KEY, {}).get(token)
    if not isinstance(entry, dict) or entry.get("crime") != crime.pk:
        raise Http404("No such page.")
    steps = entry.get("steps")
    return steps if isinstance(steps, dict) else {}


def _save(request: HttpRequest, crime: Crime, token: str, steps: dict[str, Any] | None) -> None:
    adds = dict(request.session.get(SESSION_KEY, {}))
    adds.pop(token, None)
    if steps is not None:
        adds[token] = {"crime": crime.pk, "steps": steps}
    request.session[SESSION_KEY] = dict(list(adds.items())[-KEPT_ADDS:])


def _step_url(crime: Crime, token: str, step: str, *, change: bool = False) -> str:
    url = reverse("cases:victim-add-step", args=[crime.pk, token, step])
    return f"{url}?change=1" if change else url


@never_cache
@login_required_404
@require_http_methods(["GET", "POST"])
def victim_add_start(request: HttpRequest, crime_id: int) -> HttpResponse:
    """GET: what the pages ask. POST: start a new set of answers and go to the first page."""
    crime = _crime(request, crime_id)
    if request.method == "POST":
        token = secrets.token_urlsafe(16)
        _save(request, crime, token, {})
        return redirect(_step_url(crime, token, PERSON_STEPS[0]))
    return render(
        request,
        "cases/victim_add_start.html",
        {"title": CAPTION, "crime": crime, "steps": [TITLES[s] for s in PERSON_STEPS]},
    )


def _render_step(
    request: HttpRequest, crime: Crime, token: str, step: str, form: forms.Form, *, change: bool
) -> HttpResponse:
    index = PERSON_STEPS.index(step)
    if change:
        back = reverse("cases:victim-add-check", args=[crime.pk, token])
    elif index:
        back = _step_url(crime, token, PERSON_STEPS[index - 1])
    else:
        back = reverse("cases:victim-add", args=[crime.pk])
    return render(
        request,
        f"cases/intake_{step}.html",
        {
            "title": TITLES[step],
            "form": form,
            "step": step,
            "number": index + 1,
            "total": len(PERSON_STEPS),
            "change": change,
            "back_url": back,
            "action": reverse("cases:victim-add-step", args=[crime.pk, token, step]),
            "caption": f"{CAPTION} to case {crime.crn}",
            "resume_url": None,
        },
    )


@never_cache
@login_required_404
@require_http_methods(["GET", "POST"])
def victim_add_step(request: HttpRequest, crime_id: int, token: str, step: str) -> HttpResponse:
    """One question page. A valid answer is kept in the session before moving on;
    an invalid one is shown again with the errors, and nothing is kept."""
    crime = _crime(request, crime_id)
    if step not in PERSON_STEPS:
        raise Http404("No such page.")
    steps = _answers(request, crime, token)
    if request.method == "POST":
        change = request.POST.get("change") == "1"
        form = step_form(step, data=request.POST)
        if not form.is_valid():
            return _render_step(request, crime, token, step, form, change=change)
        steps[step] = raw_data(form)
        _save(request, crime, token, steps)
        index = PERSON_STEPS.index(step)
        if change or all(s in steps for s in PERSON_STEPS[index + 1 :]):
            return redirect("cases:victim-add-check", crime_id=crime.pk, token=token)
        return redirect(_step_url(crime, token, PERSON_STEPS[index + 1]))
    change = request.GET.get("change") == "1"
    form = bound_step(step, steps.get(step), force=None) or step_form(step)
    return _render_step(request, crime, token, step, form, change=change)


@never_cache
@login_required_404
@require_http_methods(["GET", "POST"])
def victim_add_check(request: HttpRequest, crime_id: int, token: str) -> HttpResponse:
    """Check your answers. POST adds the person (services.victim_add) and forgets the
    answers; the service's refusals are shown on the page and field they belong to."""
    crime = _crime(request, crime_id)
    steps = _answers(request, crime, token)
    try:
        cleaned_steps(steps, PERSON_STEPS, force=None)
    except IncompleteIntake as incomplete:
        return redirect(_step_url(crime, token, incomplete.step))
    forms_by_step = {s: bound_step(s, steps[s], force=None) for s in PERSON_STEPS}
    for form in forms_by_step.values():
        # Validating fills cleaned_data for the summary; cleaned_steps above has
        # already proved every step valid. Not an assert: `python -O` drops those.
        valid = form is not None and form.is_valid()
        if not valid:
            raise RuntimeError("A step that was valid is no longer valid.")
    problems: list[str] = []
    if request.method == "POST":
        data = victim_input(cleaned_steps(steps, PERSON_STEPS, force=None))
        try:
            services.victim_add(actor=request.user, crime=crime, data=data, request=request)
        except ValidationError as error:
            placed, problems = place_service_errors(error)
            for step in PERSON_STEPS:
                if step in placed:
                    # The first page with a problem, as typed, with the service's message.
                    form = bound_step(step, steps[step], force=None)
                    assert form is not None
                    form.is_valid()
                    for name, text in placed[step]:
                        form.add_error(name, text)
                    return _render_step(request, crime, token, step, form, change=True)
        else:
            _save(request, crime, token, None)
            messages.success(request, f"{data.full_name} added to the case")
            return redirect("cases:case", crime_id=crime.pk)
    return render(
        request,
        "cases/intake_check.html",
        {
            "title": "Check your answers before adding this person to the case",
            "sections": check_sections(
                {s: f for s, f in forms_by_step.items() if f is not None},
                titles=TITLES,
                change_url=lambda step: _step_url(crime, token, step, change=True),
            ),
            "problems": problems,
            "back_url": _step_url(crime, token, PERSON_STEPS[-1]),
            "caption": f"{CAPTION} to case {crime.crn}",
            "action": reverse("cases:victim-add-check", args=[crime.pk, token]),
            "confirm_heading": "Now add them to the case",
            "confirm_text": "Everyone who works on the case will see their details, contact "
            "rules and needs. The equality answers are kept apart, for statistics only.",
            "submit": "Add them to the case",
        },
    )
