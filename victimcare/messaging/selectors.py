"""Reads of messages and contact tasks, scoped to what the acting person may see.

Lists of messages and tasks never decrypt a recipient or a body: they show the
channel, template, status and rule names. The one read that shows personal
data — a message's preview, with the victim's name and number — writes a VIEW
audit entry (DPA 2018 s.62), like the case page does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpRequest

from victimcare.accounts.models import User
from victimcare.cases.models import Crime, CrimeVictim, Victim
from victimcare.cases.selectors import crime_list_for_user
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction

from . import wording
from .constants import RecipientKind, TaskState
from .dispatch import channel_label, message_prepare
from .models import ContactTask, OutboundMessage
from .safety import Verdict, crime_is_restricted, send_time_verdict, verdict_text

TASK_LIMIT = 200


def crime_messages(*, user: User, crime: Crime) -> list[OutboundMessage]:
    """The crime's messages to victims, newest first (no recipient or body read).

    Http404 if `user` may not view the crime."""
    if not user.has_perm("cases.view_crime", crime):
        raise Http404("No such crime.")
    return list(
        OutboundMessage.objects.filter(crime=crime, recipient_kind=RecipientKind.VICTIM)
        .defer("recipient", "subject", "body")
        .order_by("-created_at", "-pk")
    )


def tasks_for_assignee(*, user: User, limit: int = TASK_LIMIT) -> list[ContactTask]:
    """The person's open contact tasks (they are the officer in the case), oldest first."""
    if not user.is_authenticated:
        return []
    rows = (
        ContactTask.objects.filter(assignee=user, state=TaskState.OPEN)
        .select_related("crime", "crime__offence", "crime__team", "message")
        .defer("message__recipient", "message__subject", "message__body")
        .order_by("created_at", "pk")[:limit]
    )
    return [t for t in rows if user.has_perm("cases.view_crime", t.crime)]


def tasks_for_desk(*, user: User, limit: int = TASK_LIMIT) -> list[ContactTask]:
    """Every open contact task of the crimes the desk person may view (their
    force's unrestricted cases and any shared with them), oldest first.
    Http404 for anyone who is not Victim Focus Desk staff."""
    if not user.has_perm("messaging.view_desk_tasks"):
        raise Http404("No such page.")
    return list(
        ContactTask.objects.filter(
            state=TaskState.OPEN, crime__in=crime_list_for_user(user=user).values("pk")
        )
        .select_related("crime", "crime__offence", "assignee", "message")
        .defer("message__recipient", "message__subject", "message__body")
        .order_by("created_at", "pk")[:limit]
    )


def access_task(*, user: User, task_id: int) -> ContactTask:
    """The task, if the person may view its crime; Http404 for missing and forbidden alike."""
    task = (
        ContactTask.objects.select_related("crime", "crime__offence", "crime__team", "assignee")
        .filter(pk=task_id)
        .first()
    )
    if task is None or not user.has_perm("messaging.view_task", task):
        raise Http404("No such task.")
    return task


def crime_victims(*, crime: Crime) -> list[Victim]:
    """The people on the crime, primary contact first (for choosing a recipient)."""
    return [
        link.victim
        for link in CrimeVictim.objects.filter(crime=crime)
        .select_related("victim")
        .order_by("-is_primary_contact", "added_at", "pk")
    ]


def template_choices() -> list[tuple[str, str]]:
    """(code, purpose) of every template, by purpose."""
    return sorted(
        ((t.code, t.purpose) for t in wording.templates().values()), key=lambda c: c[1].lower()
    )


@dataclass(frozen=True)
class Preview:
    """A message as it would be sent now, and whether it may be."""

    victim: Victim
    channel: str
    channel_label: str
    recipient: str
    subject: str
    body: str
    language: str
    interpreter_offer: bool
    interpreter_line: str  # at the start of `body`, in `interpreter_language`
    interpreter_language: str
    review_status: str
    verdict: Verdict
    verdict_text: str
    template_code: str
    template_version: int


def message_preview(
    *,
    user: User,
    crime: Crime,
    victim: Victim,
    template_code: str,
    channel: str,
    duty: Any = None,
    request: HttpRequest | None = None,
) -> Preview:
    """What `template_code` would say to `victim` by `channel`, and the safe-contact
    verdict now (queue-time rules, plus safe hours), in plain words.

    For people who may record events on the crime (Http404 otherwise, or if the
    person is not on it). Raises wording.TemplateError if it cannot be
    rendered. Shows the victim's name and number or address, so writes a VIEW
    audit entry."""
    if not user.has_perm("cases.record_event", crime):
        raise Http404("No such crime.")
    if not CrimeVictim.objects.filter(crime=crime, victim=victim).exists():
        raise Http404("No such person.")
    fresh = Victim.objects.get(pk=victim.pk)
    prepared = message_prepare(
        crime=crime,
        victim=fresh,
        template_code=template_code,
        channel=channel,
        event=getattr(duty, "event", None),
        duty=duty,
    )
    # The send-time rules on an unsaved message: everything the outbox will check.
    probe = OutboundMessage(
        channel=channel,
        recipient_kind=RecipientKind.VICTIM,
        recipient=prepared.recipient,
        crime=crime,
        victim=fresh,
    )
    verdict = send_time_verdict(message=probe)
    label = channel_label(channel)
    audit_record(
        action=AuditAction.VIEW,
        request=request,
        actor=user,
        object_type="cases.crime",
        object_id=crime.pk,
        subject_type="cases.victim",
        subject_id=victim.pk,
        purpose="preview a message",
        detail={"template": template_code, "channel": channel},
    )
    rendered = prepared.rendered
    return Preview(
        victim=fresh,
        channel=channel,
        channel_label=label,
        recipient=prepared.recipient,
        subject=rendered.subject or getattr(rendered, "title", ""),
        body=rendered.body,
        language=rendered.language,
        interpreter_offer=rendered.interpreter_offer,
        interpreter_line=getattr(rendered, "interpreter_line", ""),
        interpreter_language=getattr(rendered, "interpreter_language", ""),
        review_status=rendered.review_status,
        verdict=verdict,
        verdict_text=verdict_text(verdict=verdict, channel_label=label),
        template_code=rendered.template_code,
        template_version=rendered.version,
    )


@dataclass(frozen=True)
class SafeChannelState:
    victim_id: int
    needed: bool  # a restricted case: automated messages wait for a confirmation
    confirmed_at: dt.datetime | None
    confirmed_by: str


def safe_channel_states(*, crime: Crime, victims: list[Victim]) -> dict[int, SafeChannelState]:
    """For each person on the case page: whether a safe channel must be confirmed
    before any automated message (any crime of theirs is restricted), and by
    whom and when it was. Reads only unencrypted columns (and staff names)."""
    ids = [v.pk for v in victims]
    restricted_ids = set()
    links = CrimeVictim.objects.filter(victim_id__in=ids).select_related("crime__offence")
    for link in links:
        if crime_is_restricted(link.crime):
            restricted_ids.add(link.victim_id)
    rows = Victim.objects.filter(pk__in=ids).values(
        "pk", "safe_channel_confirmed_at", "safe_channel_confirmed_by__full_name"
    )
    return {
        row["pk"]: SafeChannelState(
            victim_id=row["pk"],
            needed=row["pk"] in restricted_ids,
            confirmed_at=row["safe_channel_confirmed_at"],
            confirmed_by=row["safe_channel_confirmed_by__full_name"] or "",
        )
        for row in rows
    }
