"""The words of every message to a victim: versioned templates, their
translations, and the renderer that fills them in.

Templates are data, not code or database rows (see `data/README.md`):
`data/templates/<code>.json` holds a template's version, purpose, the journey
events it tells a victim about, its channels, its placeholders and its
English text; `data/translations/<language>.json` holds each translation with
its review status, and `data/languages.json` each language's direction and the
one-line offer of an interpreter.

The language rule (issue 5): a victim gets their own language only where a
*reviewed* translation of the current template version exists. Otherwise they
get English with, first, a line in their language offering an interpreter
call. That line is used even where it is only a machine draft: one sentence
with a phone number a victim may be able to read is better than English alone,
and the English text it introduces is reviewed. A language we have no line
for gets the English offer.

Placeholders look like Notify's, `((name))`, and are replaced in one pass
with plain text: no code runs and a value is never read as a placeholder.
An offence placeholder is refused on SMS and email (security note 26: no
crime detail in message bodies; an abuser may read the phone or mailbox).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from . import desk

DATA_DIR = Path(__file__).parent / "data"
LONDON = ZoneInfo("Europe/London")

PLACEHOLDER = re.compile(r"\(\(([a-z][a-z0-9_]*)\)\)")
CHANNELS = ("sms", "email", "letter")
REVIEWED, MACHINE_DRAFT, NEEDS_REVIEW = "reviewed", "machine_draft", "needs_review"
REVIEW_STATUSES = (REVIEWED, MACHINE_DRAFT, NEEDS_REVIEW)
# Placeholders that would tell a reader what happened. Refused on SMS and email.
OFFENCE_PLACEHOLDERS = frozenset({"offence", "charges", "offence_date", "sentence_detail"})
NO_OFFENCE_CHANNELS = frozenset({"sms", "email"})
# Notify's limit: 918 characters (6 fragments of 153 GSM characters).
SMS_MAX_CHARS = 918
# A context key "<name>__raw" lets the renderer re-format "<name>" for the
# language of the main text (dates, opening hours).
RAW_SUFFIX = "__raw"
EASY_READ = "easy_read"

UNKNOWN_TEMPLATE = "There is no message template '{code}'."
UNKNOWN_CHANNEL = "Template '{code}' v{version} has no {channel} version."
MISSING_PLACEHOLDER = "Template '{code}' v{version} needs '{name}', which this event does not give."
OFFENCE_ON_CHANNEL = (
    "Template '{code}' v{version} uses '{name}', an offence detail, which may not be sent by "
    "{channel}."
)
BAD_DATA = "Template data is wrong: {detail}"


class TemplateError(ValueError):
    """A template cannot be rendered: unknown, wrong channel, or a placeholder
    the context cannot fill. The message names the template and the problem."""


@dataclass(frozen=True)
class Rendered:
    template_code: str
    version: int
    language: str  # language actually used for the main text
    requested_language: str
    review_status: str  # of the main text
    subject: str  # '' for sms/letter
    body: str  # full text incl. the interpreter line when added
    interpreter_offer: bool
    # Extras for letters (defaults keep the contract above unchanged).
    channel: str = ""
    title: str = ""  # the letter's heading (the email subject's words)
    interpreter_line: str = ""  # already included at the start of `body`
    interpreter_language: str = ""
    accessible_format: str = ""


@dataclass(frozen=True)
class Text:
    review: str
    sms: str = ""
    subject: str = ""
    body: str = ""
    easy_read: str = ""
    easy_read_review: str = NEEDS_REVIEW


@dataclass(frozen=True)
class Template:
    code: str
    version: int
    purpose: str
    events: tuple[str, ...]
    channels: tuple[str, ...]
    placeholders: tuple[str, ...]
    texts: Mapping[str, Text]  # by language; "en" always present


def base_language(language: str) -> str:
    """The primary subtag, lower case: "pl-PL" → "pl", "" → "en"."""
    return (language or "en").split("-")[0].split("_")[0].strip().lower() or "en"


def placeholders_in(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def _text(data: Mapping[str, Any], where: str) -> Text:
    review = data.get("review", "")
    if review not in REVIEW_STATUSES:
        raise TemplateError(BAD_DATA.format(detail=f"{where}: review status {review!r}"))
    return Text(
        review=review,
        sms=data.get("sms", ""),
        subject=data.get("subject", ""),
        body=data.get("body", ""),
        easy_read=data.get("easy_read", ""),
        easy_read_review=data.get("easy_read_review", NEEDS_REVIEW),
    )


@functools.cache
def languages() -> dict[str, dict[str, Any]]:
    """Each language we have words for: name, direction, interpreter offer."""
    data: dict[str, dict[str, Any]] = json.loads(
        (DATA_DIR / "languages.json").read_text(encoding="utf-8")
    )["languages"]
    return data


def text_direction(language: str) -> str:
    """ "rtl" for right-to-left scripts (Arabic, Urdu), else "ltr"."""
    info = languages().get(base_language(language))
    return str(info["dir"]) if info else "ltr"


@functools.cache
def templates() -> dict[str, Template]:
    """Every template, checked: placeholders declared and consistent across
    languages and channels. Raises TemplateError on bad data."""
    translations: dict[str, dict[str, Any]] = {}
    for path in sorted((DATA_DIR / "translations").glob("*.json")):
        translations[path.stem] = json.loads(path.read_text(encoding="utf-8"))["templates"]
    result: dict[str, Template] = {}
    for path in sorted((DATA_DIR / "templates").glob("*.json")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        code, version = raw["code"], int(raw["version"])
        where = f"{code} v{version}"
        if code != path.stem:
            raise TemplateError(BAD_DATA.format(detail=f"{path.name} holds '{code}'"))
        channels = tuple(raw["channels"])
        if not set(channels) <= set(CHANNELS):
            raise TemplateError(BAD_DATA.format(detail=f"{where}: channels {channels}"))
        declared = set(raw["placeholders"])
        texts = {"en": _text(raw["en"], f"{where} en")}
        for language, by_code in translations.items():
            entry = by_code.get(code)
            # A translation of an older version is stale: it is not used.
            if entry is not None and int(entry.get("version", 0)) == version:
                texts[language] = _text(entry, f"{where} {language}")
        for language, text in texts.items():
            _check_text(code, version, language, text, channels, declared, texts["en"])
        result[code] = Template(
            code=code,
            version=version,
            purpose=raw["purpose"],
            events=tuple(raw["events"]),
            channels=channels,
            placeholders=tuple(raw["placeholders"]),
            texts=texts,
        )
    return result


def _check_text(
    code: str,
    version: int,
    language: str,
    text: Text,
    channels: tuple[str, ...],
    declared: set[str],
    english: Text,
) -> None:
    where = f"{code} v{version} {language}"
    parts = {"sms": text.sms, "subject": text.subject, "body": text.body}
    parts["easy_read"] = text.easy_read
    for part, words in parts.items():
        used = placeholders_in(words)
        if not used <= declared:
            raise TemplateError(
                BAD_DATA.format(detail=f"{where} {part} uses undeclared {sorted(used - declared)}")
            )
        if language != "en" and words and used != placeholders_in(getattr(english, part)):
            raise TemplateError(
                BAD_DATA.format(detail=f"{where} {part}: placeholders differ from English")
            )
    if language == "en":
        needed = {"sms": ["sms"], "email": ["subject", "body"], "letter": ["subject", "body"]}
        for channel in channels:
            for part in needed[channel]:
                if not parts[part]:
                    raise TemplateError(BAD_DATA.format(detail=f"{where}: no {part}"))


def template_codes() -> list[str]:
    return sorted(templates())


@functools.cache
def _event_map() -> dict[str, str]:
    mapping: dict[str, str] = {}
    for template in templates().values():
        for event in template.events:
            if event in mapping:
                raise TemplateError(
                    BAD_DATA.format(detail=f"event {event} in {mapping[event]} and {template.code}")
                )
            mapping[event] = template.code
    return mapping


def template_for_event(event_code: str) -> str | None:
    """Which template tells a victim about this journey event (None: no automatic message)."""
    return _event_map().get(event_code)


# --- Formatting -------------------------------------------------------------------

_MONTHS = (
    "January February March April May June July August September October November December"
).split()
_DAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()


def _london(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=LONDON)
    return value.astimezone(LONDON)


def format_date(value: dt.date, language: str = "en") -> str:
    """ "Tuesday 29 December 2026" in English, "29.12.2026" in Polish,
    "29/12/2026" otherwise."""
    lang = base_language(language)
    if lang == "en":
        return f"{_DAYS[value.weekday()]} {value.day} {_MONTHS[value.month - 1]} {value.year}"
    if lang == "pl":
        return value.strftime("%d.%m.%Y")
    return value.strftime("%d/%m/%Y")


def format_when(value: dt.datetime, language: str = "en") -> str:
    """London time: "Tuesday 29 December 2026 at 10:00am" in English,
    "29.12.2026, godz. 10:00" in Polish, "29/12/2026 10:00" otherwise."""
    local = _london(value)
    if base_language(language) == "pl":
        return local.strftime("%d.%m.%Y, godz. %H:%M")
    if base_language(language) != "en":
        return local.strftime("%d/%m/%Y %H:%M")
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    return f"{format_date(local.date())} at {hour}:{local.minute:02d}{suffix}"


def _localised(name: str, raw: str, language: str) -> str | None:
    """The value of `name` re-formatted for `language`, from its raw form."""
    if name == "desk_hours":
        return desk.desk_hours_text(language)
    try:
        if "T" in raw:
            return format_when(dt.datetime.fromisoformat(raw), language)
        return format_date(dt.date.fromisoformat(raw), language)
    except ValueError:
        return None


def _bullets(items: list[str]) -> str:
    return "\n".join(f"* {item}" for item in items)


# --- Context ----------------------------------------------------------------------

# Journey-event detail → placeholder, for datetimes (formatted) and lists (bullets).
_EVENT_DATETIMES = {
    "hearing_at": "hearing_at",
    "first_hearing_at": "hearing_at",
    "trial_at": "hearing_at",
    "bail_until": "bail_until",
}
_EVENT_LISTS = {
    "conditions": "bail_conditions",
    "bail_conditions": "bail_conditions",
    "charges": "charges",
    "licence_conditions": "licence_conditions",
}
_EVENT_TEXTS = {"court": "court", "support_service": "support_service"}
_EVENT_TEXTS["support_contact"] = "support_contact"


def message_context(
    *, crime: Any, victim: Any, event: Any = None, duty: Any = None
) -> dict[str, str]:
    """Everything the placeholders may use, from the case record, in English.

    Keys: crn, victim_name, oic_name, oic_contact (the officer's email),
    desk_phone, desk_hours, offence, and from the event where it gives them:
    hearing_at (London time), court, bail_conditions (one "* " line each),
    bail_until, charges, support_service, support_contact. next_update comes
    from the victim's contact plan. feedback_link is the caller's to add.
    Values needing another form in another language come with a
    "<name>__raw" twin the renderer uses; offence details are here for
    letters only — message_render refuses them on SMS and email.
    """
    from django.conf import settings
    from django.utils import timezone

    context: dict[str, str] = {
        "crn": crime.crn,
        "desk_phone": settings.VICTIM_FOCUS_DESK_PHONE,
        "desk_hours": desk.desk_hours_text("en"),
        "desk_hours__raw": "desk",
    }
    if crime.offence_id:
        context["offence"] = crime.offence.name
    if victim is not None and victim.full_name:
        context["victim_name"] = victim.full_name
    oic = crime.oic
    if oic is not None:
        context["oic_name"] = oic.full_name
        context["oic_contact"] = oic.email
    details: Mapping[str, Any] = (event.details or {}) if event is not None else {}
    for key, name in _EVENT_DATETIMES.items():
        if key in details:
            when = dt.datetime.fromisoformat(details[key])
            context[name] = format_when(when)
            context[name + RAW_SUFFIX] = when.isoformat()
    for key, name in _EVENT_LISTS.items():
        if details.get(key):
            context[name] = _bullets(list(details[key]))
    for key, name in _EVENT_TEXTS.items():
        if details.get(key):
            context[name] = str(details[key])
    interval = _update_interval_days(victim)
    if interval:
        next_update = timezone.localdate() + dt.timedelta(days=interval)
        if duty is not None and getattr(duty, "due_at", None) is not None:
            next_update = timezone.localtime(duty.due_at).date() + dt.timedelta(days=interval)
        context["next_update"] = format_date(next_update)
        context["next_update" + RAW_SUFFIX] = next_update.isoformat()
    return context


def _update_interval_days(victim: Any) -> int | None:
    needs = getattr(victim, "needs", None) if victim is not None else None
    current = getattr(needs, "current", None) if needs is not None else None
    return getattr(current, "update_interval_days", None) or (28 if victim is not None else None)


# --- Rendering --------------------------------------------------------------------


def _fill(text: str, values: Mapping[str, str], template: Template, channel: str) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in OFFENCE_PLACEHOLDERS and channel in NO_OFFENCE_CHANNELS:
            raise TemplateError(
                OFFENCE_ON_CHANNEL.format(
                    code=template.code, version=template.version, name=name, channel=channel
                )
            )
        value = values.get(name)
        if value is None or not str(value).strip():
            raise TemplateError(
                MISSING_PLACEHOLDER.format(code=template.code, version=template.version, name=name)
            )
        return str(value)

    return PLACEHOLDER.sub(replace, text)


def _values_for(context: Mapping[str, str], language: str) -> dict[str, str]:
    values = {k: v for k, v in context.items() if not k.endswith(RAW_SUFFIX)}
    if base_language(language) != "en":
        for key, raw in context.items():
            if key.endswith(RAW_SUFFIX):
                name = key.removesuffix(RAW_SUFFIX)
                localised = _localised(name, raw, language)
                if localised is not None and name in values:
                    values[name] = localised
    return values


def interpreter_line(language: str, context: Mapping[str, str]) -> tuple[str, str, str]:
    """(text, language, review status) of the interpreter offer for `language`;
    English where we have no line in that language."""
    info = languages().get(base_language(language)) or languages()["en"]
    offer = info["interpreter_offer"]
    used = base_language(language) if base_language(language) in languages() else "en"
    text = PLACEHOLDER.sub(lambda m: context.get(m.group(1), m.group(0)), offer["text"])
    if placeholders_in(text):
        raise TemplateError(
            MISSING_PLACEHOLDER.format(
                code="interpreter_offer", version=1, name=sorted(placeholders_in(text))[0]
            )
        )
    return text, used, offer["review"]


def message_render(
    *,
    template_code: str,
    channel: str,
    language: str,
    context: Mapping[str, str],
    accessible_format: str = "",
) -> Rendered:
    """The message in the victim's language if a reviewed translation exists,
    else English after an interpreter offer in their language.

    `accessible_format="easy_read"` uses the easy-read English text where the
    template has one (review status "needs_review"). Raises TemplateError for
    an unknown template, a channel it lacks, an offence placeholder on SMS or
    email, or a placeholder the context cannot fill.
    """
    template = templates().get(template_code)
    if template is None:
        raise TemplateError(UNKNOWN_TEMPLATE.format(code=template_code))
    if channel not in template.channels:
        raise TemplateError(
            UNKNOWN_CHANNEL.format(code=template.code, version=template.version, channel=channel)
        )
    requested = base_language(language)
    translation = template.texts.get(requested)
    if requested != "en" and translation is not None and translation.review == REVIEWED:
        used, text, offer = requested, translation, False
    else:
        used, text, offer = "en", template.texts["en"], requested != "en"
    review = text.review
    body_words = text.sms if channel == "sms" else text.body
    if accessible_format == EASY_READ and channel != "sms" and used == "en" and text.easy_read:
        body_words, review = text.easy_read, text.easy_read_review
    values = _values_for(context, used)
    body = _fill(body_words, values, template, channel)
    title = "" if channel == "sms" else _fill(text.subject, values, template, channel)
    line, line_language = "", ""
    if offer:
        line, line_language, _ = interpreter_line(requested, values)
        body = f"{line}\n\n{body}"
    if channel == "sms" and len(body) > SMS_MAX_CHARS:
        raise TemplateError(
            f"Template '{template.code}' v{template.version} makes an SMS of {len(body)} "
            f"characters; the limit is {SMS_MAX_CHARS}."
        )
    return Rendered(
        template_code=template.code,
        version=template.version,
        language=used,
        requested_language=language,
        review_status=review,
        subject=title if channel == "email" else "",
        body=body,
        interpreter_offer=offer,
        channel=channel,
        title=title,
        interpreter_line=line,
        interpreter_language=line_language,
        accessible_format=accessible_format,
    )
