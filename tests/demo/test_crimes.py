"""`victimcare demo --crimes N`: crimes, victims and journeys written raw, read back by the ORM.

Runs at N=300 (scale 0.2) to stay fast; the proportions test uses N=2000.
"""

from __future__ import annotations

import re
from collections import Counter
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from victimcare.accounts.constants import OrganisationKind
from victimcare.accounts.models import User
from victimcare.cases.constants import CrimeStatus, EventCode
from victimcare.cases.models import (
    CaseShare,
    ConsentRecord,
    Crime,
    CrimeVictim,
    JourneyEvent,
    NeedsAssessment,
    Victim,
)
from victimcare.core.crypto import blind_index
from victimcare.demo.catalogue import demo_catalogue
from victimcare.demo.pipeline import DemoContext
from victimcare.demo.steps import crimes as crimes_step

pytestmark = pytest.mark.django_db

SCALE = "0.2"
N = 300
PHONE = re.compile(r"^\+447700900\d{3}$")
EPOCH = demo_catalogue(name="london").epoch
POLICE_CODES = {
    EventCode.CRIME_REPORTED,
    EventCode.STATEMENT_TAKEN,
    EventCode.SUSPECT_ARRESTED,
    EventCode.CHARGED,
}
WCU_CODES = {EventCode.HEARING_SCHEDULED, EventCode.VERDICT, EventCode.SENTENCED}


def demo(*args: str) -> str:
    out = StringIO()
    call_command("demo", "--scale", SCALE, *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def decrypted_dump() -> dict[str, list[tuple[Any, ...]]]:
    """Everything the step writes, by natural keys, with personal data decrypted by the ORM."""
    victims = {
        v.pk: (v.full_name, v.date_of_birth, v.phone, v.email, v.address, v.code_word)
        for v in Victim.objects.all()
    }
    return {
        "crimes": sorted(
            Crime.objects.values_list(
                "crn",
                "offence__code",
                "domestic_abuse",
                "hate_crime",
                "occurred_at",
                "reported_at",
                "area__code",
                "oic__email",
                "team__code",
                "status",
                "outcome",
                "restricted",
                "updated_at",
            )
        ),
        "links": sorted(
            (crn, role, primary, victims[victim_id])
            for crn, role, primary, victim_id in CrimeVictim.objects.values_list(
                "crime__crn", "role", "is_primary_contact", "victim_id"
            )
        ),
        "events": sorted(
            JourneyEvent.objects.values_list(
                "crime__crn",
                "code",
                "occurred_at",
                "received_at",
                "recorded_by__email",
                "recording_organisation__code",
            )
        ),
        "shares": sorted(CaseShare.objects.values_list("crime__crn", "organisation__code")),
        "needs": sorted(
            (victims[a.victim_id], a.current.vulnerabilities, a.current.enhanced_reasons)
            for a in NeedsAssessment.objects.select_related("current")
        ),
    }


def test_same_seed_and_n_give_identical_data_after_a_reset() -> None:
    demo("--seed", "5", "--crimes", str(N))
    first = decrypted_dump()

    demo("--seed", "5", "--crimes", str(N), "--reset")

    assert decrypted_dump() == first
    assert len(first["crimes"]) == N
    assert len(first["events"]) > 4 * N


def test_a_builder_process_writes_the_same_rows_as_this_process() -> None:
    """The multiprocessing path used from PROCESS_THRESHOLD crimes on gives the same data."""
    demo("--seed", "3")
    ctx = DemoContext(seed=3, scale=0.2, catalogue=demo_catalogue(name="london"))
    crimes_step.crimes_build(ctx, N, in_process=False)
    forked = decrypted_dump()

    demo("--seed", "3", "--crimes", str(N), "--reset")

    assert decrypted_dump() == forked


def test_every_crime_has_a_timeline_that_agrees_with_its_status() -> None:
    demo("--crimes", str(N))

    codes: dict[int, list[str]] = {}
    for crime_id, code in JourneyEvent.objects.order_by("occurred_at", "pk").values_list(
        "crime_id", "code"
    ):
        codes.setdefault(crime_id, []).append(code)
    seen = Counter()
    for crime in Crime.objects.all():
        timeline = codes[crime.pk]
        seen[crime.status] += 1
        assert timeline[0] == EventCode.CRIME_REPORTED
        assert (EventCode.CASE_CLOSED in timeline) == (crime.status == CrimeStatus.CLOSED)
        if crime.status == CrimeStatus.CLOSED:
            assert crime.outcome and timeline[-1] == EventCode.CASE_CLOSED
        else:
            assert crime.outcome == ""
        if crime.status == CrimeStatus.SUSPECT_CHARGED:
            assert EventCode.CHARGED in timeline and EventCode.HEARING_SCHEDULED not in timeline
        if crime.status == CrimeStatus.IN_COURT:
            assert EventCode.HEARING_SCHEDULED in timeline
        if EventCode.HEARING_SCHEDULED in timeline:
            assert timeline.index(EventCode.CHARGED) < timeline.index(EventCode.HEARING_SCHEDULED)
    assert seen[CrimeStatus.CLOSED] > seen[CrimeStatus.OPEN] > 0


def test_events_are_recorded_by_plausible_people_at_plausible_times() -> None:
    demo("--crimes", str(N))

    events = JourneyEvent.objects.select_related(
        "crime__team", "recording_organisation", "recorded_by"
    )
    for event in events:
        assert event.occurred_at <= event.received_at <= event.recorded_at <= EPOCH
        assert event.recorded_by.organisation_id == event.recording_organisation_id
        if event.code in POLICE_CODES:
            assert event.recording_organisation_id == event.crime.team_id
            assert event.recorded_by_id == event.crime.oic_id
        if event.code in WCU_CODES:
            assert event.recording_organisation.kind == OrganisationKind.WITNESS_CARE_UNIT
            assert CaseShare.objects.filter(
                crime_id=event.crime_id, organisation_id=event.recording_organisation_id
            ).exists()
        if event.code == EventCode.HEARING_SCHEDULED:
            assert set(event.details) == {"hearing_at", "court"}
        if event.code == EventCode.RELEASED_ON_BAIL:
            assert event.details["conditions"]
    crime = Crime.objects.select_related("oic__organisation", "team").first()
    assert crime is not None and crime.oic.organisation == crime.team
    assert crime.team.parent_id in {a.bcu_id for a in [crime.area]}


def test_restricted_crimes_are_shared_with_the_specialist_team_of_their_bcu() -> None:
    demo("--crimes", str(N))

    restricted = Crime.objects.filter(restricted=True).select_related("team", "offence")
    assert restricted.exists()
    for crime in restricted:
        assert crime.domestic_abuse or crime.offence.restricted
        shared = set(
            CaseShare.objects.filter(crime=crime).values_list(
                "organisation__is_specialist", "organisation__parent_id"
            )
        )
        assert (True, crime.team.parent_id) in shared
    assert not Crime.objects.filter(restricted=False, domestic_abuse=True).exists()


@pytest.mark.slow
def test_about_one_in_ten_crimes_is_domestic_abuse_and_theft_and_violence_lead() -> None:
    demo("--crimes", "2000")

    crimes = Crime.objects.count()
    da = Crime.objects.filter(domestic_abuse=True).count()
    assert 0.07 <= da / crimes <= 0.14
    groups = Counter(Crime.objects.values_list("offence__group", flat=True))
    top = {g for g, _ in groups.most_common(3)}
    assert "theft" in top and top & {"violence_without_injury", "violence_with_injury"}
    assert groups["sexual_offences"] < 0.05 * crimes
    victims = Victim.objects.count()
    english = Victim.objects.filter(language="en").count()
    assert 0.7 < english / victims < 0.9
    others = Victim.objects.exclude(language="en")
    assert others.filter(interpreter_needed=True).count() > others.count() / 2
    # Most domestic abuse victims must not be texted or left voicemail.
    da_victims = Victim.objects.filter(crime_links__crime__domestic_abuse=True).distinct()
    assert da_victims.filter(safe_to_text=False, voicemail_allowed=False).count() > (
        0.7 * da_victims.count()
    )
    # Heavy-tailed case loads: the busiest officer carries several times the median.
    loads = sorted(Counter(Crime.objects.values_list("oic_id", flat=True)).values())
    assert loads[-1] > 3 * loads[len(loads) // 2]


def test_contact_details_are_fake_and_never_stored_in_plain_text() -> None:
    demo("--crimes", str(N))

    victims = list(Victim.objects.all())
    phones = [v.phone for v in victims if v.phone]
    emails = [v.email for v in victims if v.email]
    assert len(phones) > 0.8 * len(victims) and emails
    assert all(PHONE.match(p) for p in phones)
    assert all(e.endswith("@example.org") for e in emails)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT full_name, phone, email, date_of_birth, address, code_word FROM cases_victim"
        )
        raw = cursor.fetchall()
    stored = " ".join(str(cell) for row in raw for cell in row)
    for victim in victims[:50]:
        for secret in (victim.full_name, victim.phone, victim.email, victim.address):
            if secret:
                assert secret not in stored
    assert "7700900" not in stored and "example.org" not in stored
    assert all(row[0].startswith("gAAAAA") for row in raw)  # Fernet tokens


def test_the_orm_reads_back_what_the_raw_inserts_wrote() -> None:
    demo("--crimes", str(N))

    victim = Victim.objects.filter(phone__isnull=False).order_by("pk").first()
    assert victim is not None
    found = Victim.objects.filter(phone_index=blind_index(victim.phone, kind="phone"))
    assert victim in found
    by_name = Victim.objects.filter(name_index=blind_index(victim.full_name.upper(), kind="name"))
    assert victim in by_name
    assessment = NeedsAssessment.objects.select_related("current").get(victim=victim)
    assert assessment.current.version == 1
    assert isinstance(assessment.current.vulnerabilities, list)
    assert ConsentRecord.objects.filter(victim=victim).exists()
    for crime in Crime.objects.all()[:20]:
        crime.full_clean()
    for victim in Victim.objects.all()[:20]:
        victim.full_clean()
    # New rows get fresh ids after the raw inserts (the sequences moved on).
    crime = Crime.objects.first()
    assert crime is not None
    extra = Victim.objects.create(force_id=crime.force_id, full_name="Example Person")
    assert extra.pk > max(Victim.objects.exclude(pk=extra.pk).values_list("pk", flat=True))


def test_reset_removes_demo_crimes_and_victims_before_the_demo_people() -> None:
    demo("--crimes", str(N))
    assert Crime.objects.count() == N

    out = demo("--reset")

    assert "crimes" in out
    assert not Crime.objects.exists()
    assert not Victim.objects.exists()
    assert not JourneyEvent.objects.exists()
    assert User.objects.filter(otp_exempt=True).exists()


def test_no_crimes_by_default_but_the_offence_list_is_loaded() -> None:
    demo()

    assert not Crime.objects.exists()
    from victimcare.cases.models import Offence

    assert Offence.objects.filter(code="rape", restricted=True).exists()


def test_the_step_knows_every_column_of_the_tables_it_writes() -> None:
    crimes_step.tables_check()  # raises DemoError naming a column the step does not fill
