"""Safe contact: the rules as a property (a forbidden channel is never allowed, for
any combination of a victim's rules), and the send-time verdict on real rows:
re-read every time, so a change after queueing stops a message."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from victimcare.cases.constants import Channel as CaseChannel
from victimcare.cases.constants import OffenceGroup
from victimcare.cases.models import Crime, Offence, Victim
from victimcare.cases.services import VictimInput
from victimcare.messaging import safety
from victimcare.messaging.constants import Channel, RecipientKind
from victimcare.messaging.models import OutboundMessage
from victimcare.messaging.safety import (
    Verdict,
    contact_verdict,
    next_safe_moment,
    send_time_verdict,
)

LONDON = ZoneInfo("Europe/London")
MOBILE = "+447700900123"  # Ofcom drama range: a mobile
LANDLINE = "+442079460123"  # Ofcom drama range: a London landline
ADDRESS_WITH_POSTCODE = "1 Example Street\nLondon\nSW1A 1AA"
ADDRESS_WITHOUT_POSTCODE = "1 Example Street\nLondon"
CHANNELS = ["sms", "email", "letter", "phone"]


def london(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LONDON)


# --- The rules as a property -----------------------------------------------------------

victims = st.builds(
    dict,
    wants_updates=st.booleans(),
    contact_only_if_victim_initiates=st.booleans(),
    safe_to_text=st.booleans(),
    safe_to_email=st.booleans(),
    safe_for_letters=st.booleans(),
    confirmed=st.booleans(),
    phone=st.sampled_from([None, "", MOBILE, LANDLINE, "07700 900001", "not a number"]),
    email=st.sampled_from([None, "", "victim@example.org"]),
    address=st.sampled_from([None, "", ADDRESS_WITH_POSTCODE, ADDRESS_WITHOUT_POSTCODE]),
)
crimes = st.lists(
    st.builds(
        dict,
        restricted=st.booleans(),
        domestic_abuse=st.booleans(),
        offence_restricted=st.booleans(),
        group=st.sampled_from(list(OffenceGroup.values)),
    ),
    min_size=1,
    max_size=3,
)


def _forbidden(rules: dict[str, Any], cases: list[dict[str, Any]], channel: str) -> bool:
    """The rules written out independently of the code under test."""
    restricted = any(
        c["restricted"]
        or c["domestic_abuse"]
        or c["offence_restricted"]
        or c["group"] in {"sexual_offences", "stalking_harassment"}
        for c in cases
    )
    return (
        not rules["wants_updates"]
        or rules["contact_only_if_victim_initiates"]
        or (restricted and not rules["confirmed"])
        or channel == "phone"
        or (channel == "sms" and (not rules["safe_to_text"] or not rules["phone"]))
        or (channel == "sms" and rules["phone"] in (LANDLINE, "not a number"))
        or (channel == "email" and (not rules["safe_to_email"] or not rules["email"]))
        or (channel == "letter" and not rules["safe_for_letters"])
        or (channel == "letter" and rules["address"] != ADDRESS_WITH_POSTCODE)
    )


@given(rules=victims, cases=crimes, channel=st.sampled_from(CHANNELS))
def test_a_forbidden_channel_is_never_allowed(rules, cases, channel):  # type: ignore[no-untyped-def]
    person = Victim(
        wants_updates=rules["wants_updates"],
        contact_only_if_victim_initiates=rules["contact_only_if_victim_initiates"],
        safe_to_text=rules["safe_to_text"],
        safe_to_email=rules["safe_to_email"],
        safe_for_letters=rules["safe_for_letters"],
        safe_channel_confirmed_at=timezone.now() if rules["confirmed"] else None,
        phone=rules["phone"],
        email=rules["email"],
        address=rules["address"],
    )
    linked = [
        Crime(
            restricted=c["restricted"],
            domestic_abuse=c["domestic_abuse"],
            offence=Offence(group=c["group"], restricted=c["offence_restricted"]),
        )
        for c in cases
    ]
    verdict = contact_verdict(victim=person, crimes=linked, channel=channel)
    forbidden = _forbidden(rules, cases, channel)
    assert verdict.allowed is not forbidden
    assert bool(verdict.reason) is forbidden
    assert verdict.not_before is None, "hours are a send-time rule"


@given(
    start=st.times(),
    end=st.times() | st.none(),
    now=st.datetimes(
        min_value=dt.datetime(2026, 1, 1),
        max_value=dt.datetime(2027, 12, 31),
        timezones=st.just(dt.UTC),
    ),
)
def test_the_next_safe_moment_is_inside_the_window_and_in_the_future(start, end, now):  # type: ignore[no-untyped-def]
    opening = next_safe_moment(safe_from=start, safe_until=end, now=now)
    if opening is None:
        return
    assert opening > now
    assert next_safe_moment(safe_from=start, safe_until=end, now=opening) is None or (
        # A wall-clock opening skipped by the clocks going forward lands just after the gap.
        opening.astimezone(LONDON).time() != start
    )
    assert opening - now <= dt.timedelta(days=1, hours=1)


def test_safe_hours_across_the_clocks_going_forward() -> None:
    # Saturday 28 March 2026, 22:00 GMT; British Summer Time starts at 01:00 the next day.
    opening = next_safe_moment(
        safe_from=dt.time(9), safe_until=dt.time(17), now=london(2026, 3, 28, 22, 0)
    )
    assert opening == london(2026, 3, 29, 9, 0)
    assert opening.astimezone(dt.UTC).hour == 8
    assert (
        next_safe_moment(
            safe_from=dt.time(9), safe_until=dt.time(17), now=london(2026, 3, 29, 9, 0)
        )
        is None
    )
    assert next_safe_moment(
        safe_from=dt.time(9), safe_until=dt.time(17), now=london(2026, 3, 29, 17, 0)
    ) == london(2026, 3, 30, 9, 0)


# --- The verdict on real rows ---------------------------------------------------------------


def _victim(**overrides: Any) -> VictimInput:
    values: dict[str, Any] = {
        "full_name": "Test Victim",
        "phone": "07700 900123",
        "email": "victim@example.org",
        "address": ADDRESS_WITH_POSTCODE,
        "preferred_channel": CaseChannel.PHONE,
    }
    return VictimInput(**(values | overrides))


def _queued(crime: Crime, channel: str = Channel.SMS) -> OutboundMessage:
    """A message to the crime's victim, written to the outbox (not yet sent)."""
    person = Victim.objects.get(crime_links__crime=crime)
    recipient = safety.recipient_for(victim=person, channel=channel)
    return OutboundMessage.objects.create(
        channel=channel,
        recipient_kind=RecipientKind.VICTIM,
        recipient=recipient,
        body="An update on your case is ready.",
        template_code="regular_update",
        idempotency_key=f"test:{crime.pk}:{channel}",
        crime=crime,
        victim=person,
    )


@pytest.mark.django_db
def test_staff_messages_are_always_allowed() -> None:
    message = OutboundMessage(channel=Channel.EMAIL, recipient_kind=RecipientKind.STAFF)
    assert send_time_verdict(message=message) == Verdict(True)


@pytest.mark.django_db
def test_a_victim_message_naming_no_victim_is_never_sent() -> None:
    message = OutboundMessage(channel=Channel.SMS, recipient_kind=RecipientKind.VICTIM)
    assert send_time_verdict(message=message) == Verdict(False, safety.REASON_NO_VICTIM)


@pytest.mark.django_db
def test_a_safe_contact_change_after_queueing_stops_the_message(make_crime):  # type: ignore[no-untyped-def]
    crime = make_crime(victims=[_victim()])
    message = _queued(crime)
    assert send_time_verdict(message=message) == Verdict(True)

    Victim.objects.filter(pk=message.victim_id).update(safe_to_text=False)
    assert send_time_verdict(message=message) == Verdict(False, safety.REASON_SMS_UNSAFE)


@pytest.mark.django_db
def test_a_changed_number_stops_a_message_queued_for_the_old_one(make_crime):  # type: ignore[no-untyped-def]
    crime = make_crime(victims=[_victim()])
    message = _queued(crime)
    person = Victim.objects.get(pk=message.victim_id)
    person.phone = "+447700900999"
    person.save(update_fields=["phone"])
    assert send_time_verdict(message=message) == Verdict(False, safety.REASON_DETAILS_CHANGED)


@pytest.mark.django_db
def test_a_case_flagged_restricted_after_queueing_stops_the_message(make_crime):  # type: ignore[no-untyped-def]
    crime = make_crime(victims=[_victim()])
    message = _queued(crime)
    Crime.objects.filter(pk=crime.pk).update(domestic_abuse=True)
    assert send_time_verdict(message=message) == Verdict(
        False, safety.REASON_RESTRICTED_UNCONFIRMED
    )


@pytest.mark.django_db
def test_another_restricted_case_of_the_same_victim_counts(make_crime, officer):  # type: ignore[no-untyped-def]
    from victimcare.cases.models import CrimeVictim

    crime = make_crime(victims=[_victim()])
    stalking = make_crime(offence="stalking")
    person = Victim.objects.get(crime_links__crime=crime)
    CrimeVictim.objects.create(crime=stalking, victim=person)
    assert send_time_verdict(message=_queued(crime)).reason == safety.REASON_RESTRICTED_UNCONFIRMED


@pytest.mark.django_db
def test_outside_safe_hours_a_text_waits_but_a_letter_goes(make_crime):  # type: ignore[no-untyped-def]
    crime = make_crime(victims=[_victim(safe_from=dt.time(9, 0), safe_until=dt.time(17, 0))])
    with time_machine.travel(london(2026, 6, 10, 20, 30), tick=False):
        text = send_time_verdict(message=_queued(crime, Channel.SMS))
        letter = send_time_verdict(message=_queued(crime, Channel.LETTER))
    assert text == Verdict(True, safety.REASON_OUTSIDE_HOURS, not_before=london(2026, 6, 11, 9, 0))
    assert letter == Verdict(True)
    with time_machine.travel(london(2026, 6, 11, 9, 0), tick=False):
        assert send_time_verdict(message=_queued(crime, Channel.EMAIL)) == Verdict(True)


@pytest.mark.django_db
def test_a_text_needs_a_mobile(make_crime):  # type: ignore[no-untyped-def]
    crime = make_crime(victims=[_victim(phone="020 7946 0123")])
    assert safety.enqueue_verdict(
        victim=Victim.objects.get(crime_links__crime=crime), channel=Channel.SMS, crime=crime
    ) == Verdict(False, safety.REASON_NO_MOBILE)
