"""Duty.updated_at: when the row last changed, for the partner API's sync.

Existing rows get the latest of the times a duty already keeps (made,
overdue, done and when that contact was recorded, closed), in one UPDATE per database (set-based: no rows are
loaded into Python, so it stays quick on a large table). The column is added
with the migration's time as a placeholder first, then backfilled.
"""

import django.utils.timezone
from django.db import migrations, models
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest


def backfill(apps, schema_editor):
    Duty = apps.get_model("duties", "Duty")
    JourneyEvent = apps.get_model("cases", "JourneyEvent")
    # A contact recorded after the fact completed the duty when it was recorded.
    recorded = Subquery(
        JourneyEvent.objects.filter(pk=OuterRef("completed_event_id")).values("recorded_at")[:1]
    )
    # GREATEST ignores NULLs on PostgreSQL but returns NULL on SQLite if any
    # argument is NULL, so each optional time falls back to created_at.
    Duty.objects.update(
        updated_at=Greatest(
            F("created_at"),
            Coalesce(F("overdue_at"), F("created_at")),
            Coalesce(F("completed_at"), F("created_at")),
            Coalesce(F("closed_at"), F("created_at")),
            Coalesce(recorded, F("created_at")),
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("duties", "0005_referral_event_triggers"),
    ]

    operations = [
        migrations.AddField(
            model_name="duty",
            name="updated_at",
            field=models.DateTimeField(
                default=django.utils.timezone.now,
                help_text="When the row last changed. Every write sets it (duties.services, "
                "duties.jobs): the partner API's incremental sync reads it.",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="duty",
            index=models.Index(fields=["crime", "updated_at"], name="duty_crime_updated_idx"),
        ),
    ]
