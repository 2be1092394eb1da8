"""An escalation's state is its contact task's: the link is required and the
escalation's own state column goes (a separate migration from 0002's data step,
so PostgreSQL alters the table in a transaction of its own)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("desk", "0002_call_back_cancel_escalation_task"),
        ("messaging", "0004_public_recipient_desk_tasks"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="escalation", name="desk_escalation_open_idx"),
        migrations.RemoveField(model_name="escalation", name="state"),
        migrations.AlterField(
            model_name="escalation",
            name="task",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="desk_escalation",
                to="messaging.contacttask",
            ),
        ),
        migrations.AddIndex(
            model_name="escalation",
            index=models.Index(fields=["crime", "victim"], name="desk_escalation_case_idx"),
        ),
    ]
