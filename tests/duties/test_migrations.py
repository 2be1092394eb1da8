"""Duties made before `updated_at` existed get, on migrating, the latest time
they already record: made, marked overdue, done (or when the completing
contact was recorded, if later) or closed. So a partner system syncing from
a moment before the migration misses none of them."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from victimcare.cases.constants import EventCode
from victimcare.cases.services import VictimInput, event_record
from victimcare.duties.rules import ruleset_load

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("duties", "0005_referral_event_triggers")]
AFTER = [("duties", "0006_duty_updated_at")]
REFERRAL = "crime-reported-support-referral"
CONFIRMATION = "crime-reported-written-confirmation"
PLAN = "crime-reported-contact-plan"


def test_existing_duties_are_dated_by_their_latest_recorded_change(make_crime, officer) -> None:  # type: ignore[no-untyped-def]
    # A transactional test runs on a flushed database: an earlier one may have
    # emptied the rules the data migration loaded, so load them again.
    ruleset_load(path_or_name="vcop-2021")
    made = timezone.now().replace(microsecond=0) - dt.timedelta(days=3)
    with time_machine.travel(made, tick=False):
        crime = make_crime(
            occurred_at=made - dt.timedelta(hours=2),
            victims=[VictimInput(full_name="Test Victim", phone="07700 900003")],
        )
    # A call made just after the report, recorded on the timeline a day later.
    with time_machine.travel(made + dt.timedelta(days=1), tick=False):
        event_record(
            actor=officer,
            crime=crime,
            code=EventCode.CONTACT_CALL,
            occurred_at=made + dt.timedelta(minutes=5),
            victim=crime.victim_links.get().victim,
            fulfils=[crime.duties.get(rule__code=REFERRAL).pk],
        )
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    Old = executor.loader.project_state(BEFORE).apps.get_model("duties", "Duty")
    overdue, closed = made + dt.timedelta(days=2), made + dt.timedelta(hours=30)
    Old.objects.filter(crime_id=crime.pk, rule__code=CONFIRMATION).update(
        state="overdue", overdue_at=overdue
    )
    Old.objects.filter(crime_id=crime.pk, rule__code=PLAN).update(
        state="not_applicable", closed_reason="Not needed.", closed_at=closed
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)

    from victimcare.duties.models import Duty

    dated = dict(Duty.objects.filter(crime=crime).values_list("rule__code", "updated_at"))
    assert dated.pop(REFERRAL) == made + dt.timedelta(days=1)
    assert dated.pop(CONFIRMATION) == overdue
    assert dated.pop(PLAN) == closed
    assert dated and set(dated.values()) == {made}
