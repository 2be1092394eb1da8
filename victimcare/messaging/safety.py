"""Safe contact, checked when a message is queued and again when it is sent (issue 5 item 6).

"A program should never contact a survivor in a way that the survivor has not
specifically indicated is safe and private" (NNEDV Safety Net; security notes
row 26). So every automated message to a victim passes two checks, both built
from the same rules (`contact_verdict`):

- `enqueue_verdict`, when a message would be written to the outbox: if it says
  no, no message row is written (the caller raises a contact task instead);
- `send_time_verdict`, called by the outbox immediately before a message is
  handed to a channel, with the victim and crime read again from the database.
  A rule that changed after the message was queued (a number marked unsafe, a
  new address, a case flagged domestic abuse) therefore stops it: the outbox
  cancels the row with the reason and the dispatch hook raises a task.

The rules, in order (the first that fails is the reason):

1. a victim message must name a victim (staff messages are always allowed);
2. the victim wants updates;
3. they did not ask to be contacted only when they get in touch first;
4. restricted cases — the crime is restricted, or domestic abuse, or a sexual
   offence, or stalking/harassment — get no automated message at all until a
   person has confirmed a safe channel with the victim
   (`Victim.safe_channel_confirmed_at`). Every crime the victim is linked to
   counts, not only the message's own: an abuser reading a phone does not care
   which case a text is about;
5. the channel is allowed and has somewhere safe to go: SMS needs
   `safe_to_text` and a mobile number; email `safe_to_email` and an address;
   a letter `safe_for_letters` and a postal address with a UK postcode; a
   phone call is never automated;
6. at send time only: the message still goes where the victim's details now
   say (a changed number or address cancels it: the old one may no longer be
   safe);
7. at send time only: SMS and email inside the victim's safe hours
   (`safe_from`–`safe_until`, Europe/London); outside them the verdict is
   "allowed, but not before" the next opening. Letters ignore hours.

Reasons are the short plain-English texts below (no personal data); they are
stored on the message (`safety_reason`) and the task, and shown to staff.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import phonenumbers
from django.utils import timezone

from victimcare.cases.constants import OffenceGroup
from victimcare.cases.models import Crime, CrimeVictim, Victim

from .constants import Channel, RecipientKind
from .models import OutboundMessage

LONDON = ZoneInfo("Europe/London")

# Offence groups whose victims get no automated message until a safe channel is
# confirmed (security notes row 26: domestic abuse, stalking, sexual offences).
RESTRICTED_GROUPS = frozenset({OffenceGroup.SEXUAL_OFFENCES, OffenceGroup.STALKING_HARASSMENT})

# The reasons (rule texts) a verdict gives. Tests import them.
REASON_NO_VICTIM = "The message names no victim."
REASON_NO_UPDATES = "The victim does not want updates."
REASON_VICTIM_INITIATES = "Contact only if the victim gets in touch first."
REASON_RESTRICTED_UNCONFIRMED = (
    "Restricted case: no safe channel has been confirmed with the victim yet."
)
REASON_PHONE = "Phone calls are not automated: call the victim."
REASON_SMS_UNSAFE = "Texts are not safe for this victim."
REASON_NO_MOBILE = "No mobile number is recorded for texts."
REASON_EMAIL_UNSAFE = "Emails are not safe for this victim."
REASON_NO_EMAIL = "No email address is recorded."
REASON_LETTER_UNSAFE = "Letters to their address are not safe."
REASON_NO_POSTCODE = "No postal address with a postcode is recorded."
REASON_UNKNOWN_CHANNEL = "This channel is not one messages can be sent by."
REASON_DETAILS_CHANGED = "The victim's contact details changed after the message was queued."
REASON_NO_SAFE_HOURS = "The victim's safe hours leave no time to send."
REASON_OUTSIDE_HOURS = "Outside the victim's safe hours."
REASON_PUBLIC_RESTRICTED = (
    "The message is about a restricted case: nothing goes to an address the victim did not give."
)
REASON_PUBLIC_SAFE_CONTACT = (
    "A victim of the case has safe-contact rules: nothing goes to an address they did not give."
)

# A UK postcode (the whole string is searched, so it may sit on any address line).
POSTCODE = re.compile(r"\b[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}\b", re.IGNORECASE)
MOBILE_TYPES = frozenset(
    {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
)


@dataclass(frozen=True)
class Verdict:
    """May this message go now? `allowed` False: never send it (cancel, raise a
    task; `reason` names the rule, no personal data). `not_before` set: safe
    later (outside the victim's safe hours), so wait until then."""

    allowed: bool
    reason: str = ""
    not_before: dt.datetime | None = None


ALLOWED = Verdict(allowed=True)


def is_mobile(number: str | None) -> bool:
    """Whether `number` is a mobile that can receive texts.

    Ofcom's drama range 07700 900000–900999 counts as a UK mobile (demo data and
    tests use only those numbers; libphonenumber calls them invalid)."""
    if not number:
        return False
    try:
        parsed = phonenumbers.parse(number, "GB")
    except phonenumbers.NumberParseException:
        return False
    if parsed.country_code == 44 and 7700900000 <= parsed.national_number <= 7700900999:
        return True
    return phonenumbers.is_valid_number(parsed) and phonenumbers.number_type(parsed) in MOBILE_TYPES


def has_postcode(address: str | None) -> bool:
    return bool(address and POSTCODE.search(address))


def crime_is_restricted(crime: Crime) -> bool:
    """Restricted for safe contact: flagged restricted, domestic abuse, or an
    offence in RESTRICTED_GROUPS (or an offence marked restricted)."""
    return bool(
        crime.restricted
        or crime.domestic_abuse
        or crime.offence.restricted
        or crime.offence.group in RESTRICTED_GROUPS
    )


def letter_recipient(victim: Victim) -> str:
    """The letter's address block: the victim's name, then their address lines."""
    lines = [victim.full_name or "", *str(victim.address or "").splitlines()]
    return "\n".join(line.strip() for line in lines if line.strip())


def recipient_for(*, victim: Victim, channel: str) -> str:
    """Where a message on `channel` goes for `victim` now ("" if nowhere)."""
    if channel == Channel.SMS:
        return victim.phone or ""
    if channel == Channel.EMAIL:
        return victim.email or ""
    if channel == Channel.LETTER:
        return letter_recipient(victim) if victim.address else ""
    return ""


def _channel_reason(*, victim: Victim, channel: str) -> str:
    if channel == Channel.SMS:
        if not victim.safe_to_text:
            return REASON_SMS_UNSAFE
        if not is_mobile(victim.phone):
            return REASON_NO_MOBILE
    elif channel == Channel.EMAIL:
        if not victim.safe_to_email:
            return REASON_EMAIL_UNSAFE
        if not (victim.email or "").strip():
            return REASON_NO_EMAIL
    elif channel == Channel.LETTER:
        if not victim.safe_for_letters:
            return REASON_LETTER_UNSAFE
        if not has_postcode(victim.address):
            return REASON_NO_POSTCODE
    elif channel == "phone":
        return REASON_PHONE
    else:
        return REASON_UNKNOWN_CHANNEL
    return ""


def contact_verdict(*, victim: Victim, crimes: list[Crime], channel: str) -> Verdict:
    """Rules 2–5 for an automated message to `victim` on `channel`, given every
    crime the victim is linked to (offence loaded). Pure: reads nothing else."""
    if not victim.wants_updates:
        return Verdict(False, REASON_NO_UPDATES)
    if victim.contact_only_if_victim_initiates:
        return Verdict(False, REASON_VICTIM_INITIATES)
    if victim.safe_channel_confirmed_at is None and any(crime_is_restricted(c) for c in crimes):
        return Verdict(False, REASON_RESTRICTED_UNCONFIRMED)
    reason = _channel_reason(victim=victim, channel=channel)
    if reason:
        return Verdict(False, reason)
    return ALLOWED


def next_safe_moment(
    *, safe_from: dt.time | None, safe_until: dt.time | None, now: dt.datetime
) -> dt.datetime | None:
    """None if `now` is inside the safe hours (or there are none); else the next
    moment they open, as an aware datetime. Times are London wall-clock times,
    `safe_from` inclusive and `safe_until` exclusive; a window that ends before
    it starts runs overnight. Only one of the two set: from it to midnight, or
    from midnight to it."""
    if safe_from is None and safe_until is None:
        return None
    start = safe_from or dt.time(0, 0)
    local = now.astimezone(LONDON)
    clock = local.time().replace(tzinfo=None)
    if safe_until is None:
        inside = clock >= start
    elif start < safe_until:
        inside = start <= clock < safe_until
    else:  # overnight, e.g. 20:00–08:00
        inside = clock >= start or clock < safe_until
    if inside:
        return None
    day = local.date() if clock < start else local.date() + dt.timedelta(days=1)
    opening = dt.datetime.combine(day, start, tzinfo=LONDON)
    # A wall-clock time skipped by the clocks going forward maps past the gap.
    return opening.astimezone(dt.UTC)


def _linked_crimes(*, victim: Victim, crime: Crime | None) -> list[Crime]:
    crimes = list(
        Crime.objects.filter(victim_links__victim=victim).select_related("offence").distinct()
    )
    if crime is not None and crime.pk not in {c.pk for c in crimes}:
        crimes.append(Crime.objects.select_related("offence").get(pk=crime.pk))
    return crimes


def enqueue_verdict(*, victim: Victim, channel: str, crime: Crime | None = None) -> Verdict:
    """May an automated message to `victim` on `channel` be queued now?

    Rules 2–5 with the victim and their crimes read again from the database
    (safe hours are left to send time: a message may wait in the outbox). For
    anyone about to write a victim message to the outbox."""
    fresh = Victim.objects.get(pk=victim.pk)
    return contact_verdict(
        victim=fresh, crimes=_linked_crimes(victim=fresh, crime=crime), channel=channel
    )


def crime_victims_have_safe_contact_rules(crime: Crime) -> bool:
    """Whether any victim of `crime` has a safe-contact rule: no updates,
    contact only if they get in touch, safe hours, texts or emails not safe."""
    for link in CrimeVictim.objects.filter(crime=crime).select_related("victim"):
        v = link.victim
        if (
            not v.wants_updates
            or v.contact_only_if_victim_initiates
            or v.safe_from is not None
            or v.safe_until is not None
            or not v.safe_to_text
            or not v.safe_to_email
        ):
            return True
    return False


def public_verdict(*, crime: Crime | None) -> Verdict:
    """May a message go to an address a member of the public gave us?

    Not when it is about a crime that is restricted or one of whose victims has
    safe-contact rules: we cannot tell whether the person is that victim, and
    an abuser may read the phone or inbox. Otherwise yes (no victim's rules are
    known for this address)."""
    if crime is None:
        return ALLOWED
    if crime_is_restricted(crime):
        return Verdict(False, REASON_PUBLIC_RESTRICTED)
    if crime_victims_have_safe_contact_rules(crime):
        return Verdict(False, REASON_PUBLIC_SAFE_CONTACT)
    return ALLOWED


def send_time_verdict(*, message: OutboundMessage, now: dt.datetime | None = None) -> Verdict:
    """The verdict for `message` now. Staff messages are always allowed; public
    ones are checked again against their crime (public_verdict).

    Reads the victim and their crimes again from the database (never the copy
    on `message`), so a rule changed after queueing counts. Called by the
    outbox right before the channel; `allowed` False means cancel."""
    if message.recipient_kind == RecipientKind.STAFF:
        return ALLOWED
    if message.recipient_kind == RecipientKind.PUBLIC:
        crime = (
            Crime.objects.select_related("offence").get(pk=message.crime_id)
            if message.crime_id
            else None
        )
        return public_verdict(crime=crime)
    if message.victim_id is None:
        return Verdict(False, REASON_NO_VICTIM)
    now = now or timezone.now()
    victim = Victim.objects.get(pk=message.victim_id)
    crime = Crime.objects.get(pk=message.crime_id) if message.crime_id else None
    verdict = contact_verdict(
        victim=victim, crimes=_linked_crimes(victim=victim, crime=crime), channel=message.channel
    )
    if not verdict.allowed:
        return verdict
    current = recipient_for(victim=victim, channel=message.channel)
    if _normalised(message.recipient, message.channel) != _normalised(current, message.channel):
        return Verdict(False, REASON_DETAILS_CHANGED)
    if message.channel == Channel.LETTER:
        return ALLOWED
    if victim.safe_from is not None and victim.safe_from == victim.safe_until:
        return Verdict(False, REASON_NO_SAFE_HOURS)
    opening = next_safe_moment(safe_from=victim.safe_from, safe_until=victim.safe_until, now=now)
    if opening is not None:
        return Verdict(True, REASON_OUTSIDE_HOURS, not_before=opening)
    return ALLOWED


def _normalised(value: str | None, channel: str) -> str:
    text = " ".join(str(value or "").split()).lower()
    if channel == Channel.SMS and text:
        try:
            parsed = phonenumbers.parse(text, "GB")
        except phonenumbers.NumberParseException:
            return text
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return text


def verdict_text(*, verdict: Verdict, channel_label: str) -> str:
    """The verdict in plain words for staff (the preview page)."""
    if not verdict.allowed:
        return f"Not safe to send: {verdict.reason}"
    if verdict.not_before is not None:
        opens = verdict.not_before.astimezone(LONDON).strftime("%H:%M on %-d %B")
        return (
            f"Safe to send by {channel_label.lower()}, but it is outside the victim's "
            f"safe hours: it will wait until {opens}."
        )
    return f"Safe to send by {channel_label.lower()} now."


def needs_neutral_sender(*, message: OutboundMessage) -> bool:
    """Whether the message must come from a neutral sender (no "Police" in the SMS
    sender name or email reply-to): a victim message when any crime the victim
    is linked to is restricted (an abuser may read the phone)."""
    if message.recipient_kind != RecipientKind.VICTIM or message.victim_id is None:
        return False
    victim = Victim.objects.get(pk=message.victim_id)
    return any(crime_is_restricted(c) for c in _linked_crimes(victim=victim, crime=None))
