"""Before a referral is sent: whose consent it needs, and the data-quality gate.

The 2013 report (recommendation 4) found referrals that reached Victim
Support incomplete or wrong. So nothing is sent until the gate passes: every
problem is listed in plain English for the officer to fix, at once.

Consent (VCOP Right 4): referral is automatic unless the victim opts out,
except in the cases named in CONSENT_FIRST (sexual offences, domestic abuse,
people bereaved by crime), where the victim's explicit consent comes first.
Each case is a rule that can be switched off with the setting
REFERRAL_CONSENT_FIRST (a dict of rule name to bool). Consent is the latest
ConsentRecord of kind `referral`: given=False is a decline (an opt-out).

Reads only: nothing here writes or sends anything.
"""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from django.conf import settings

from victimcare.cases.constants import ConsentKind, OffenceGroup, VictimRole
from victimcare.cases.models import ConsentRecord, Crime, CrimeVictim, NeedsAssessment, Victim
from victimcare.cases.validation import email_valid
from victimcare.messaging.safety import crime_is_restricted

from .constants import RiskLevel
from .directory import ineligibility_reasons
from .models import SupportService

# VCOP Right 4: explicit consent first for these; automatic with opt-out otherwise.
# The words finish "Record the victim's explicit consent: ...".
CONSENT_FIRST: dict[str, str] = {
    "sexual_offence": "this is a sexual offence",
    "domestic_abuse": "the crime is domestic abuse",
    "bereaved_relative": "they are bereaved by crime",
}

# Problems the gate reports (plain English; tests import them).
CONSENT_EXPLICIT = "Record the victim's explicit consent: {reason}"
CONSENT_DECLINED = (
    "The victim said they do not want a referral: record their consent if they have changed "
    "their mind"
)
CONSENT_VICTIM_INITIATES = (
    "Record the victim's explicit consent: they asked to be contacted only if they get in "
    "touch first"
)
NO_CONTACT = "Add a phone number, email or address the service can use"
PHONE_INVALID = "The phone number is not a valid UK number"
EMAIL_INVALID = "The email address is not valid"
SAFE_CONTACT = (
    "Record the safe-contact rules: the crime is restricted ({why}) and no safe channel is "
    "confirmed"
)
NEEDS_MISSING = "Record a needs assessment"
RISK_MISSING_DA = "Record the risk level (DASH) for a domestic abuse referral"
RISK_INVALID = "Choose standard, medium or high risk"
NOT_ON_CRIME = "Choose a person linked to this crime"


def consent_first_rules() -> dict[str, bool]:
    """Which consent-first rules are on (all by default; the setting overrides)."""
    configured = getattr(settings, "REFERRAL_CONSENT_FIRST", None) or {}
    return {name: bool(configured.get(name, True)) for name in CONSENT_FIRST}


def victim_role(*, crime: Crime, victim: Victim) -> str | None:
    return (
        CrimeVictim.objects.filter(crime=crime, victim=victim)
        .values_list("role", flat=True)
        .first()
    )


def explicit_consent_reasons(*, crime: Crime, victim: Victim) -> list[str]:
    """Why this referral needs explicit consent first (empty: automatic with opt-out)."""
    on = consent_first_rules()
    reasons = []
    if on["sexual_offence"] and crime.offence.group == OffenceGroup.SEXUAL_OFFENCES:
        reasons.append(CONSENT_FIRST["sexual_offence"])
    if on["domestic_abuse"] and crime.domestic_abuse:
        reasons.append(CONSENT_FIRST["domestic_abuse"])
    role = victim_role(crime=crime, victim=victim)
    # A homicide's contact is a bereaved relative whatever the role says.
    if on["bereaved_relative"] and (
        role == VictimRole.BEREAVED_RELATIVE or crime.offence.group == OffenceGroup.HOMICIDE
    ):
        reasons.append(CONSENT_FIRST["bereaved_relative"])
    return reasons


def latest_consent(*, victim: Victim) -> ConsentRecord | None:
    """The victim's latest referral consent record (given or declined), if any."""
    return (
        ConsentRecord.objects.filter(victim=victim, kind=ConsentKind.REFERRAL)
        .order_by("-recorded_at", "-pk")
        .first()
    )


@dataclass(frozen=True)
class ConsentPosition:
    """Where consent stands for one victim on one crime."""

    explicit_reasons: tuple[str, ...]
    latest: ConsentRecord | None

    @property
    def needs_explicit(self) -> bool:
        return bool(self.explicit_reasons)

    @property
    def given(self) -> bool:
        return self.latest is not None and self.latest.given

    @property
    def declined(self) -> bool:
        return self.latest is not None and not self.latest.given

    @property
    def may_refer(self) -> bool:
        return self.given or (not self.declined and not self.needs_explicit)


def consent_position(*, crime: Crime, victim: Victim) -> ConsentPosition:
    return ConsentPosition(
        explicit_reasons=tuple(explicit_consent_reasons(crime=crime, victim=victim)),
        latest=latest_consent(victim=victim),
    )


def phone_is_uk(number: str) -> bool:
    """A valid UK number (Ofcom's drama range 07700 900xxx counts, as in cases)."""
    try:
        parsed = phonenumbers.parse(number, "GB")
    except phonenumbers.NumberParseException:
        return False
    if parsed.country_code != 44:
        return False
    if 7700900000 <= parsed.national_number <= 7700900999:
        return True
    return phonenumbers.is_valid_number(parsed)


def _restricted_why(crime: Crime) -> str:
    if crime.domestic_abuse:
        return "domestic abuse"
    if crime.offence.group == OffenceGroup.SEXUAL_OFFENCES:
        return "a sexual offence"
    if crime.offence.group == OffenceGroup.STALKING_HARASSMENT:
        return "stalking or harassment"
    return "a restricted case"


def gate_problems(
    *,
    crime: Crime,
    victim: Victim,
    service: SupportService,
    risk_level: str,
    consent: ConsentRecord | None,
) -> list[str]:
    """Every reason this referral may not be sent yet, in plain English (empty: it may).

    `consent` is the victim's latest referral consent record (`latest_consent`).
    Checks: the person is on the crime; consent (explicit where CONSENT_FIRST
    says so; none declined); somewhere the service can safely make contact,
    with a valid UK phone number and email; on a restricted crime, a safe
    channel confirmed; a needs assessment; a risk level for domestic abuse
    and the service's own eligibility (`directory.ineligibility_reasons`:
    active, borough, age, gender, offence, risk level)."""
    problems: list[str] = []
    if victim_role(crime=crime, victim=victim) is None:
        return [NOT_ON_CRIME]
    victim = Victim.objects.select_related("needs").get(pk=victim.pk)
    given = consent is not None and consent.given
    if consent is not None and not consent.given:
        problems.append(CONSENT_DECLINED)
    elif not given:
        problems += [
            CONSENT_EXPLICIT.format(reason=reason)
            for reason in explicit_consent_reasons(crime=crime, victim=victim)
        ]
        if victim.contact_only_if_victim_initiates:
            problems.append(CONSENT_VICTIM_INITIATES)

    phone, email, address = (
        (victim.phone or "").strip(),
        (victim.email or "").strip(),
        (victim.address or "").strip(),
    )
    usable = (
        (phone and (victim.safe_to_call or victim.safe_to_text))
        or (email and victim.safe_to_email)
        or (address and victim.safe_for_letters)
    )
    if not usable:
        problems.append(NO_CONTACT)
    if phone and not phone_is_uk(phone):
        problems.append(PHONE_INVALID)
    if email and not email_valid(email):
        problems.append(EMAIL_INVALID)
    if crime_is_restricted(crime) and victim.safe_channel_confirmed_at is None:
        problems.append(SAFE_CONTACT.format(why=_restricted_why(crime)))

    if not NeedsAssessment.objects.filter(victim=victim, current__isnull=False).exists():
        problems.append(NEEDS_MISSING)
    if risk_level and risk_level not in RiskLevel.values:
        problems.append(RISK_INVALID)
    elif not risk_level and crime.domestic_abuse:
        problems.append(RISK_MISSING_DA)

    # The service's own rules: active, borough, age, gender, offence, risk level.
    problems += ineligibility_reasons(service, crime, victim, risk_level)
    # One line per problem, in the order found (the directory may repeat one of ours).
    return list(dict.fromkeys(problems))
