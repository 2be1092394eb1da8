"""What a referral shares: the victim's contact details, safe-contact rules,
needs and risk, the case's reference, offence, borough and officer — and a
later correction shows up as a changed field."""

from __future__ import annotations

from victimcare.cases.models import Victim
from victimcare.cases.services import VictimInput
from victimcare.referrals.snapshot import (
    snapshot_build,
    snapshot_changes,
    snapshot_dumps,
    snapshot_loads,
    snapshot_rows,
)


def test_the_snapshot_holds_what_a_service_needs_and_shows_a_correction(make_crime):
    crime = make_crime(
        victims=[
            VictimInput(
                full_name="Amina Example",
                phone="07700 900321",
                safe_to_email=False,
                voicemail_allowed=False,
            )
        ]
    )
    victim = Victim.objects.get(crime_links__crime=crime)

    first = snapshot_build(crime=crime, victim=victim, risk_level="high")

    assert first["full_name"] == "Amina Example"
    assert first["phone"] == "+447700900321"  # stored in E.164
    assert "Do not email" in first["safe_contact"] and "No voicemail" in first["safe_contact"]
    assert first["risk_level"] == "high"
    assert first["crime_reference"] == crime.crn
    assert first["offence"] == crime.offence.name
    assert snapshot_loads(snapshot_dumps(first)) == first
    labels = dict(snapshot_rows(first))
    assert labels["Phone"] == "+447700900321" and labels["Needs an interpreter"] == "No"

    Victim.objects.filter(pk=victim.pk).update(phone="07700 900322")
    second = snapshot_build(crime=crime, victim=victim, risk_level="high")
    assert snapshot_changes(first, second) == ["phone"]
