"""The demo fills the desk's queues: call backs done (for the workload page's
averages), due in the desk's next open hours, overdue and cancelled;
escalations with their worklist tasks; complaints in the professional
standards queue, each naming a demo crime and carrying its Right 12 duty;
forum volunteers. A reset removes them all before the crimes go."""

from __future__ import annotations

from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from victimcare.desk.constants import CallBackState
from victimcare.desk.models import CallBack, Escalation
from victimcare.duties.models import Duty
from victimcare.forum.models import Volunteer
from victimcare.messaging.constants import TaskKind, TaskState
from victimcare.messaging.desk import desk_is_open
from victimcare.portal.models import Complaint

pytestmark = pytest.mark.django_db


def demo(*args: str) -> None:
    call_command("demo", *args, stdout=StringIO())


def test_the_demo_fills_the_desk_queues_and_a_reset_empties_them() -> None:
    demo("--seed", "3", "--crimes", "1500")

    states = Counter(CallBack.objects.values_list("state", flat=True))
    assert states[CallBackState.DONE] == 24 and states[CallBackState.CANCELLED] == 2
    now = timezone.now()
    open_ = CallBack.objects.filter(state=CallBackState.OPEN)
    assert open_.filter(due_at__lt=now).count() == 3  # overdue
    future = open_.filter(requested_for__gt=now)
    assert future.count() == 10
    assert all(desk_is_open(c.requested_for) for c in future)

    escalations = Escalation.objects.select_related("task")
    assert escalations.count() == 4
    assert all(
        e.task.kind == TaskKind.DESK_ESCALATION and e.task.state == TaskState.OPEN
        for e in escalations
    )
    matched = Complaint.objects.filter(crime__isnull=False)
    assert matched.count() == 6 and Complaint.objects.count() == 6
    assert Duty.objects.filter(event__in=matched.values("event"), right=12).count() >= 6
    assert Volunteer.objects.count() == 12

    demo("--seed", "3", "--crimes", "1500", "--reset")
    assert CallBack.objects.count() == 39 and Escalation.objects.count() == 4
    assert Complaint.objects.count() == 6 and Volunteer.objects.count() == 12
