"""Staff case screens: record a crime (a multi-page intake that saves progress),
the case page and its actions, "My cases" and "Find a case".

Views parse, call one service or selector, and render. Access is decided by
the policy (permissions.py) through `access_crime` and `has_perm`: a person
who may not see a case, or a page, gets the ordinary 404. URLs carry numeric
ids only; search criteria and purposes travel in POST bodies and the
server-side session, never in a URL. Every page here is `never_cache` (and
StaffSessionMiddleware marks every signed-in response `no-store`).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import time
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from victimcare.accounts.constants import OrganisationKind
from victimcare.accounts.models import Organisation, User
from victimcare.accounts.views import permission_required_or_404
from victimcare.messaging import views as messaging_views

from . import messages as case_messages
from . import permissions, selectors, services
from .check_answers import check_sections, place_service_errors, service_errors
from .constants import CONTACT_EVENTS, CrimeStatus
from .forms import (
    EVENT_SERVICE_FIELDS,
    INTAKE_STEPS,
    LANGUAGE_NAMES,
    EventForm,
    IncompleteIntake,
    NeedsUpdateForm,
    PurposeForm,
    SearchForm,
    ShareForm,
    bound_step,
    intake_arguments,
    raw_data,
    step_form,
)
from .models import Crime, CrimeVictim, IntakeDraft

MY_CASES_PAGE_SIZE = 50
SEARCH_SESSION_KEY = "cases.searches"
PURPOSE_SESSION_KEY = "cases.purposes"
KEPT_SEARCHES = 20
KEPT_PURPOSES = 50
# A purpose given for a restricted case covers this long, then it is asked again.
PURPOSE_SECONDS = 30 * 60
UNRESTRICTED_PURPOSE = "case work"

STEP_TITLES = {
    "crime": "About the crime",
    "victim": "About the victim",
    "contact": "How to contact them safely",
    "needs": "Their needs",
    "consent": "Consent",
    "equality": "Equality questions (optional)",
}
STEP_ORDER = list(INTAKE_STEPS)


def _force(user: User) -> Organisation | None:
    """The police force the person belongs to (walking up force → BCU → team)."""
    organisation = user.organisation
    for _ in range(10):
        if organisation is None:
            return None
        if organisation.kind == OrganisationKind.POLICE_FORCE:
            return organisation
        organisation = organisation.parent
    return None


def login_required_404(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in staff only (anyone else is sent to sign in); object access is checked inside."""

    @wraps(view)
    @login_required
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return view(request, *args, **kwargs)

    return wrapped


# --- Record a crime: the intake ------------------------------------------------------


def _draft(request: HttpRequest, draft_id: int) -> IntakeDraft:
    # Drafts are personal to the officer who started them: anyone else gets 404.
    return get_object_or_404(IntakeDraft, pk=draft_id, owner=request.user)


def _draft_steps(draft: IntakeDraft) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads(draft.data or "{}")
    except ValueError:
        return {}
    steps = data.get("steps") if isinstance(data, dict) else None
    return steps if isinstance(steps, dict) else {}


def _draft_save(draft: IntakeDraft, steps: dict[str, dict[str, Any]]) -> None:
    draft.data = json.dumps({"steps": steps})
    draft.updated_at = timezone.now()
    draft.save(update_fields=["data", "updated_at"])


def _step_url(draft: IntakeDraft, step: str, *, change: bool = False) -> str:
    url = reverse("cases:intake-step", args=[draft.pk, step])
    return f"{url}?change=1" if change else url


def _draft_label(steps: dict[str, dict[str, Any]]) -> str:
    # The CRN identifies the draft for the officer without showing a victim's name.
    crn = str(steps.get("crime", {}).get("crn", "")).strip()
    return crn or "No crime reference number yet"


@never_cache
@permission_required_or_404("cases.create_crime")
@require_http_methods(["GET", "POST"])
def intake_start(request: HttpRequest) -> HttpResponse:
    """GET: what the intake asks, and the officer's unfinished records. POST: start one."""
    if request.method == "POST":
        draft = IntakeDraft.objects.create(owner=request.user, data=json.dumps({"steps": {}}))
        return redirect(_step_url(draft, STEP_ORDER[0]))
    drafts = []
    for draft in IntakeDraft.objects.filter(owner=request.user).order_by("-updated_at")[:20]:
        steps = _draft_steps(draft)
        next_step = next((s for s in STEP_ORDER if s not in steps), None)
        drafts.append(
            {
                "label": _draft_label(steps),
                "updated_at": timezone.localtime(draft.updated_at),
                "href": reverse("cases:intake-check", args=[draft.pk])
                if next_step is None
                else _step_url(draft, next_step),
                "delete_href": reverse("cases:intake-delete", args=[draft.pk]),
                "answered": len([s for s in STEP_ORDER if s in steps]),
            }
        )
    return render(
        request,
        "cases/intake_start.html",
        {
            "title": "Record a crime",
            "drafts": drafts,
            "steps": STEP_TITLES,
            "total": len(STEP_ORDER),
        },
    )


def _render_step(
    request: HttpRequest, draft: IntakeDraft, step: str, form: forms.Form, *, change: bool
) -> HttpResponse:
    index = STEP_ORDER.index(step)
    back = (
        reverse("cases:intake-check", args=[draft.pk])
        if change
        else (_step_url(draft, STEP_ORDER[index - 1]) if index else reverse("cases:intake-start"))
    )
    return render(
        request,
        f"cases/intake_{step}.html",
        {
            "title": STEP_TITLES[step],
            "form": form,
            "draft": draft,
            "step": step,
            "number": index + 1,
            "total": len(STEP_ORDER),
            "change": change,
            "back_url": back,
            "action": reverse("cases:intake-step", args=[draft.pk, step]),
            "caption": "Record a crime",
            "resume_url": reverse("cases:intake-start"),
        },
    )


@never_cache
@permission_required_or_404("cases.create_crime")
@require_http_methods(["GET", "POST"])
def intake_step(request: HttpRequest, draft_id: int, step: str) -> HttpResponse:
    """One question page. A valid answer is saved to the draft before moving on;
    an invalid one is shown again with the errors, and nothing is saved."""
    if step not in INTAKE_STEPS:
        raise Http404("No such page.")
    draft = _draft(request, draft_id)
    steps = _draft_steps(draft)
    force = _force(request.user)
    if request.method == "POST":
        change = request.POST.get("change") == "1"
        form = step_form(step, data=request.POST, force=force)
        if not form.is_valid():
            return _render_step(request, draft, step, form, change=change)
        steps[step] = raw_data(form)
        _draft_save(draft, steps)
        following = next(
            (s for s in STEP_ORDER[STEP_ORDER.index(step) + 1 :] if s not in steps), None
        )
        if change or following is None:
            return redirect("cases:intake-check", draft_id=draft.pk)
        return redirect(_step_url(draft, STEP_ORDER[STEP_ORDER.index(step) + 1]))
    change = request.GET.get("change") == "1"
    form = bound_step(step, steps.get(step), force=force) or step_form(step, force=force)
    return _render_step(request, draft, step, form, change=change)


@never_cache
@permission_required_or_404("cases.create_crime")
@require_http_methods(["GET", "POST"])
def intake_check(request: HttpRequest, draft_id: int) -> HttpResponse:
    """Check your answers. POST records the crime (services.crime_create) and deletes
    the draft; the service's refusals are shown on the page and field they belong to."""
    draft = _draft(request, draft_id)
    steps = _draft_steps(draft)
    force = _force(request.user)
    forms_by_step: dict[str, forms.Form] = {}
    for step in STEP_ORDER:
        form = bound_step(step, steps.get(step), force=force)
        if form is None or not form.is_valid():
            return redirect(_step_url(draft, step))
        forms_by_step[step] = form
    problems: list[str] = []
    if request.method == "POST":
        try:
            arguments = intake_arguments(steps, force=force)
        except IncompleteIntake as incomplete:
            return redirect(_step_url(draft, incomplete.step))
        try:
            crime = services.crime_create(actor=request.user, request=request, **arguments)
        except ValidationError as error:
            placed, problems = place_service_errors(error)
            for step in STEP_ORDER:
                if step in placed:
                    # Show the first page with a problem, as typed, with the service's message.
                    form = bound_step(step, steps[step], force=force)
                    assert form is not None
                    form.is_valid()
                    for name, text in placed[step]:
                        form.add_error(name, text)
                    return _render_step(request, draft, step, form, change=True)
        else:
            draft.delete()
            messages.success(request, f"Crime {crime.crn} recorded")
            return redirect("cases:case", crime_id=crime.pk)
    return render(
        request,
        "cases/intake_check.html",
        {
            "title": "Check your answers before recording the crime",
            "sections": check_sections(
                forms_by_step,
                titles=STEP_TITLES,
                change_url=lambda step: _step_url(draft, step, change=True),
            ),
            "problems": problems,
            "back_url": _step_url(draft, STEP_ORDER[-1]),
            "caption": "Record a crime",
            "action": reverse("cases:intake-check", args=[draft.pk]),
            "confirm_heading": "Now record the crime",
            "confirm_text": "By recording this crime you confirm that the details are correct "
            "to the best of your knowledge.",
            "submit": "Record the crime",
        },
    )


@never_cache
@permission_required_or_404("cases.create_crime")
@require_http_methods(["GET", "POST"])
def intake_delete(request: HttpRequest, draft_id: int) -> HttpResponse:
    """Ask, then delete an unfinished record."""
    draft = _draft(request, draft_id)
    if request.method == "POST":
        draft.delete()
        messages.success(request, "Unfinished record deleted")
        return redirect("cases:intake-start")
    return render(
        request,
        "cases/intake_delete.html",
        {
            "title": "Are you sure you want to delete this unfinished record?",
            "label": _draft_label(_draft_steps(draft)),
            "draft": draft,
        },
    )


# --- The case page -----------------------------------------------------------------


def _stored_purpose(request: HttpRequest, crime: Crime) -> str:
    purposes = request.session.get(PURPOSE_SESSION_KEY, {})
    entry = purposes.get(str(crime.pk))
    if not entry or time.time() - float(entry[1]) > PURPOSE_SECONDS:
        return ""
    return str(entry[0])


def _store_purpose(request: HttpRequest, crime: Crime, purpose: str) -> None:
    purposes = dict(request.session.get(PURPOSE_SESSION_KEY, {}))
    purposes.pop(str(crime.pk), None)
    purposes[str(crime.pk)] = [purpose, time.time()]
    request.session[PURPOSE_SESSION_KEY] = dict(list(purposes.items())[-KEPT_PURPOSES:])


def _time(value: Any) -> str:
    return value.strftime("%H:%M") if value else ""


def contact_warnings(victim: Any) -> list[str]:
    """The safe-contact rules that restrict contact, as short instructions for staff."""
    warnings = []
    if getattr(victim, "contact_only_if_victim_initiates", False):
        warnings.append("Do not contact them unless they get in touch first")
    if not getattr(victim, "wants_updates", True):
        warnings.append("Does not want updates about the case")
    if not getattr(victim, "safe_to_call", True):
        warnings.append("Do not call")
    if not getattr(victim, "safe_to_text", True):
        warnings.append("Do not text")
    if not getattr(victim, "safe_to_email", True):
        warnings.append("Do not email")
    if not getattr(victim, "safe_for_letters", True):
        warnings.append("No letters to their address")
    if not getattr(victim, "voicemail_allowed", True):
        warnings.append("No voicemail")
    safe_from, safe_until = getattr(victim, "safe_from", None), getattr(victim, "safe_until", None)
    if safe_from and safe_until:
        warnings.append(f"Only call between {_time(safe_from)} and {_time(safe_until)}")
    elif safe_from:
        warnings.append(f"Only call after {_time(safe_from)}")
    elif safe_until:
        warnings.append(f"Only call before {_time(safe_until)}")
    if getattr(victim, "code_word", ""):
        warnings.append("Ask for the code word before discussing the case")
    return warnings


def recordable_codes(user: User, crime: Crime) -> list[str]:
    """The event codes this person may record on this crime (the policy decides)."""
    return permissions.recordable_event_codes(user=user, crime=crime)


def may_search(user: User) -> bool:
    """Anyone who works on cases may search; crime_search finds only what they may see."""
    return user.has_perm("cases.search_crime")


@never_cache
@login_required_404
@require_http_methods(["GET", "POST"])
def case_view(request: HttpRequest, crime_id: int) -> HttpResponse:
    """The case page. A restricted case first asks why the person needs it; the
    purpose (or "case work" for an unrestricted case) is recorded by crime_detail."""
    crime = selectors.access_crime(user=request.user, crime_id=crime_id)
    purpose = UNRESTRICTED_PURPOSE
    if crime.restricted:
        purpose = _stored_purpose(request, crime)
        form = PurposeForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            _store_purpose(request, crime, form.cleaned_data["purpose"].strip())
            return redirect("cases:case", crime_id=crime.pk)
        if request.method == "POST" or not purpose:
            return render(
                request,
                "cases/purpose.html",
                {"title": "Why do you need to see this case?", "form": form, "crime": crime},
            )
    elif request.method == "POST":
        return redirect("cases:case", crime_id=crime.pk)
    detail = selectors.crime_detail(
        user=request.user, crime=crime, request=request, purpose=purpose
    )
    response = render(
        request,
        "cases/case.html",
        {
            "title": f"Case {crime.crn}",
            "crime": crime,
            "detail": detail,
            "summary_rows": _summary_rows(crime),
            "victims": _victims(detail),
            "timeline": messaging_views.timeline_merge(
                _timeline(detail, user=request.user),
                messaging_views.timeline_items(user=request.user, crime=crime),
            ),
            "actions": _actions(detail),
            "may_edit_needs": detail.may_edit_needs,
            "safe_channel": messaging_views.safe_channel_rows(crime=crime, victims=detail.victims),
            "duties": _duties(request.user, crime, detail),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


def _duties(user: User, crime: Crime, detail: Any) -> list[dict[str, Any]]:
    """The crime's Victims' Code duties, owed and finished, soonest deadline first.

    Names come from `detail`, whose reading crime_detail has already audited."""
    from victimcare.duties import selectors as duty_selectors
    from victimcare.duties.views import due_tag, shorten, state_tag, when

    names = {
        getattr(item, "victim", item).pk: getattr(item, "victim", item).full_name
        for item in getattr(detail, "victims", [])
    }
    now = timezone.now()
    rows = []
    for duty in duty_selectors.crime_duties(user=user, crime=crime):
        rows.append(
            {
                "href": reverse("duties:duty", args=[duty.pk]),
                "what": shorten(duty.rule.duty),
                "right": duty.right,
                "owed_to": names.get(duty.victim_id, "Victim"),
                "owner": duty.owner_organisation.name,
                "due": when(duty.due_at),
                "due_iso": duty.due_at.isoformat(),
                "due_tag": due_tag(duty, now),
                "state": state_tag(duty, now),
                "owed": duty.owed,
            }
        )
    # What is still owed first, by deadline; then what is finished.
    return sorted(rows, key=lambda r: not r["owed"])


def _actions(detail: Any) -> list[dict[str, str]]:
    """What this person may do here; each page checks the same permission again."""
    crime = detail.crime
    actions = []
    if detail.event_codes:
        actions.append(
            {"text": "Record an event", "href": reverse("cases:event-new", args=[crime.pk])}
        )
    if detail.event_codes and detail.victims:
        actions.append(
            {"text": "Send a message", "href": reverse("messaging:compose", args=[crime.pk])}
        )
    if detail.may_edit_needs:
        actions.append(
            {
                "text": "Add a victim or contact",
                "href": reverse("cases:victim-add", args=[crime.pk]),
            }
        )
    if detail.may_share:
        actions.append({"text": "Share this case", "href": reverse("cases:share", args=[crime.pk])})
    return actions


def _row(key: str, value: Any, *, html: bool = False) -> dict[str, Any]:
    if value in (None, "", []):
        return {"key": {"text": key}, "value": {"text": "None recorded"}}
    return {"key": {"text": key}, "value": {"html" if html else "text": value}}


def _lines(values: list[str], labels: dict[str, str]) -> Any:
    return mark_safe("<br>".join(escape(labels.get(v, v)) for v in values)) if values else ""  # noqa: S308  # every part escaped  # nosec B308, B703  # nosemgrep: vc-mark-safe-non-literal


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%-d %B %Y at %H:%M") if value else ""


def _summary_rows(crime: Crime) -> list[dict[str, Any]]:
    flags = [
        text
        for flag, text in (
            (crime.domestic_abuse, "Domestic abuse"),
            (crime.hate_crime, "Hate crime"),
            (
                crime.restricted,
                "Restricted" + (f": {crime.restricted_reason}" if crime.restricted_reason else ""),
            ),
        )
        if flag
    ]
    oic = crime.oic
    return [
        _row("Crime reference number", crime.crn),
        _row("Offence", f"{crime.offence.name} ({crime.offence.get_group_display().lower()})"),
        _row("Flags", ", ".join(flags) or "None"),
        _row(
            "Status",
            crime.get_status_display()
            + (f" – {crime.get_outcome_display()}" if crime.outcome else ""),
        ),
        _row("Borough", crime.area.name),
        _row("When it happened", _when(crime.occurred_at)),
        _row("Reported", _when(crime.reported_at)),
        _row(
            "Officer in the case",
            f"{oic.full_name}" + (f" ({oic.collar_number})" if oic.collar_number else ""),
        ),
        _row("Team", crime.team.name),
    ]


def _victims(detail: Any) -> list[dict[str, Any]]:
    from .constants import (
        AccessibleFormat,
        Channel,
        EnhancedReason,
        SpecialMeasure,
        SupportNeed,
        VictimRole,
        Vulnerability,
    )

    people = []
    for item in getattr(detail, "victims", []):
        victim = getattr(item, "victim", item)
        role = getattr(item, "role", "") or VictimRole.VICTIM
        needs = getattr(item, "needs", None)
        if needs is not None and hasattr(needs, "current"):
            needs = needs.current
        language = LANGUAGE_NAMES.get(victim.language, victim.language)
        rows = [
            _row("Linked to the crime as", dict(VictimRole.choices).get(role, role)),
            _row("Date of birth", _date(victim.date_of_birth)),
            _row("Phone", victim.phone),
            _row("Email", victim.email),
            _row("Address", _lines(str(victim.address or "").splitlines(), {}), html=True),
            _row("Prefers", dict(Channel.choices).get(victim.preferred_channel, "")),
            _row("Code word", victim.code_word),
        ]
        needs_rows = [
            _row("Language", language),
            _row("Interpreter", "Needed" if victim.interpreter_needed else "Not needed"),
            _row(
                "Accessible format",
                dict(AccessibleFormat.choices).get(victim.accessible_format, "") or "None needed",
            ),
        ]
        if needs is not None:
            decided = getattr(needs, "decided_by", None)
            organisation = getattr(needs, "decided_by_organisation", None)
            needs_rows += [
                _row(
                    "Vulnerabilities",
                    _lines(needs.vulnerabilities, dict(Vulnerability.choices)),
                    html=True,
                ),
                _row("Communication and access needs", needs.communication_needs),
                _row(
                    "Special measures at court",
                    _lines(needs.special_measures, dict(SpecialMeasure.choices)),
                    html=True,
                ),
                _row(
                    "Support wanted",
                    _lines(needs.support_wanted, dict(SupportNeed.choices)),
                    html=True,
                ),
                _row(
                    "Enhanced rights",
                    "Eligible" if needs.enhanced else "Not eligible",
                ),
            ]
            if needs.enhanced:
                needs_rows.append(
                    _row(
                        "Reasons for enhanced rights",
                        _lines(needs.enhanced_reasons, dict(EnhancedReason.choices)),
                        html=True,
                    )
                )
            needs_rows.append(
                _row(
                    "Assessed",
                    " ".join(
                        part
                        for part in (
                            _when(needs.decided_at),
                            f"by {decided.full_name}" if decided else "",
                            f"({organisation.name})" if organisation else "",
                            f"– version {needs.version}",
                        )
                        if part
                    ),
                )
            )
        people.append(
            {
                "id": victim.pk,
                "name": victim.full_name,
                "warnings": contact_warnings(victim),
                "rows": rows,
                "needs_rows": needs_rows,
            }
        )
    return people


def _date(value: Any) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value.strftime("%-d %B %Y")


def _timeline(detail: Any, user: Any = None) -> list[dict[str, Any]]:
    """MOJ timeline items, newest first, with who recorded each and what it corrects.

    A contact the person recorded (or any contact on their own case) links to
    its feedback QR code, to show the victim (issue 6)."""
    events = list(getattr(detail, "timeline", []))
    crime = getattr(detail, "crime", None)
    superseded = {e.supersedes_id for e in events if e.supersedes_id}
    items = []
    for event in events:
        who = event.recorded_by.full_name if event.recorded_by else "System"
        organisation = event.recording_organisation.name if event.recording_organisation_id else ""
        parts = []
        if event.supersedes_id:
            parts.append("Corrects an earlier entry.")
        if event.pk in superseded:
            parts.append("Corrected by a later entry.")
        details = event.details or {}
        if details.get("hearing_at"):
            parts.append(
                f"Hearing: {_when(dt.datetime.fromisoformat(details['hearing_at']))}"
                + (f" at {details['court']}" if details.get("court") else "")
                + "."
            )
        if details.get("conditions"):
            parts.append("Conditions: " + "; ".join(str(c) for c in details["conditions"]) + ".")
        if event.summary:
            parts.append(event.summary)
        if (
            event.received_at
            and event.occurred_at
            and event.received_at.date() != event.occurred_at.date()
        ):
            parts.append(f"Learned of it on {_when(event.received_at)}.")
        links = ""
        if (
            user is not None
            and event.code in CONTACT_EVENTS
            and (event.recorded_by_id == user.pk or (crime is not None and crime.oic_id == user.pk))
        ):
            links = format_html(
                '<p class="govuk-body"><a class="govuk-link" href="{}">'
                "Show the feedback QR code for this contact</a></p>",
                reverse("feedback:qr", args=[event.pk]),
            )
        items.append(
            {
                "label": {
                    "text": event.get_code_display()
                    + (" (superseded)" if event.pk in superseded else "")
                },
                "byline": {"text": f"{who}, {organisation}" if organisation else who},
                "datetime": {
                    "timestamp": event.occurred_at.isoformat(),
                    "text": _when(event.occurred_at),
                },
                "html": mark_safe(  # noqa: S308 - every part is escaped or built by format_html  # nosec B308, B703  # nosemgrep: vc-mark-safe-non-literal
                    "".join(f'<p class="govuk-body">{escape(p)}</p>' for p in parts) + links
                )
                if parts or links
                else "",
            }
        )
    return items


# --- Record an event ----------------------------------------------------------------


@never_cache
@login_required_404
@require_http_methods(["GET", "POST"])
def event_new(request: HttpRequest, crime_id: int) -> HttpResponse:
    """Record something that happened, choosing from the codes the person's organisation owns."""
    crime = selectors.access_crime(user=request.user, crime_id=crime_id)
    codes = recordable_codes(request.user, crime)
    if not codes:
        raise Http404("No such page.")
    owed = _fulfillable_duties(request.user, crime) if set(codes) & CONTACT_EVENTS else []
    choices = _fulfil_choices(crime, owed)
    if request.method == "POST":
        form = EventForm(request.POST, codes=codes, duties=choices)
    else:
        # "Record the contact that fulfils this duty" links here with ?fulfils=<duty id>.
        wanted = [v for v in request.GET.getlist("fulfils") if v in {c[0] for c in choices}]
        form = EventForm(codes=codes, duties=choices, initial={"fulfils": wanted})
    # One key per form shown: a double-clicked or retried submit records the event once.
    key = request.POST.get("idempotency_key", "") if request.method == "POST" else ""
    if not (key.isascii() and 20 <= len(key) <= 64):
        key = secrets.token_urlsafe(24)
    if request.method == "POST" and form.is_valid():
        chosen = [d for d in owed if d.pk in set(form.fulfils_ids())]
        victim_ids = {d.victim_id for d in chosen}
        if len(victim_ids) > 1:
            # A contact is with one person: each victim's duties need their own contact.
            form.add_error("fulfils", case_messages.FULFILS_DUTY_OTHER_VICTIM)
        else:
            try:
                services.event_record(
                    actor=request.user,
                    crime=crime,
                    code=form.cleaned_data["code"],
                    occurred_at=form.occurred_at(),
                    received_at=form.received_at(),
                    victim=chosen[0].victim if chosen else None,
                    details=form.details(),
                    summary=form.cleaned_data["summary"].strip(),
                    idempotency_key=f"web-{key}",
                    fulfils=[d.pk for d in chosen],
                    request=request,
                )
            except ValidationError as error:
                for field_key, texts in service_errors(error).items():
                    name = EVENT_SERVICE_FIELDS.get(field_key.split(".")[-1])
                    for text in texts:
                        form.add_error(name, text)
            else:
                done = len(chosen)
                messages.success(
                    request,
                    "Event recorded"
                    + (
                        f" and {done} {'duty' if done == 1 else 'duties'} marked done"
                        if done
                        else ""
                    ),
                )
                return redirect("cases:case", crime_id=crime.pk)
    return render(
        request,
        "cases/event_new.html",
        {
            "title": "Record an event",
            "form": form,
            "crime": crime,
            "idempotency_key": key,
            "may_fulfil": bool(set(codes) & CONTACT_EVENTS),
        },
    )


def _fulfillable_duties(user: User, crime: Crime) -> list[Any]:
    """The crime's owed duties this person may complete (the duties policy decides)."""
    from victimcare.duties import selectors as duty_selectors

    return [
        duty
        for duty in duty_selectors.crime_duties(user=user, crime=crime)
        if duty.owed and user.has_perm("duties.act_on_duty", duty)
    ]


def _fulfil_choices(crime: Crime, duties: list[Any]) -> list[tuple[str, str]]:
    """Checkbox choices: who (a label, not a name), what, the right and when it is due."""
    from victimcare.duties.views import shorten, victim_labels, when

    labels = victim_labels([crime.pk])
    now = timezone.now()
    choices = []
    for duty in sorted(duties, key=lambda d: (labels.get((crime.pk, d.victim_id), ""), d.due_at)):
        overdue = ", overdue" if duty.due_at < now else ""
        choices.append(
            (
                str(duty.pk),
                f"{labels.get((crime.pk, duty.victim_id), 'Victim')}: {shorten(duty.rule.duty)} "
                f"(right {duty.right}, due {when(duty.due_at)}{overdue})",
            )
        )
    return choices


# --- Share the case -------------------------------------------------------------------


@never_cache
@login_required_404
@require_http_methods(["GET", "POST"])
def share_view(request: HttpRequest, crime_id: int) -> HttpResponse:
    """Share the case with a specialist team or a partner organisation (services.case_share)."""
    crime = selectors.access_crime(user=request.user, crime_id=crime_id)
    if not request.user.has_perm("cases.share_crime", crime):
        raise Http404("No such page.")
    form = ShareForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        organisation = Organisation.objects.get(pk=form.cleaned_data["organisation"])
        try:
            services.case_share(
                actor=request.user,
                crime=crime,
                organisation=organisation,
                reason=form.cleaned_data["reason"].strip(),
                request=request,
            )
        except ValidationError as error:
            for field_key, texts in service_errors(error).items():
                name = field_key if field_key in form.fields else "organisation"
                for text in texts:
                    form.add_error(name, text)
        else:
            messages.success(request, f"Case shared with {organisation.name}")
            return redirect("cases:case", crime_id=crime.pk)
    return render(
        request, "cases/share.html", {"title": "Share this case", "form": form, "crime": crime}
    )


# --- Update a victim's needs assessment -------------------------------------------------


def _needs_data(version: Any) -> dict[str, Any] | None:
    """The current version as NeedsForm data, so the page starts from what is recorded."""
    if version is None:
        return None
    return {
        "vulnerabilities": list(version.vulnerabilities),
        "communication_needs": version.communication_needs,
        "special_measures": list(version.special_measures),
        "support_wanted": list(version.support_wanted),
        "enhanced": "yes" if version.enhanced else "no",
        "enhanced_reasons": list(version.enhanced_reasons),
        "update_interval_days": version.update_interval_days or "",
    }


@never_cache
@login_required_404
@require_http_methods(["GET", "POST"])
def needs_update(request: HttpRequest, crime_id: int, victim_id: int) -> HttpResponse:
    """Record a new version of a victim's needs assessment (the old one is kept)."""
    crime = selectors.access_crime(user=request.user, crime_id=crime_id)
    if not request.user.has_perm("cases.edit_needs", crime):
        raise Http404("No such page.")
    link = get_object_or_404(
        CrimeVictim.objects.select_related("victim__needs__current"),
        crime=crime,
        victim_id=victim_id,
    )
    victim = link.victim
    assessment = getattr(victim, "needs", None)
    current = assessment.current if assessment is not None else None
    if request.method == "POST":
        form = NeedsUpdateForm(data=request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.needs_assessment_record(
                    actor=request.user,
                    victim=victim,
                    crime=crime,
                    needs=services.NeedsInput(
                        vulnerabilities=list(data["vulnerabilities"]),
                        communication_needs=data["communication_needs"].strip(),
                        special_measures=list(data["special_measures"]),
                        support_wanted=list(data["support_wanted"]),
                        enhanced=data["enhanced"] == "yes",
                        enhanced_reasons=list(data["enhanced_reasons"]),
                        update_interval_days=data.get("update_interval_days"),
                    ),
                    request=request,
                )
            except ValidationError as error:
                for key, texts in service_errors(error).items():
                    name = key.split(".")[-1]
                    for text in texts:
                        form.add_error(name if name in form.fields else None, text)
            else:
                messages.success(request, "Needs assessment updated")
                return redirect("cases:case", crime_id=crime.pk)
    else:
        initial = _needs_data(current)
        form = NeedsUpdateForm(data=initial) if initial is not None else NeedsUpdateForm()
    return render(
        request,
        "cases/needs_update.html",
        {
            "title": "Update the needs assessment",
            "form": form,
            "crime": crime,
            "victim_id": victim.pk,
            "version": current.version if current is not None else None,
        },
    )


# --- My cases ---------------------------------------------------------------------------


@never_cache
@permission_required_or_404("cases.create_crime")
def my_cases_view(request: HttpRequest) -> HttpResponse:
    """The officer's open cases, most recently updated first, 50 a page. No names."""
    crimes = selectors.my_cases(user=request.user).annotate(victim_count=Count("victim_links"))
    page = Paginator(crimes, MY_CASES_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/my_cases.html",
        {
            "title": "My cases",
            "page": page,
            "rows_in_page": [
                {"crime": crime, "updated": timezone.localtime(crime.updated_at)}
                for crime in page.object_list
            ],
            "statuses": dict(CrimeStatus.choices),
        },
    )


# --- Find a case ---------------------------------------------------------------------------


def _remember_search(request: HttpRequest, form: SearchForm) -> str:
    # Names and phone numbers are personal data and must never appear in a URL
    # (access logs, browser history, Referer). The criteria stay in the
    # server-side session under a random token; the results page is GET ?search=<token>.
    searches: dict[str, dict[str, str]] = dict(request.session.get(SEARCH_SESSION_KEY, {}))
    token = secrets.token_urlsafe(16)
    searches[token] = form.raw()
    request.session[SEARCH_SESSION_KEY] = dict(list(searches.items())[-KEPT_SEARCHES:])
    return token


@never_cache
@login_required_404
@require_http_methods(["GET", "POST"])
def search_view(request: HttpRequest) -> HttpResponse:
    """Find a case by CRN, a victim's name (and date of birth) or phone number.

    Only cases the person may see are found; every search is audited with its purpose
    (by selectors.crime_search)."""
    if not may_search(request.user):
        raise Http404("No such page.")
    if request.method == "POST":
        form = SearchForm(data=request.POST)
        if form.is_valid():
            token = _remember_search(request, form)
            return redirect(f"{reverse('cases:search')}?{urlencode({'search': token})}")
        return render(request, "cases/search.html", {"title": "Find a case", "form": form})
    token = request.GET.get("search", "")
    stored = request.session.get(SEARCH_SESSION_KEY, {}).get(token) if token else None
    if stored is None:
        return render(request, "cases/search.html", {"title": "Find a case", "form": SearchForm()})
    form = SearchForm(data=stored)
    if not form.is_valid():
        return render(request, "cases/search.html", {"title": "Find a case", "form": form})
    data = form.cleaned_data
    try:
        results = selectors.crime_search(
            user=request.user,
            purpose=data["purpose"].strip(),
            crn=data["crn"],
            name=data["name"],
            date_of_birth=data.get("date_of_birth"),
            phone=data["phone"],
            request=request,
        )
    except ValidationError as error:
        for key, texts in service_errors(error).items():
            for text in texts:
                form.add_error(key if key in form.fields else "crn", text)
        return render(request, "cases/search.html", {"title": "Find a case", "form": form})
    return render(
        request,
        "cases/search.html",
        {"title": "Find a case", "form": form, "searched": True, "results": results},
    )
