"""Who may see and act on messages and contact tasks (rules predicates). Default: deny.

- ``messaging.view_task`` (task): may view the task's crime (the case policy).
- ``messaging.act_on_task`` (task): may view its crime, and is the person it is
  assigned to (the officer in the case), Victim Focus Desk staff (who contact
  victims on the police's behalf), or a supervisor who may view the crime.
- ``messaging.view_desk_tasks``: Victim Focus Desk agents and supervisors (the
  page lists only tasks of crimes each may view).

Sending a message from a case needs ``cases.record_event`` on the crime (the
people who record contacts with the victim); confirming a safe channel needs
``cases.edit_needs``.
"""

from __future__ import annotations

from typing import Any

import rules

from victimcare.accounts.constants import Role
from victimcare.accounts.permissions import is_active_staff
from victimcare.cases.permissions import viewer_for


@rules.predicate
def may_view_task_crime(user: Any, task: Any) -> bool:
    return task is not None and bool(user.has_perm("cases.view_crime", task.crime))


@rules.predicate
def is_desk_staff(user: Any) -> bool:
    viewer = viewer_for(user)
    return viewer is not None and viewer.is_desk


@rules.predicate
def may_act_on_task(user: Any, task: Any) -> bool:
    if task is None:
        return False
    if task.assignee_id is not None and task.assignee_id == user.pk:
        return True
    viewer = viewer_for(user)
    return viewer is not None and (viewer.is_desk or viewer.role == Role.SUPERVISOR)


rules.add_perm("messaging.view_task", is_active_staff & may_view_task_crime)
rules.add_perm("messaging.act_on_task", is_active_staff & may_view_task_crime & may_act_on_task)
rules.add_perm("messaging.view_desk_tasks", is_active_staff & is_desk_staff)
