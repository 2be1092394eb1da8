"""Load the 2020 Victims' Code (in force 1 April 2021) so that every database has
rules in force from its first migrate: duties must never silently fail to arise.
Later revisions are loaded with `victimcare duties load-rules`."""

from django.db import migrations
from django.utils import timezone


def load(apps, schema_editor):
    from victimcare.duties.rules import ruleset_parse

    RuleSet = apps.get_model("duties", "RuleSet")
    Rule = apps.get_model("duties", "Rule")
    header, rows = ruleset_parse(path_or_name="vcop-2021")
    if RuleSet.objects.filter(edition=header["edition"]).exists():
        return
    rule_set = RuleSet.objects.create(**header, loaded_at=timezone.now(), active=True)
    Rule.objects.bulk_create([Rule(rule_set=rule_set, **row) for row in rows])


class Migration(migrations.Migration):
    dependencies = [("duties", "0002_duty")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
