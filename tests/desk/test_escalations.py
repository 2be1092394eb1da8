"""Escalations are tasks. Dana Desk escalates a worried caller's case to PC Olivia
Officer, the officer in the case: a task appears on Olivia's worklist, which
links to what the desk asked (read on its own page, audited). Olivia marks the
task done and the escalation is closed on the desk's case view. Dana also asks
Sam Supervisor; when the matter is settled another way the desk closes that
escalation itself, which marks Sam's task done with the desk's note."""

from __future__ import annotations

import pytest
from django.urls import reverse

from victimcare.core.models import AuditEvent
from victimcare.desk import messages as msg
from victimcare.desk.constants import EscalationState
from victimcare.desk.models import Escalation
from victimcare.messaging.constants import TaskKind, TaskState
from victimcare.messaging.models import ContactTask

from .conftest import signed_in, text

pytestmark = pytest.mark.django_db

REASON = "Worried the suspect is breaking bail; wants the officer to call."


def _checked(desk, victim, crime) -> None:  # type: ignore[no-untyped-def]
    check = reverse("desk:identity-check", args=[victim.pk, crime.pk])
    desk.post(check, {"method": "code_word", "outcome": "passed"})


def _escalate(desk, victim, crime, to: str, reason: str = REASON):  # type: ignore[no-untyped-def]
    return desk.post(
        reverse("desk:escalate", args=[victim.pk, crime.pk]), {"to": to, "reason": reason}
    )


def test_an_escalation_to_the_oic_is_a_task_on_their_worklist_and_done_closes_it(
    desk, desk_agent, crime, victim, officer
):
    _checked(desk, victim, crime)
    assert _escalate(desk, victim, crime, "oic").status_code == 302

    escalation = Escalation.objects.get()
    task = ContactTask.objects.get(kind=TaskKind.DESK_ESCALATION)
    assert escalation.task == task and task.assignee == officer
    assert (task.crime, task.victim, task.state) == (crime, victim, TaskState.OPEN)
    # The task holds fixed words only: the reason stays encrypted on the escalation.
    assert "bail" not in task.reason
    assert AuditEvent.objects.get(object_type="desk.escalation").detail["task_id"] == task.pk

    olivia = signed_in(officer)
    worklist = olivia.get(reverse("duties:worklist")).content.decode()
    assert "The Victim Focus Desk escalated this case to you" in worklist
    read = reverse("desk:escalation", args=[task.pk])
    assert f'href="{read}"' in worklist and "Read what the desk asked" in worklist

    page = text(olivia.get(read))
    assert REASON in page and "Dana Desk, Victim Focus Desk" in page
    viewed = AuditEvent.objects.get(object_type="desk.escalation", action="view")
    assert (viewed.subject_id, viewed.actor_id) == (str(victim.pk), officer.pk)

    done = olivia.post(
        reverse("messaging:task-done", args=[task.pk]), {"note": "Called them back."}
    )
    assert done.status_code == 302
    escalation.refresh_from_db()
    assert escalation.state == EscalationState.DONE
    case = text(desk.get(reverse("desk:case", args=[victim.pk, crime.pk])))
    assert "Escalated to the officer in the case" not in case
    assert "This escalation is closed: Called them back." in text(olivia.get(read))


def test_the_desk_closes_an_escalation_which_marks_the_task_done(
    desk, desk_agent, crime, victim, supervisor
):
    _checked(desk, victim, crime)
    _escalate(desk, victim, crime, "supervisor")
    escalation = Escalation.objects.get()
    assert escalation.task.assignee == supervisor
    case = text(desk.get(reverse("desk:case", args=[victim.pk, crime.pk])))
    assert "Escalated to a supervisor of the officer's team (Sam Supervisor)" in case

    sam = signed_in(supervisor)
    worklist = sam.get(reverse("duties:worklist")).content.decode()
    assert "The Victim Focus Desk escalated this case to you" in worklist
    assert reverse("desk:escalation", args=[escalation.task_id]) in worklist

    close = reverse("desk:escalation-close", args=[escalation.pk])
    assert "Close the escalation" in text(desk.get(close))
    empty = desk.post(close, {"note": "  "})
    assert empty.status_code == 200 and msg.ESCALATION_NOTE_REQUIRED in text(empty)
    assert ContactTask.objects.get().state == TaskState.OPEN

    closed = desk.post(close, {"note": "The victim says the officer already rang."})
    assert closed.url == reverse("desk:case", args=[victim.pk, crime.pk])
    task = ContactTask.objects.get()
    assert task.state == TaskState.DONE and task.done_by == desk_agent
    assert task.done_note == "The victim says the officer already rang."
    changes = AuditEvent.objects.filter(action="change")
    assert {e.object_type for e in changes} == {"desk.escalation", "messaging.contacttask"}
    assert "Sam Supervisor" not in text(desk.get(reverse("desk:case", args=[victim.pk, crime.pk])))
    worklist = sam.get(reverse("duties:worklist")).content.decode()
    assert "The Victim Focus Desk escalated this case to you" not in worklist

    again = desk.post(close, {"note": "Again"})
    assert again.status_code == 200 and msg.ESCALATION_ALREADY_CLOSED in text(again)
    task.refresh_from_db()
    assert task.done_note == "The victim says the officer already rang."


def test_each_escalation_gets_its_own_task(desk, crime, victim, officer, supervisor):
    _checked(desk, victim, crime)
    _escalate(desk, victim, crime, "oic")
    _escalate(desk, victim, crime, "supervisor", "Still no call from the officer.")
    tasks = ContactTask.objects.filter(kind=TaskKind.DESK_ESCALATION).order_by("pk")
    assert [t.assignee for t in tasks] == [officer, supervisor]
    assert sorted(Escalation.objects.values_list("task_id", flat=True)) == [t.pk for t in tasks]


def test_others_cannot_read_or_close_an_escalation(
    desk, crime, victim, other_officer, officer, witness_care_officer
):
    _checked(desk, victim, crime)
    _escalate(desk, victim, crime, "oic")
    escalation = Escalation.objects.get()
    read = reverse("desk:escalation", args=[escalation.task_id])
    close = reverse("desk:escalation-close", args=[escalation.pk])
    for person in (other_officer, witness_care_officer):
        client = signed_in(person)
        assert client.get(read).status_code == 404
        assert client.post(close, {"note": "x"}).status_code == 404
    # The officer asked to act may read it, but closing from the desk is the desk's.
    assert signed_in(officer).post(close, {"note": "x"}).status_code == 404
    assert ContactTask.objects.get().state == TaskState.OPEN
    assert not AuditEvent.objects.filter(object_type="desk.escalation", action="view").exists()
    # A task of another kind has no escalation page.
    other = ContactTask.objects.create(
        crime=crime, victim=victim, kind=TaskKind.DELIVERY_FAILED, reason="x", assignee=officer
    )
    assert signed_in(officer).get(reverse("desk:escalation", args=[other.pk])).status_code == 404
