"""Checks of case-record input, shared by the services. Each returns the errors it
finds as {field: [message]} (messages from messages.py) and never writes.

Services collect every error first and raise one ValidationError, so a form
or an API client hears about all of them at once and nothing is saved.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from . import messages as msg
from .constants import (
    AccessibleFormat,
    AgeBand,
    Channel,
    ConsentKind,
    ConsentMethod,
    CrimeOutcome,
    EnhancedReason,
    EventCode,
    SpecialMeasure,
    SupportNeed,
    VictimRole,
    VpsOutcome,
    Vulnerability,
)

if TYPE_CHECKING:
    from .services import ConsentInput, EqualityInput, NeedsInput, VictimInput

Errors = dict[str, list[str]]

_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_EARLIEST_BIRTH = dt.date(1900, 1, 1)
DISABILITY_ANSWERS = frozenset({"", "yes", "no", "not_said"})
DETAIL_TEXT_MAX = 500
# Contact plan: an update at least every 3 months, no more than daily.
UPDATE_INTERVAL_MIN, UPDATE_INTERVAL_MAX = 1, 91

# Channel → the safe-contact flag that must be set to use it.
CHANNEL_FLAGS = {
    Channel.PHONE: "safe_to_call",
    Channel.SMS: "safe_to_text",
    Channel.EMAIL: "safe_to_email",
    Channel.LETTER: "safe_for_letters",
}


def add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def prefixed(prefix: str, errors: Errors) -> Errors:
    """`errors` with each field named under `prefix` ("victims[0]" + "phone")."""
    return {f"{prefix}.{field}": messages for field, messages in errors.items()}


def raise_if(errors: Errors) -> None:
    if errors:
        raise ValidationError(errors)


def aware(value: dt.datetime) -> dt.datetime:
    """A naive datetime is read in the service's time zone (Europe/London)."""
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _is_drama_mobile(parsed: phonenumbers.PhoneNumber) -> bool:
    # Ofcom reserves 07700 900000-900999 for drama and testing. libphonenumber
    # calls them invalid, but our demo data and tests must use exactly these
    # (no real person's number), so they are accepted as UK mobiles.
    return parsed.country_code == 44 and 7700900000 <= parsed.national_number <= 7700900999


def phone_e164(value: str) -> str:
    """The number in E.164 form; raises ValueError unless it is a valid UK or
    international number ("07700 900123" is read as a UK number)."""
    try:
        parsed = phonenumbers.parse(value, "GB")
    except phonenumbers.NumberParseException as exc:
        raise ValueError("not a phone number") from exc
    if not (phonenumbers.is_valid_number(parsed) or _is_drama_mobile(parsed)):
        raise ValueError("not a valid phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def email_valid(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


def _choices(errors: Errors, field: str, values: Iterable[str], allowed: Iterable[str]) -> None:
    values = list(values)
    allowed = set(allowed)
    for value in values:
        if value not in allowed:
            add(errors, field, msg.CHOICE_INVALID.format(value=value))
            return
    if len(set(values)) != len(values):
        add(errors, field, msg.CHOICE_REPEATED)


def victim_errors(data: VictimInput) -> Errors:
    """Everything wrong with one person's details, contact rules, needs and consents."""
    errors: Errors = {}
    name = (data.full_name or "").strip()
    if not name:
        add(errors, "full_name", msg.NAME_REQUIRED)
    elif len(name) > 200:
        add(errors, "full_name", msg.NAME_TOO_LONG)
    if data.date_of_birth is not None:
        if data.date_of_birth > timezone.localdate():
            add(errors, "date_of_birth", msg.DATE_OF_BIRTH_IN_FUTURE)
        elif data.date_of_birth < _EARLIEST_BIRTH:
            add(errors, "date_of_birth", msg.DATE_OF_BIRTH_TOO_EARLY)
    if (data.phone or "").strip():
        try:
            phone_e164(data.phone.strip())
        except ValueError:
            add(errors, "phone", msg.PHONE_INVALID)
    if (data.email or "").strip() and not email_valid(data.email.strip()):
        add(errors, "email", msg.EMAIL_INVALID)
    if len((data.address or "").strip()) > 500:
        add(errors, "address", msg.ADDRESS_TOO_LONG)
    if data.role not in VictimRole.values:
        add(errors, "role", msg.ROLE_INVALID)
    if data.preferred_channel not in Channel.values:
        add(errors, "preferred_channel", msg.CHANNEL_INVALID)
    if not _LANGUAGE.match(data.language or "") or len(data.language) > 12:
        add(errors, "language", msg.LANGUAGE_INVALID)
    if data.accessible_format not in AccessibleFormat.values:
        add(errors, "accessible_format", msg.ACCESSIBLE_FORMAT_INVALID)
    if len((data.code_word or "").strip()) > 100:
        add(errors, "code_word", msg.CODE_WORD_TOO_LONG)
    errors.update(safe_contact_errors(data))
    if data.needs is not None:
        errors.update(prefixed("needs", needs_errors(data.needs)))
    errors.update(consent_errors(data.consents))
    if data.equality is not None:
        errors.update(prefixed("equality", equality_errors(data.equality)))
    return errors


def safe_contact_errors(data: VictimInput) -> Errors:
    """Safe-contact rules that contradict themselves."""
    errors: Errors = {}
    safe_flags = [getattr(data, flag) for flag in CHANNEL_FLAGS.values()]
    # Someone who wants updates must leave at least one safe way to reach them.
    if data.wants_updates and not any(safe_flags):
        add(errors, "wants_updates", msg.NO_SAFE_CHANNEL)
    flag = CHANNEL_FLAGS.get(data.preferred_channel)
    if flag is not None and any(safe_flags) and not getattr(data, flag):
        add(errors, "preferred_channel", msg.PREFERRED_CHANNEL_NOT_SAFE)
    if (data.safe_from is None) != (data.safe_until is None):
        add(errors, "safe_until" if data.safe_until is None else "safe_from", msg.SAFE_TIMES_BOTH)
    elif data.safe_from is not None and data.safe_until is not None:
        if data.safe_until <= data.safe_from:
            add(errors, "safe_until", msg.SAFE_TIMES_ORDER)
    return errors


def needs_errors(needs: NeedsInput) -> Errors:
    errors: Errors = {}
    _choices(errors, "vulnerabilities", needs.vulnerabilities, Vulnerability.values)
    _choices(errors, "special_measures", needs.special_measures, SpecialMeasure.values)
    _choices(errors, "support_wanted", needs.support_wanted, SupportNeed.values)
    _choices(errors, "enhanced_reasons", needs.enhanced_reasons, EnhancedReason.values)
    if len((needs.communication_needs or "").strip()) > 500:
        add(errors, "communication_needs", msg.COMMUNICATION_NEEDS_TOO_LONG)
    if needs.enhanced and not needs.enhanced_reasons:
        add(errors, "enhanced_reasons", msg.ENHANCED_REASON_REQUIRED)
    interval = needs.update_interval_days
    if interval is not None and (
        isinstance(interval, bool)
        or not isinstance(interval, int)
        or not (UPDATE_INTERVAL_MIN <= interval <= UPDATE_INTERVAL_MAX)
    ):
        add(errors, "update_interval_days", msg.UPDATE_INTERVAL_INVALID)
    return errors


def consent_errors(consents: Iterable[ConsentInput]) -> Errors:
    errors: Errors = {}
    seen: set[str] = set()
    for i, consent in enumerate(consents):
        field = f"consents[{i}]"
        if consent.kind not in ConsentKind.values:
            add(errors, f"{field}.kind", msg.CONSENT_KIND_INVALID)
        elif consent.kind in seen:
            add(errors, f"{field}.kind", msg.CONSENT_REPEATED)
        seen.add(consent.kind)
        if consent.method not in ConsentMethod.values:
            add(errors, f"{field}.method", msg.CONSENT_METHOD_INVALID)
    return errors


def equality_errors(equality: EqualityInput) -> Errors:
    errors: Errors = {}
    if equality.age_band not in AgeBand.values:
        add(errors, "age_band", msg.AGE_BAND_INVALID)
    if equality.disability not in DISABILITY_ANSWERS:
        add(errors, "disability", msg.DISABILITY_INVALID)
    for field in ("sex", "ethnicity"):
        if len(getattr(equality, field) or "") > 60:
            add(errors, field, msg.EQUALITY_TOO_LONG)
    return errors


# --- Journey event details ---------------------------------------------------------
#
# Each code lists the fields its `details` may hold and their type. Details are
# shared with every organisation on the case, so only typed fields are kept:
# an unknown field is refused rather than stored.

TEXT, TEXT_LIST, DATETIME, NUMBER, BOOLEAN = "text", "text_list", "datetime", "number", "boolean"
VERDICT_RESULTS = ("guilty", "not_guilty", "mixed")
PLEAS = ("guilty", "not_guilty")

DETAIL_FIELDS: dict[str, dict[str, str]] = {
    EventCode.HEARING_SCHEDULED: {"hearing_at": DATETIME, "court": TEXT, "hearing_type": TEXT},
    EventCode.HEARING_CHANGED: {"hearing_at": DATETIME, "court": TEXT, "hearing_type": TEXT},
    EventCode.RELEASED_ON_BAIL: {"conditions": TEXT_LIST, "bail_until": DATETIME},
    EventCode.BAIL_CONDITIONS_CHANGED: {"conditions": TEXT_LIST, "bail_until": DATETIME},
    EventCode.CHARGED: {
        "charges": TEXT_LIST,
        "first_hearing_at": DATETIME,
        "court": TEXT,
        "bail_conditions": TEXT_LIST,
    },
    # VCOP Right 7: the statement records whether a VPS was offered, made or declined.
    EventCode.STATEMENT_TAKEN: {"vps": TEXT},
    EventCode.CHARGE_ALTERED: {"charges": TEXT_LIST},
    EventCode.BAIL_HEARING_OUTCOME: {"remanded": BOOLEAN, "conditions": TEXT_LIST},
    EventCode.WITNESS_REQUIRED: {"trial_at": DATETIME, "court": TEXT, "plea": TEXT},
    EventCode.VERDICT: {"result": TEXT, "reasons": TEXT},
    EventCode.SENTENCED: {
        "sentence": TEXT,
        "custody_months": NUMBER,
        "hospital_order": BOOLEAN,
        "specified_offence": BOOLEAN,
    },
    EventCode.OFFENDER_RELEASED: {"licence_conditions": TEXT_LIST},
    EventCode.CASE_CLOSED: {"outcome": TEXT},
}
REQUIRED_DETAILS: dict[str, tuple[tuple[str, str], ...]] = {
    # VCOP Right 8: the WCU tells the victim the date, time and place of a hearing.
    EventCode.HEARING_SCHEDULED: (
        ("hearing_at", msg.HEARING_DATE_REQUIRED),
        ("court", msg.HEARING_COURT_REQUIRED),
    ),
    EventCode.HEARING_CHANGED: (
        ("hearing_at", msg.HEARING_DATE_REQUIRED),
        ("court", msg.HEARING_COURT_REQUIRED),
    ),
    EventCode.CASE_CLOSED: (("outcome", msg.OUTCOME_REQUIRED),),
}
DETAIL_CHOICES: dict[str, tuple[str, ...]] = {
    "result": VERDICT_RESULTS,
    "plea": PLEAS,
    "outcome": tuple(v for v in CrimeOutcome.values if v),
    "vps": tuple(VpsOutcome.values),
}


def parse_datetime(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


def event_details_errors(code: str, details: Any) -> tuple[dict[str, Any], Errors]:
    """The details cleaned for storage (datetimes as aware ISO text, texts
    stripped, empty values dropped) and the errors, keyed by detail field."""
    errors: Errors = {}
    if details is None:
        details = {}
    if not isinstance(details, dict):
        return {}, {"details": [msg.DETAILS_NOT_AN_OBJECT]}
    fields = DETAIL_FIELDS.get(code, {})
    clean: dict[str, Any] = {}
    for name, value in details.items():
        kind = fields.get(name)
        if kind is None:
            add(errors, str(name), msg.DETAILS_UNKNOWN_FIELD.format(field=name))
            continue
        if value in (None, "", []):
            continue
        if kind == TEXT:
            if not isinstance(value, str) or len(value.strip()) > DETAIL_TEXT_MAX:
                add(errors, name, msg.DETAILS_TEXT_INVALID.format(field=name))
                continue
            choices = DETAIL_CHOICES.get(name)
            if choices and value.strip() not in choices:
                add(
                    errors,
                    name,
                    msg.DETAILS_CHOICE_INVALID.format(field=name, choices=", ".join(choices)),
                )
                continue
            if value.strip():
                clean[name] = value.strip()
        elif kind == TEXT_LIST:
            if not isinstance(value, list) or not all(
                isinstance(item, str) and len(item.strip()) <= DETAIL_TEXT_MAX for item in value
            ):
                add(errors, name, msg.DETAILS_NOT_A_LIST.format(field=name))
                continue
            items = [item.strip() for item in value if item.strip()]
            if items:
                clean[name] = items
        elif kind == DATETIME:
            parsed = parse_datetime(value)
            if parsed is None:
                add(
                    errors,
                    name,
                    msg.HEARING_DATE_INVALID
                    if name == "hearing_at"
                    else msg.DETAILS_DATETIME_INVALID.format(field=name),
                )
                continue
            clean[name] = aware(parsed).isoformat()
        elif kind == NUMBER:
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                add(errors, name, msg.DETAILS_NUMBER_INVALID.format(field=name))
                continue
            clean[name] = value
        elif kind == BOOLEAN:
            if not isinstance(value, bool):
                add(errors, name, msg.DETAILS_BOOLEAN_INVALID.format(field=name))
                continue
            clean[name] = value
    for name, message in REQUIRED_DETAILS.get(code, ()):
        if name not in clean and name not in errors:
            add(errors, name, message)
    return clean, errors
