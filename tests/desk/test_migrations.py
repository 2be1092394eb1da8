"""Escalations raised before they became tasks get one on migrating: an open one
an open task for the person it was assigned to, a done one a done task."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("desk", "0001_initial")]
AFTER = [("desk", "0003_escalation_state_is_the_task")]


def test_existing_escalations_become_tasks(crime, victim, officer, desk_agent):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Escalation = old.get_model("desk", "Escalation")
    for state in ("open", "done"):
        Escalation.objects.create(
            crime_id=crime.pk,
            victim_id=victim.pk,
            to="oic",
            assignee_id=officer.pk,
            reason="r",
            raised_by_id=desk_agent.pk,
            state=state,
        )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)

    from victimcare.desk.models import Escalation as Current
    from victimcare.messaging.constants import TaskKind

    rows = list(Current.objects.select_related("task").order_by("pk"))
    assert [e.state for e in rows] == ["open", "done"]
    assert {e.task.kind for e in rows} == {TaskKind.DESK_ESCALATION}
    assert [e.task.assignee_id for e in rows] == [officer.pk, officer.pk]
    assert rows[1].task.done_at is not None
