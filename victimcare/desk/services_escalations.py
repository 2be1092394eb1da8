"""Writes of the desk's escalations: raise one (its own contact task on the
worklist of the person asked to act) and close one (marks that task done).

The escalation's state is its task's, so the officer marking the task done on
their worklist (messaging.dispatch.task_mark_done) closes the escalation too."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest

from victimcare.accounts.models import User
from victimcare.cases.models import CrimeVictim
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction
from victimcare.messaging import dispatch as messaging_dispatch
from victimcare.messaging.constants import TaskKind, TaskState
from victimcare.messaging.models import ContactTask

from . import messages as msg
from .constants import ESCALATION_TASK_REASON, REASON_MAX, EscalateTo
from .models import DeskCall, Escalation


@transaction.atomic
def escalation_raise(
    *,
    user: User,
    link: CrimeVictim,
    to: str,
    reason: str,
    call: DeskCall | None = None,
    request: HttpRequest | None = None,
) -> Escalation:
    """Ask the officer in the case, or a supervisor of the officer's team (else the
    nearest one above it), to act, with a reason (encrypted on the escalation).

    Raises a DESK_ESCALATION contact task assigned to that person (fixed words
    only; the reason is read on the escalation's own, audited, page). Each
    escalation gets its own task: not `dispatch.task_raise`, which keeps one open
    task per case and kind, so a second escalation (say to the supervisor after
    the officer) would be folded into the first. Writes a CREATE audit entry
    (ids only). ValidationError, nothing written, when there is nobody to ask."""
    from victimcare.duties.services import supervisors_for

    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if to not in EscalateTo.values:
        errors["to"] = [msg.ESCALATE_TO_REQUIRED]
    if not reason:
        errors["reason"] = [msg.ESCALATE_REASON_REQUIRED]
    elif len(reason) > REASON_MAX:
        errors["reason"] = [msg.ESCALATE_REASON_TOO_LONG]
    crime = link.crime
    assignee_id: int | None = None
    if to == EscalateTo.OIC:
        assignee_id = crime.oic_id
        if assignee_id is None:
            errors["to"] = [msg.NO_OIC]
    elif to == EscalateTo.SUPERVISOR:
        organisation_id = crime.oic.organisation_id if crime.oic_id else crime.team_id
        found = sorted(supervisors_for(organisation_ids=[organisation_id]).get(organisation_id, []))
        if not found:
            errors["to"] = [msg.NO_SUPERVISOR]
        else:
            assignee_id = found[0]
    if errors:
        raise ValidationError(errors)
    task = ContactTask.objects.create(
        crime=crime,
        victim_id=link.victim_id,
        kind=TaskKind.DESK_ESCALATION,
        reason=ESCALATION_TASK_REASON[to],
        assignee_id=assignee_id,
    )
    escalation = Escalation.objects.create(
        crime=crime,
        victim_id=link.victim_id,
        to=to,
        assignee_id=assignee_id,
        reason=reason,
        call=call,
        raised_by=user,
        task=task,
    )
    audit_record(
        action=AuditAction.CREATE,
        request=request,
        actor=user,
        object_type="desk.escalation",
        object_id=escalation.pk,
        subject_type="cases.victim",
        subject_id=link.victim_id,
        detail={"crime_id": crime.pk, "to": to, "assignee_id": assignee_id, "task_id": task.pk},
    )
    return escalation


@transaction.atomic
def escalation_close(
    *, user: User, escalation: Escalation, note: str, request: HttpRequest | None = None
) -> None:
    """The desk closes an open escalation: its task is marked done with `note`
    (messaging.dispatch.task_mark_done, which audits the task). For desk staff
    who may view the case (the view checks). Already closed, or no note:
    ValidationError on "note", nothing changed. Writes a CHANGE audit entry."""
    task = escalation.task
    if task.state != TaskState.OPEN:
        raise ValidationError({"note": [msg.ESCALATION_ALREADY_CLOSED]})
    try:
        messaging_dispatch.task_mark_done(actor=user, task=task, note=note, request=request)
    except ValidationError as error:
        texts = error.message_dict
        if "task" in texts:
            raise ValidationError({"note": [msg.ESCALATION_ALREADY_CLOSED]}) from error
        raise ValidationError(
            {"note": texts.get("note", [msg.ESCALATION_NOTE_REQUIRED])}
        ) from error
    audit_record(
        action=AuditAction.CHANGE,
        request=request,
        actor=user,
        object_type="desk.escalation",
        object_id=escalation.pk,
        subject_type="cases.victim",
        subject_id=escalation.victim_id,
        detail={"crime_id": escalation.crime_id, "state": "done", "task_id": task.pk},
    )
