"""Reads of the desk's follow-ups: duties a call may complete, call backs,
escalations and the urgent texts a victim sent in answer to a feedback invitation.

Reading an escalation's reason (the officer's page) and an urgent text (the desk
case view) is each a VIEW audit entry with the victim as subject (DPA 2018 s.62).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.http import Http404, HttpRequest
from django.utils import timezone

from victimcare.accounts.models import User
from victimcare.cases.models import CrimeVictim
from victimcare.cases.selectors import crime_list_for_user
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction
from victimcare.duties.constants import OWED_STATES
from victimcare.duties.models import Duty
from victimcare.messaging.constants import TaskKind, TaskState
from victimcare.messaging.models import ContactTask, InboundSms
from victimcare.messaging.selectors import access_task

from .constants import CallBackState
from .models import CallBack, Escalation

QUEUE_ROWS = 200
# How a FEEDBACK_SAFETY task names the text it is about (feedback.sms.SAFETY_TASK_REASON:
# "... Read inbound text {inbound_id} and contact the victim safely.").
INBOUND_TEXT_ID = re.compile(r"\binbound text (\d+)\b")


def owed_duty_choices(*, user: User, link: CrimeVictim) -> list[tuple[str, str]]:
    """Checkbox choices of the duties owed to the person that `user` may complete
    by a contact: (duty id, what, right and deadline). No personal data."""
    from victimcare.duties.views import shorten, when

    duties = (
        Duty.objects.filter(crime=link.crime, victim_id=link.victim_id, state__in=OWED_STATES)
        .select_related("rule", "crime")
        .order_by("due_at", "pk")
    )
    now = timezone.now()
    return [
        (
            str(d.pk),
            f"{shorten(d.rule.duty)} (right {d.right}, due {when(d.due_at)}"
            + (", overdue)" if d.due_at < now else ")"),
        )
        for d in duties
        if user.has_perm("duties.act_on_duty", d)
    ]


def case_follow_ups(*, link: CrimeVictim) -> tuple[list[CallBack], list[Escalation]]:
    """The person's open call backs (soonest first) and open escalations on the case
    (an escalation is open while its contact task is)."""
    call_backs = list(
        CallBack.objects.filter(
            crime_id=link.crime_id, victim_id=link.victim_id, state=CallBackState.OPEN
        ).order_by("due_at", "pk")
    )
    escalations = list(
        Escalation.objects.filter(
            crime_id=link.crime_id, victim_id=link.victim_id, task__state=TaskState.OPEN
        )
        .select_related("assignee", "task")
        .order_by("-raised_at", "-pk")
    )
    return call_backs, escalations


def call_back_queue(*, user: User) -> list[CallBack]:
    """Open call backs on cases `user` may view, soonest due first (the overdue
    ones lead). Shows no personal data: the CRN, a label and the fixed reason."""
    return list(
        CallBack.objects.filter(state=CallBackState.OPEN, crime__in=crime_list_for_user(user=user))
        .select_related("crime", "assignee")
        .order_by("due_at", "pk")[:QUEUE_ROWS]
    )


def access_call_back(*, user: User, call_back_id: int) -> CallBack:
    """The call back if `user` may view its case; Http404 otherwise."""
    call_back = (
        CallBack.objects.filter(pk=call_back_id, crime__in=crime_list_for_user(user=user))
        .select_related("crime")
        .first()
    )
    if call_back is None:
        raise Http404("No such call back.")
    return call_back


def access_escalation(*, user: User, escalation_id: int) -> Escalation:
    """The escalation (case, task and people loaded) if `user` may view its case;
    Http404 otherwise. Reads no personal data by itself."""
    escalation = (
        Escalation.objects.filter(pk=escalation_id, crime__in=crime_list_for_user(user=user))
        .select_related("crime", "task", "assignee", "raised_by")
        .first()
    )
    if escalation is None:
        raise Http404("No such escalation.")
    return escalation


def escalation_for_task(*, user: User, task_id: int, request: HttpRequest | None) -> Escalation:
    """The escalation behind a DESK_ESCALATION task, for the person asked to act
    (or anyone who may act on the task: the desk, supervisors), with its reason.

    Http404 for a missing task, one of another kind, or anyone who may not act
    on it. Writes one VIEW audit entry with the victim as subject."""
    task = access_task(user=user, task_id=task_id)
    if task.kind != TaskKind.DESK_ESCALATION or not user.has_perm("messaging.act_on_task", task):
        raise Http404("No such escalation.")
    escalation = (
        Escalation.objects.filter(task=task)
        .select_related("crime", "crime__offence", "task", "assignee", "raised_by")
        .first()
    )
    if escalation is None:
        raise Http404("No such escalation.")
    audit_record(
        action=AuditAction.VIEW,
        request=request,
        actor=user,
        object_type="desk.escalation",
        object_id=escalation.pk,
        subject_type="cases.victim",
        subject_id=escalation.victim_id,
        detail={"page": "desk.escalation", "crime_id": escalation.crime_id, "task_id": task.pk},
    )
    return escalation


@dataclass(frozen=True)
class UrgentText:
    """A text the victim sent that screened urgent, and the open task about it."""

    task: ContactTask
    received_at: dt.datetime
    content: str


def urgent_texts(
    *, user: User, link: CrimeVictim, purpose: str, request: HttpRequest | None = None
) -> list[UrgentText]:
    """The texts behind the person's open FEEDBACK_SAFETY tasks on the case, oldest
    first, for a desk agent who passed the identity check (the view checks).

    A task names its text by id; the text is shown only if it came from a number
    a feedback invitation of this case and person went to (its blind index), so
    a task can never show another person's text. Each text shown is one VIEW
    audit entry (object the inbound text, subject the person)."""
    from victimcare.feedback.models import Invitation

    tasks = list(
        ContactTask.objects.filter(
            crime_id=link.crime_id,
            victim_id=link.victim_id,
            kind=TaskKind.FEEDBACK_SAFETY,
            state=TaskState.OPEN,
        ).order_by("created_at", "pk")
    )
    wanted = {}
    for task in tasks:
        match = INBOUND_TEXT_ID.search(task.reason)
        if match:
            wanted[task.pk] = int(match.group(1))
    if not wanted:
        return []
    texts = InboundSms.objects.in_bulk(set(wanted.values()))
    numbers = set(
        Invitation.objects.filter(crime_id=link.crime_id, victim_id=link.victim_id)
        .exclude(reply_key="")
        .values_list("reply_key", flat=True)
    )
    shown = []
    for task in tasks:
        sms = texts.get(wanted.get(task.pk, 0))
        if sms is None or sms.from_number_index not in numbers:
            continue
        audit_record(
            action=AuditAction.VIEW,
            request=request,
            actor=user,
            object_type="messaging.inboundsms",
            object_id=sms.pk,
            subject_type="cases.victim",
            subject_id=link.victim_id,
            purpose=purpose,
            detail={"page": "desk.case", "crime_id": link.crime_id, "task_id": task.pk},
        )
        shown.append(UrgentText(task=task, received_at=sms.received_at, content=sms.content))
    return shown
