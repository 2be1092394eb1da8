"""Staff pages of messaging: send a template message from a case (preview and
safe-contact verdict first), the Victim Focus Desk's contact tasks, marking a
task done, and confirming a safe channel with a victim.

Views parse, call one service or selector, and render. Access is the policy's
(cases and messaging permissions): anyone who may not see a case or a task
gets the ordinary 404. URLs carry numeric ids only. Lists of messages and
tasks show no names or contact details; the compose page names the people on
the case (audited, like the case page) and the preview shows where the message
goes (audited by `selectors.message_preview`).
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from victimcare.accounts.models import User
from victimcare.accounts.views import permission_required_or_404
from victimcare.cases.models import Crime, CrimeVictim, Victim
from victimcare.cases.selectors import access_crime
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction
from victimcare.duties.constants import OWED_STATES
from victimcare.duties.models import Duty
from victimcare.duties.views import shorten, victim_labels, when

from . import dispatch, selectors, wording
from .constants import Channel, Status, TaskKind
from .forms import ComposeForm, TaskDoneForm
from .models import ContactTask

MESSAGE_QUEUED = "Message queued: it will be sent when it is safe to send"
TASK_DONE = "Contact task marked as done"
SAFE_CHANNEL_CONFIRMED = "Safe channel confirmed with the victim"

# How each status reads on the case page's timeline (queued covers every
# status before the provider has it).
STATUS_TAGS: dict[str, tuple[str, str]] = {
    Status.PENDING: ("Queued", "govuk-tag--grey"),
    Status.CLAIMED: ("Queued", "govuk-tag--grey"),
    Status.SENDING: ("Queued", "govuk-tag--grey"),
    Status.TEMPORARY_FAILURE: ("Queued", "govuk-tag--grey"),
    Status.SENT: ("Sent", "govuk-tag--blue"),
    Status.DELIVERED: ("Delivered", "govuk-tag--green"),
    Status.PERMANENT_FAILURE: ("Failed", "govuk-tag--red"),
    Status.NEEDS_ATTENTION: ("Needs attention", "govuk-tag--orange"),
    Status.CANCELLED: ("Cancelled", "govuk-tag--grey"),
}


def _purposes() -> dict[str, str]:
    try:
        return {t.code: t.purpose for t in wording.templates().values()}
    except wording.TemplateError:
        return {}


def status_tag(status: str) -> dict[str, str]:
    text, classes = STATUS_TAGS.get(status, (status, "govuk-tag--grey"))
    return {"text": text, "classes": classes}


# --- On the case page -------------------------------------------------------------------


def timeline_items(*, user: User, crime: Crime) -> list[dict[str, Any]]:
    """The crime's messages as MOJ timeline items (status tag, channel, purpose,
    and a cancellation's reason). No recipient or body is read."""
    purposes = _purposes()
    items = []
    for message in selectors.crime_messages(user=user, crime=crime):
        tag = status_tag(message.status)
        parts = [
            f'<strong class="govuk-tag {escape(tag["classes"])}">{escape(tag["text"])}</strong>'
        ]
        if message.status == Status.CANCELLED and message.safety_reason:
            parts.append(f'<p class="govuk-body">Not sent: {escape(message.safety_reason)}</p>')
        if message.language != "en":
            parts.append(f'<p class="govuk-body">Language: {escape(message.language)}</p>')
        label = dispatch.channel_label(message.channel)
        purpose = purposes.get(message.template_code, message.template_code)
        items.append(
            {
                "label": {"text": f"{label}: {purpose}"},
                "byline": {"text": "Message to the victim"},
                "datetime": {
                    "timestamp": message.created_at.isoformat(),
                    "text": when(message.created_at),
                },
                "html": mark_safe("".join(parts)),  # noqa: S308 (every part escaped above)  # nosec B308, B703  # nosemgrep: vc-mark-safe-non-literal
                "id": f"message-{message.pk}",
            }
        )
    return items


def timeline_merge(*lists: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """MOJ timeline items of several kinds in one list, newest first."""
    items = [item for items in lists for item in items]
    return sorted(
        items,
        key=lambda item: dt.datetime.fromisoformat(item["datetime"]["timestamp"]),
        reverse=True,
    )


def safe_channel_rows(*, crime: Crime, victims: list[Any]) -> dict[int, dict[str, Any]]:
    """For the case page: per person, whether a safe channel must be confirmed
    before automated messages, and the confirmation (who, when)."""
    people = [getattr(v, "victim", v) for v in victims]
    states = selectors.safe_channel_states(crime=crime, victims=people)
    return {
        victim_id: {
            "needed": state.needed,
            "confirmed": bool(state.confirmed_at),
            "text": (
                f"Safe channel confirmed with the victim {when(state.confirmed_at)}"
                + (f" by {state.confirmed_by}" if state.confirmed_by else "")
                + "."
            )
            if state.confirmed_at
            else "Restricted case: no automated messages until a safe channel is "
            "confirmed with the victim.",
            "href": reverse("messaging:safe-channel", args=[crime.pk, victim_id]),
        }
        for victim_id, state in states.items()
        if state.needed
    }


# --- Send a message ---------------------------------------------------------------------


def _duty_choices(user: User, crime: Crime) -> list[tuple[str, str]]:
    labels = victim_labels([crime.pk])
    duties = (
        Duty.objects.filter(crime=crime, state__in=OWED_STATES)
        .select_related("rule", "crime", "owner_organisation")
        .order_by("due_at", "pk")
    )
    return [
        (
            str(d.pk),
            f"{shorten(d.rule.duty, 70)} – {labels.get((crime.pk, d.victim_id), 'Victim')}, "
            f"due {when(d.due_at)}",
        )
        for d in duties
        if dispatch.message_fulfils(d.rule.code) and user.has_perm("duties.act_on_duty", d)
    ]


def _people(request: HttpRequest, crime: Crime) -> list[Victim]:
    people = selectors.crime_victims(crime=crime)
    for victim in people:
        # The page names each person: a consultation of their data (DPA 2018 s.62).
        audit_record(
            action=AuditAction.VIEW,
            request=request,
            object_type="cases.crime",
            object_id=crime.pk,
            subject_type="cases.victim",
            subject_id=victim.pk,
            purpose="send a message",
        )
    return people


def _field_for(key: str) -> str | None:
    return {"victim": "victim", "template": "template", "channel": "channel", "duty": "duty"}.get(
        key
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def compose(request: HttpRequest, crime_id: int) -> HttpResponse:
    """Choose a person, a message and a channel; preview it with the safe-contact
    verdict; send it (dispatch.message_send_by_staff). For people who may record
    events on the crime."""
    crime = access_crime(user=request.user, crime_id=crime_id)
    if not request.user.has_perm("cases.record_event", crime):
        raise Http404("No such page.")
    people = _people(request, crime)
    roles = dict(CrimeVictim.objects.filter(crime=crime).values_list("victim_id", "role"))
    role_names = dict(CrimeVictim._meta.get_field("role").choices)  # type: ignore[arg-type]
    form_kwargs = {
        "victims": [
            (str(v.pk), f"{v.full_name} ({str(role_names.get(roles.get(v.pk), '')).lower()})")
            for v in people
        ],
        "templates": selectors.template_choices(),
        "channels": [(c.value, c.label) for c in Channel],
        "duties": _duty_choices(request.user, crime),
    }
    action = request.POST.get("action", "") if request.method == "POST" else ""
    preview = None
    token = request.POST.get("token", "") if request.method == "POST" else ""
    if not (token.isascii() and token.replace("-", "").replace("_", "").isalnum()):
        token = ""
    if not (20 <= len(token) <= 64):
        token = secrets.token_urlsafe(24)
    if request.method == "POST":
        form = ComposeForm(request.POST, **form_kwargs)
    else:
        first = people[0] if people else None
        initial = {}
        if first is not None:
            initial["victim"] = str(first.pk)
            if first.preferred_channel in dispatch.AUTOMATED_CHANNELS:
                initial["channel"] = first.preferred_channel
        form = ComposeForm(initial=initial, **form_kwargs)
    if request.method == "POST" and form.is_valid():
        victim = next(v for v in people if str(v.pk) == form.cleaned_data["victim"])
        template_code = form.cleaned_data["template"]
        channel = form.cleaned_data["channel"]
        if action == "send":
            try:
                dispatch.message_send_by_staff(
                    actor=request.user,
                    crime=crime,
                    victim=victim,
                    template_code=template_code,
                    channel=channel,
                    token=token,
                    duty_id=form.duty_id(),
                    request=request,
                )
            except PermissionDenied as denied:
                raise Http404("No such page.") from denied
            except ValidationError as error:
                for key, texts in error.message_dict.items():
                    for text in texts:
                        form.add_error(_field_for(key), text)
            else:
                messages.success(request, MESSAGE_QUEUED)
                return redirect(reverse("cases:case", args=[crime.pk]) + "#timeline")
        if not form.errors:
            duty = (
                Duty.objects.filter(pk=form.duty_id(), crime=crime).first()
                if form.duty_id()
                else None
            )
            try:
                preview = selectors.message_preview(
                    user=request.user,
                    crime=crime,
                    victim=victim,
                    template_code=template_code,
                    channel=channel,
                    duty=duty,
                    request=request,
                )
            except wording.TemplateError as error:
                form.add_error("template", dispatch.ERROR_TEMPLATE.format(problem=str(error)))
    return render(
        request,
        "messaging/compose.html",
        {
            "title": "Send a message",
            "crime": crime,
            "form": form,
            "preview": _preview_context(preview) if preview is not None else None,
            "token": token,
            "has_people": bool(people),
        },
    )


def _preview_context(preview: selectors.Preview) -> dict[str, Any]:
    body, line = preview.body, preview.interpreter_line
    if line and body.startswith(line):
        body = body[len(line) :].lstrip("\n")
    return {
        "verdict": preview.verdict,
        "verdict_text": preview.verdict_text,
        "recipient": preview.recipient,
        "channel_label": preview.channel_label,
        "subject": preview.subject,
        "paragraphs": [p.splitlines() for p in body.split("\n\n") if p.strip()],
        "language": preview.language,
        "direction": wording.text_direction(preview.language),
        "interpreter_line": line,
        "interpreter_language": preview.interpreter_language,
        "interpreter_direction": wording.text_direction(preview.interpreter_language or "en"),
        "review_status": preview.review_status,
        "template": f"{preview.template_code} v{preview.template_version}",
    }


# --- Contact tasks ----------------------------------------------------------------------


def task_rows(tasks: list[ContactTask], *, show_assignee: bool = False) -> list[dict[str, Any]]:
    """Table rows for contact tasks: case, a non-identifying person label, why, since when."""
    labels = victim_labels(t.crime_id for t in tasks)
    kinds = dict(TaskKind.choices)
    rows = []
    for task in tasks:
        rows.append(
            {
                "id": task.pk,
                "crn": task.crime.crn,
                "case_href": reverse("cases:case", args=[task.crime_id]),
                "offence": task.crime.offence.name,
                "victim_label": labels.get((task.crime_id, task.victim_id), "Victim"),
                "kind": kinds.get(task.kind, task.kind),
                "kind_code": task.kind,
                "reason": task.reason,
                "created": when(task.created_at),
                "created_iso": task.created_at.isoformat(),
                "duty_href": reverse("duties:duty", args=[task.duty_id]) if task.duty_id else "",
                # A desk escalation's reason is encrypted on the escalation: its own
                # (audited) page, for the person asked to act.
                "detail_href": reverse("desk:escalation", args=[task.pk])
                if task.kind == TaskKind.DESK_ESCALATION
                else reverse("referrals:problem", args=[task.pk])
                if task.kind == TaskKind.REFERRAL_DATA_PROBLEM
                else "",
                "done_href": reverse("messaging:task-done", args=[task.pk]),
                "assignee": (task.assignee.full_name if task.assignee_id else "Not assigned")
                if show_assignee
                else "",
            }
        )
    return rows


def worklist_tasks(*, user: User) -> list[dict[str, Any]]:
    """The person's open contact tasks as rows, for the "Owed to victims" worklist."""
    return task_rows(selectors.tasks_for_assignee(user=user))


@never_cache
@permission_required_or_404("messaging.view_desk_tasks")
def tasks(request: HttpRequest) -> HttpResponse:
    """Victim Focus Desk: every open contact task of the cases the person may view."""
    rows = task_rows(selectors.tasks_for_desk(user=request.user), show_assignee=True)
    return render(
        request,
        "messaging/tasks.html",
        {"title": "Contact tasks", "rows": rows, "limit": selectors.TASK_LIMIT},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def task_done(request: HttpRequest, task_id: int) -> HttpResponse:
    """Say what was done about a contact task, and mark it done (dispatch.task_mark_done)."""
    task = selectors.access_task(user=request.user, task_id=task_id)
    if not request.user.has_perm("messaging.act_on_task", task):
        raise Http404("No such page.")
    form = TaskDoneForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            dispatch.task_mark_done(
                actor=request.user, task=task, note=form.cleaned_data["note"], request=request
            )
        except PermissionDenied as denied:
            raise Http404("No such page.") from denied
        except ValidationError as error:
            for key, texts in error.message_dict.items():
                for text in texts:
                    form.add_error("note" if key == "note" else None, text)
        else:
            messages.success(request, TASK_DONE)
            back = "messaging:tasks" if request.user.has_perm("messaging.view_desk_tasks") else None
            return redirect(back or "duties:worklist")
    return render(
        request,
        "messaging/task_done.html",
        {
            "title": "Mark the contact task as done",
            "form": form,
            "task": task,
            "row": task_rows([task])[0],
        },
    )


# --- Safe channel confirmed --------------------------------------------------------------


@never_cache
@login_required
@require_POST
def safe_channel(request: HttpRequest, crime_id: int, victim_id: int) -> HttpResponse:
    """Record that a safe channel was confirmed with the victim (dispatch.safe_channel_confirm)."""
    crime = access_crime(user=request.user, crime_id=crime_id)
    victim = Victim.objects.filter(pk=victim_id, crime_links__crime=crime).first()
    if victim is None:
        raise Http404("No such page.")
    try:
        dispatch.safe_channel_confirm(
            actor=request.user, crime=crime, victim=victim, request=request
        )
    except PermissionDenied as denied:
        raise Http404("No such page.") from denied
    messages.success(request, SAFE_CHANNEL_CONFIRMED)
    return redirect("cases:case", crime_id=crime.pk)
