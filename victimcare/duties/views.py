"""Duties pages: "Owed to victims" (a person's worklist), the team's duties for
supervisors, one duty with why it exists, and saying a duty does not apply.

Views parse, call one selector or service, and render. Access is the policy's
(duties/permissions.py) through `access_duty` and `has_perm`: anyone who may
not see a page or a duty gets the ordinary 404. URLs carry numeric ids only.

No page here shows a victim's name or contact details: a victim is "Victim" (or
"Person 2 (victim)" when the crime has several people), next to the CRN and
offence. What the worklist shows about contact — the preferred channel and the
safe-contact rules — is read from the victim's unencrypted rule columns only,
so reading it is not a view of personal data (the case page, which shows names,
audits every view).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from victimcare.accounts.models import User
from victimcare.accounts.views import permission_required_or_404
from victimcare.cases.constants import CONTACT_EVENTS, Channel, EventCode
from victimcare.cases.models import CrimeVictim, Victim
from victimcare.cases.permissions import recordable_event_codes
from victimcare.core.audit import audit_record_views

from . import selectors, services
from .calendar import LONDON, local_day
from .constants import Clock, DeadlineKind, DutyState, NotificationKind, Owner
from .forms import NotApplicableForm
from .models import Duty, DutyNotification

# The worklist and the home page are for people whose work is cases (police,
# desk, partner and support staff); analysts and administrators owe no duties.
WORKLIST_PERMISSION = "duties.view_worklist"
HOME_ROWS = 5
SHORT_DUTY = 90
NOT_APPLICABLE_DONE = "Duty marked as not applicable"
NOTIFICATION_READ = "Notification marked as read"

LANGUAGE_NAMES = {
    "en": "English",
    "ar": "Arabic",
    "bn": "Bengali",
    "zh": "Chinese",
    "fr": "French",
    "gu": "Gujarati",
    "it": "Italian",
    "lt": "Lithuanian",
    "pa": "Punjabi",
    "pl": "Polish",
    "pt": "Portuguese",
    "ro": "Romanian",
    "so": "Somali",
    "es": "Spanish",
    "ta": "Tamil",
    "tr": "Turkish",
    "ur": "Urdu",
}

# The victim's columns the worklist may read: channel and safe-contact rules, no names.
CONTACT_RULE_FIELDS = (
    "pk",
    "preferred_channel",
    "language",
    "interpreter_needed",
    "wants_updates",
    "safe_to_call",
    "safe_to_text",
    "safe_to_email",
    "safe_for_letters",
    "voicemail_allowed",
    "safe_from",
    "safe_until",
    "contact_only_if_victim_initiates",
)


# --- Formatting -------------------------------------------------------------------------


def _local(value: dt.datetime) -> dt.datetime:
    return value.astimezone(LONDON)


def when(value: dt.datetime | None, *, weekday: bool = False) -> str:
    """A moment in London time, as GOV.UK writes it: 29 December 2026 at 23:59."""
    if value is None:
        return ""
    return _local(value).strftime(("%A " if weekday else "") + "%-d %B %Y at %H:%M")


def day_text(value: dt.date) -> str:
    return value.strftime("%A %-d %B %Y")


def shorten(text: str, limit: int = SHORT_DUTY) -> str:
    """The duty text cut at a word, for tables (the duty page shows it all)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:.") + "…"


def due_tag(duty: Duty, now: dt.datetime) -> dict[str, str] | None:
    """Overdue (red), due today (yellow) or due tomorrow (blue); None otherwise.

    A duty past its deadline is overdue here even before the overdue sweep has run."""
    if not duty.owed:
        return None
    if duty.state == DutyState.OVERDUE or duty.due_at < now:
        return {"text": "Overdue", "classes": "govuk-tag--red"}
    today = local_day(now)
    due_day = local_day(duty.due_at)
    if due_day == today:
        return {"text": "Due today", "classes": "govuk-tag--yellow"}
    if due_day == today + dt.timedelta(days=1):
        return {"text": "Due tomorrow", "classes": "govuk-tag--blue"}
    return None


STATE_TAG_CLASSES = {
    DutyState.OPEN: "govuk-tag--blue",
    DutyState.OVERDUE: "govuk-tag--red",
    DutyState.DONE: "govuk-tag--green",
    DutyState.NOT_APPLICABLE: "govuk-tag--grey",
    DutyState.REPLACED: "govuk-tag--grey",
}


def state_tag(duty: Duty, now: dt.datetime) -> dict[str, str]:
    if duty.owed and (duty.state == DutyState.OVERDUE or duty.due_at < now):
        return {"text": "Overdue", "classes": STATE_TAG_CLASSES[DutyState.OVERDUE]}
    if duty.state == DutyState.DONE:
        return {
            "text": "Done on time" if duty.on_time else "Done late",
            "classes": "govuk-tag--green" if duty.on_time else "govuk-tag--orange",
        }
    return {
        "text": DutyState(duty.state).label if duty.state != DutyState.REPLACED else "Replaced",
        "classes": STATE_TAG_CLASSES.get(duty.state, "govuk-tag--grey"),
    }


def contact_warnings(rules: dict[str, Any]) -> list[str]:
    """The safe-contact rules that restrict contact, as short instructions."""
    warnings = []
    if rules.get("contact_only_if_victim_initiates"):
        warnings.append("Only if the victim gets in touch")
    if not rules.get("wants_updates", True):
        warnings.append("Does not want updates")
    if not rules.get("safe_to_call", True):
        warnings.append("Do not call")
    if not rules.get("voicemail_allowed", True):
        warnings.append("Do not leave voicemail")
    if not rules.get("safe_to_text", True):
        warnings.append("Do not text")
    if not rules.get("safe_to_email", True):
        warnings.append("Do not email")
    if not rules.get("safe_for_letters", True):
        warnings.append("No letters home")
    safe_from, safe_until = rules.get("safe_from"), rules.get("safe_until")
    if safe_from and safe_until:
        warnings.append(f"Only between {safe_from:%H:%M} and {safe_until:%H:%M}")
    elif safe_from:
        warnings.append(f"Only after {safe_from:%H:%M}")
    elif safe_until:
        warnings.append(f"Only before {safe_until:%H:%M}")
    return warnings


def _channel_text(rules: dict[str, Any]) -> str:
    channel = dict(Channel.choices).get(rules.get("preferred_channel", ""), "")
    language = rules.get("language") or "en"
    if rules.get("interpreter_needed"):
        return f"{channel}, with a {LANGUAGE_NAMES.get(language, language)} interpreter"
    if language != "en":
        return f"{channel}, in {LANGUAGE_NAMES.get(language, language)}"
    return channel


# --- Small read helpers (no personal data) ------------------------------------------------


def victim_labels(crime_ids: Iterable[int]) -> dict[tuple[int, int], str]:
    """A non-identifying label for each person on each crime, in the case page's order."""
    links = (
        CrimeVictim.objects.filter(crime_id__in=set(crime_ids))
        .order_by("crime_id", "-is_primary_contact", "added_at", "pk")
        .values_list("crime_id", "victim_id", "role")
    )
    by_crime: dict[int, list[tuple[int, str]]] = {}
    for crime_id, victim_id, role in links:
        by_crime.setdefault(crime_id, []).append((victim_id, role))
    labels = {}
    for crime_id, people in by_crime.items():
        for number, (victim_id, role) in enumerate(people, start=1):
            role_text = dict(CrimeVictim._meta.get_field("role").choices).get(role, role)
            labels[(crime_id, victim_id)] = (
                str(role_text)
                if len(people) == 1
                else f"Person {number} ({str(role_text).lower()})"
            )
    return labels


def contact_rules(victim_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Each victim's preferred channel and safe-contact rules: unencrypted columns only."""
    return {
        row["pk"]: row
        for row in Victim.objects.filter(pk__in=set(victim_ids)).values(*CONTACT_RULE_FIELDS)
    }


@dataclass(frozen=True)
class DutyRow:
    duty: Duty
    href: str
    case_href: str
    crn: str
    offence: str
    victim_label: str
    what: str
    right: int
    due: str
    due_iso: str
    due_tag: dict[str, str] | None
    state_tag: dict[str, str]
    channel: str
    warnings: list[str]
    assignee: str


def duty_rows(duties: list[Duty], *, now: dt.datetime) -> list[DutyRow]:
    """Table rows for duties (crime, offence and rule loaded), with contact rules."""
    labels = victim_labels(d.crime_id for d in duties)
    rules = contact_rules(d.victim_id for d in duties)
    rows = []
    for duty in duties:
        contact = rules.get(duty.victim_id, {})
        assignee = getattr(duty, "assignee", None) if duty.assignee_id else None
        rows.append(
            DutyRow(
                duty=duty,
                href=reverse("duties:duty", args=[duty.pk]),
                case_href=reverse("cases:case", args=[duty.crime_id]),
                crn=duty.crime.crn,
                offence=duty.crime.offence.name,
                victim_label=labels.get((duty.crime_id, duty.victim_id), "Victim"),
                what=shorten(duty.rule.duty),
                right=duty.right,
                due=when(duty.due_at),
                due_iso=_local(duty.due_at).isoformat(),
                due_tag=due_tag(duty, now),
                state_tag=state_tag(duty, now),
                channel=_channel_text(contact),
                warnings=contact_warnings(contact),
                assignee=assignee.full_name if assignee is not None else "Not assigned",
            )
        )
    return rows


def may_see_worklist(user: Any) -> bool:
    return bool(user.is_authenticated and user.has_perm(WORKLIST_PERMISSION))


def worklist_summary(*, user: User, now: dt.datetime | None = None) -> dict[str, Any] | None:
    """For the home page: counts of what the person owes and the first few rows, or None
    for people who owe no duties (analysts, administrators)."""
    if not may_see_worklist(user):
        return None
    now = now or timezone.now()
    duties = selectors.worklist_for_user(user=user)
    rows = duty_rows(duties[:HOME_ROWS], now=now)
    overdue = sum(1 for d in duties if d.state == DutyState.OVERDUE or d.due_at < now)
    today_end = local_day(now)
    due_today = sum(
        1
        for d in duties
        if d.state == DutyState.OPEN and d.due_at >= now and local_day(d.due_at) == today_end
    )
    return {
        "count": len(duties),
        "overdue": overdue,
        "due_today": due_today,
        "rows": rows,
        "more": len(duties) > HOME_ROWS,
        "unread": len(selectors.unread_notifications(user=user)),
        "href": reverse("duties:worklist"),
    }


def _notification_rows(notifications: list[DutyNotification]) -> list[dict[str, Any]]:
    rows = []
    for note in notifications:
        duty = note.duty
        rows.append(
            {
                "id": note.pk,
                "escalation": note.kind == NotificationKind.ESCALATION,
                "title": "Overdue duty escalated to you"
                if note.kind == NotificationKind.ESCALATION
                else "Reminder: due by the end of the next working day",
                "crn": duty.crime.crn,
                "href": reverse("duties:duty", args=[duty.pk]),
                "due": when(duty.due_at),
                "created": when(note.created_at),
                "created_iso": _local(note.created_at).isoformat(),
                "read_href": reverse("duties:notification-read", args=[note.pk]),
            }
        )
    return rows


# --- Owed to victims -------------------------------------------------------------------


def _audit_listed_victims(request: HttpRequest, duties: Iterable[Duty], *, page: str) -> None:
    """The rows show each victim's preferred channel, language, interpreter need
    and safe-contact rules (no names or contact details): a read of their
    personal data, audited once per victim listed (one bulk write)."""
    audit_record_views(
        request=request,
        subject_type="cases.victim",
        subject_ids=[d.victim_id for d in duties],
        object_type="duties.worklist",
        detail={"page": page},
    )


@never_cache
@permission_required_or_404(WORKLIST_PERMISSION)
def worklist(request: HttpRequest) -> HttpResponse:
    """The person's owed duties, overdue first, then by deadline; their unread notifications."""
    # Imported here: messaging's pages reuse this module's formatting helpers.
    from victimcare.messaging import views as messaging_views

    now = timezone.now()
    duties = selectors.worklist_for_user(user=request.user)
    _audit_listed_victims(request, duties, page="worklist")
    return render(
        request,
        "duties/worklist.html",
        {
            "title": "Owed to victims",
            "rows": duty_rows(duties, now=now),
            "notifications": _notification_rows(selectors.unread_notifications(user=request.user)),
            "limit": selectors.WORKLIST_LIMIT,
            "tasks": messaging_views.worklist_tasks(user=request.user),
        },
    )


@never_cache
@login_required
@require_POST
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark one of the person's own notifications as read (anyone else's is a 404)."""
    if not services.notification_mark_read(user=request.user, notification_id=notification_id):
        raise Http404("No such page.")
    messages.success(request, NOTIFICATION_READ)
    return redirect("duties:worklist")


# --- The team's duties --------------------------------------------------------------------


@never_cache
@permission_required_or_404("duties.view_team_duties")
def team(request: HttpRequest) -> HttpResponse:
    """A supervisor's view of their organisation's (and those below it) owed duties."""
    now = timezone.now()
    duties = selectors.team_duties(user=request.user, now=now)
    _audit_listed_victims(request, duties.rows, page="team")
    return render(
        request,
        "duties/team.html",
        {
            "title": "Team duties",
            "team": duties,
            "rows": duty_rows(duties.rows, now=now),
            "organisation": request.user.organisation,
            "limit": selectors.WORKLIST_LIMIT,
        },
    )


# --- One duty -----------------------------------------------------------------------------


def _deadline_text(duty: Duty) -> str:
    amount = duty.deadline_amount
    standard = "enhanced rights" if duty.enhanced else "standard"
    if duty.deadline_kind == DeadlineKind.WORKING_DAYS:
        unit = "working day" if amount == 1 else "working days"
        return f"{amount} {unit} ({standard})"
    if duty.deadline_kind == DeadlineKind.HOURS:
        return f"{amount} hours ({standard})"
    return f"Every {amount} days, as agreed in the contact plan ({standard})"


def counting_rows(duty: Duty, explain: dict[str, Any]) -> list[dict[str, str]]:
    """Day 0, then each day up to the deadline: counted, or skipped and why."""
    start = dt.date.fromisoformat(explain["started_day"])
    rows = [
        {"date": day_text(start), "iso": start.isoformat(), "counts": "Day 0: the clock starts"}
    ]
    if duty.deadline_kind != DeadlineKind.WORKING_DAYS:
        return rows
    skipped = {s["date"]: s["reason"] for s in explain["skipped_days"]}
    due_day = local_day(duty.due_at)
    day, counted = start, 0
    while day < due_day:
        day += dt.timedelta(days=1)
        if day.isoformat() in skipped:
            text = f"Not counted: {skipped[day.isoformat()]}"
        else:
            counted += 1
            text = f"Working day {counted}"
            if day == due_day:
                text += ": the deadline"
        rows.append({"date": day_text(day), "iso": day.isoformat(), "counts": text})
    return rows


def _clock_text(duty: Duty) -> str:
    if duty.previous_id:
        return "when the last regular update was given"
    if duty.rule.clock == Clock.RECEIVED:
        return f"when {duty.owner_organisation.name} learned of the event"
    return "when the event happened"


def _label_for(duty: Duty) -> str:
    return victim_labels([duty.crime_id]).get((duty.crime_id, duty.victim_id), "Victim")


def _brief(duty: Duty, now: dt.datetime) -> dict[str, Any]:
    return {
        "href": reverse("duties:duty", args=[duty.pk]),
        "what": shorten(duty.rule.duty),
        "due": when(duty.due_at),
        "state": state_tag(duty, now),
        "id": duty.pk,
    }


def may_record_contact(user: User, duty: Duty) -> bool:
    """Whether the person may record a contact on the duty's crime (the record-event page)."""
    return any(
        code in CONTACT_EVENTS for code in recordable_event_codes(user=user, crime=duty.crime)
    )


@never_cache
@login_required
def duty_view(request: HttpRequest, duty_id: int) -> HttpResponse:
    """What is owed, to whom, by whom and when; why it exists; what happened to it."""
    duty = selectors.access_duty(user=request.user, duty_id=duty_id)
    now = timezone.now()
    explain = selectors.duty_explain(duty=duty)
    history = selectors.duty_history(duty=duty)
    may_act = duty.owed and request.user.has_perm("duties.act_on_duty", duty)
    completed = duty.completed_event
    return render(
        request,
        "duties/duty.html",
        {
            "title": f"Duty owed on case {duty.crime.crn}",
            "duty": duty,
            "short": shorten(duty.rule.duty),
            "victim_label": _label_for(duty),
            "owner": Owner(duty.owner).label,
            "state": state_tag(duty, now),
            "due": when(duty.due_at, weekday=True),
            "due_iso": _local(duty.due_at).isoformat(),
            "due_tag": due_tag(duty, now),
            "explain": explain,
            "event_label": EventCode(duty.event.code).label,
            "occurred": when(duty.event.occurred_at),
            "received": when(duty.event.received_at)
            if duty.event.received_at != duty.event.occurred_at
            else "",
            "deadline": _deadline_text(duty),
            "clock": _clock_text(duty),
            "started": when(duty.started_at),
            "counting": counting_rows(duty, explain),
            "history": [_brief(d, now) for d in history] if len(history) > 1 else [],
            "previous": _brief(duty.previous, now) if duty.previous_id else None,
            "following": [_brief(d, now) for d in duty.next_duties.select_related("rule")],
            "completed": {
                "at": when(duty.completed_at),
                "by": duty.completed_by.full_name if duty.completed_by_id else "",
                "event": EventCode(completed.code).label if completed else "",
                "event_at": when(completed.occurred_at) if completed else "",
            }
            if duty.state == DutyState.DONE
            else None,
            "closed": {
                "reason": duty.closed_reason,
                "by": duty.closed_by.full_name if duty.closed_by_id else "The system",
                "at": when(duty.closed_at),
            }
            if duty.state == DutyState.NOT_APPLICABLE
            else None,
            "may_act": may_act,
            "record_href": (
                reverse("cases:event-new", args=[duty.crime_id]) + f"?fulfils={duty.pk}"
            )
            if may_act and may_record_contact(request.user, duty)
            else None,
            "not_applicable_href": reverse("duties:not-applicable", args=[duty.pk])
            if may_act
            else None,
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def not_applicable(request: HttpRequest, duty_id: int) -> HttpResponse:
    """Say, with a reason, that an owed duty does not apply (services.duty_not_applicable)."""
    duty = selectors.access_duty(user=request.user, duty_id=duty_id)
    if not request.user.has_perm("duties.act_on_duty", duty):
        raise Http404("No such page.")
    if not duty.owed:
        # Nothing left to decide: the duty page says what happened to it.
        return redirect("duties:duty", duty_id=duty.pk)
    form = NotApplicableForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.duty_not_applicable(
                actor=request.user,
                duty=duty,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except PermissionDenied as denied:
            raise Http404("No such page.") from denied
        except ValidationError as error:
            for key, texts in error.message_dict.items():
                for text in texts:
                    form.add_error("reason" if key == "reason" else None, text)
        else:
            messages.success(request, NOT_APPLICABLE_DONE)
            return redirect("duties:duty", duty_id=duty.pk)
    return render(
        request,
        "duties/not_applicable.html",
        {
            "title": "Why does this duty not apply?",
            "form": form,
            "duty": duty,
            "short": shorten(duty.rule.duty),
            "victim_label": _label_for(duty),
        },
    )
