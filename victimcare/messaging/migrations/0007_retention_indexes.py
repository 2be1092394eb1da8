"""Indexes the retention sweep pages through (decision 65).

Built concurrently on PostgreSQL, so messages keep being queued and sent while
they build; hence not atomic.
"""

from django.db import migrations, models

from victimcare.core.migration_operations import AddIndexOnline


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("messaging", "0006_feed_check_task"),
    ]

    operations = [
        AddIndexOnline(
            model_name="deliveryreceipt",
            index=models.Index(fields=["received_at", "id"], name="messaging_receipt_received_idx"),
        ),
        AddIndexOnline(
            model_name="messagestatusevent",
            index=models.Index(
                condition=models.Q(("raw__isnull", False)),
                fields=["occurred_at", "id"],
                name="messaging_event_raw_idx",
            ),
        ),
        AddIndexOnline(
            model_name="outboundmessage",
            index=models.Index(fields=["created_at", "id"], name="messaging_msg_created_idx"),
        ),
    ]
