"""Call backs can be cancelled with a fixed reason; each escalation gets its own
contact task (DESK_ESCALATION) on the worklist of the person asked to act.

Existing escalations get a task here (open or done as the escalation was), so
that 0003 can make the link required and drop the escalation's own state."""

import django.db.models.deletion
from django.db import migrations, models
from django.utils import timezone

TASK_REASON = {
    "oic": "The desk asks you, as the officer in the case, to act. Read what they asked.",
    "supervisor": "The desk asks you, as a supervisor of the officer's team, to act. "
    "Read what they asked.",
}


def tasks_for_escalations(apps, schema_editor):  # type: ignore[no-untyped-def]
    Escalation = apps.get_model("desk", "Escalation")
    ContactTask = apps.get_model("messaging", "ContactTask")
    now = timezone.now()
    for escalation in Escalation.objects.filter(task__isnull=True).iterator():
        done = escalation.state != "open"
        escalation.task = ContactTask.objects.create(
            crime_id=escalation.crime_id,
            victim_id=escalation.victim_id,
            kind="desk_escalation",
            reason=TASK_REASON.get(escalation.to, TASK_REASON["oic"]),
            assignee_id=escalation.assignee_id,
            state="done" if done else "open",
            created_at=escalation.raised_at,
            done_at=now if done else None,
            done_note="Closed before escalations became tasks" if done else "",
        )
        escalation.save(update_fields=["task"])


class Migration(migrations.Migration):
    dependencies = [
        ("desk", "0001_initial"),
        ("messaging", "0004_public_recipient_desk_tasks"),
    ]

    operations = [
        migrations.AddField(
            model_name="callback",
            name="cancel_reason",
            field=models.CharField(
                blank=True,
                choices=[
                    ("victim_asked", "The victim asked to cancel it"),
                    ("dealt_with", "Dealt with another way"),
                    ("duplicate", "Booked twice by mistake"),
                    ("not_safe", "Not safe to call them now"),
                    ("cannot_reach", "They cannot be reached on any safe number"),
                ],
                default="",
                max_length=16,
            ),
        ),
        migrations.AddConstraint(
            model_name="callback",
            constraint=models.CheckConstraint(
                condition=models.Q(("state", "cancelled"), ("cancel_reason", ""), _connector="OR"),
                name="desk_callback_cancel_reason_only_cancelled",
            ),
        ),
        migrations.AddField(
            model_name="escalation",
            name="task",
            field=models.OneToOneField(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="desk_escalation",
                to="messaging.contacttask",
            ),
        ),
        migrations.RunPython(tasks_for_escalations, migrations.RunPython.noop),
    ]
