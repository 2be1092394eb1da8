"""The index the retention sweep deletes idempotency records by (decision 65).

Built concurrently on PostgreSQL, so partner POSTs keep being stored while it
builds; hence not atomic.
"""

from django.db import migrations, models

from victimcare.core.migration_operations import AddIndexOnline


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("api", "0003_idempotent_responses"),
    ]

    operations = [
        AddIndexOnline(
            model_name="idempotencyrecord",
            index=models.Index(fields=["created_at", "id"], name="idempotency_created_idx"),
        ),
    ]
