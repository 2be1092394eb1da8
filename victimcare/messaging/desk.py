"""The Victim Focus Desk's opening hours, from settings.

`VICTIM_FOCUS_DESK_HOURS` is a list of "days HH:MM-HH:MM" groups separated by
";" (days: mon..sun or a range such as mon-fri), in London time. Every
message gives the desk's number and hours; the desk console (a later issue)
uses `desk_is_open` to say whether a call will be answered now.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings

LONDON = ZoneInfo("Europe/London")
DAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_GROUP = re.compile(
    r"^\s*(?P<days>[a-z]{3}(?:-[a-z]{3})?)\s+(?P<open>\d{2}:\d{2})-(?P<close>\d{2}:\d{2})\s*$"
)
BAD_HOURS = (
    "VICTIM_FOCUS_DESK_HOURS is not understood: {group!r} (expected e.g. 'mon-fri 08:00-20:00')."
)

# Weekday names (Monday first), "to", the join between groups, and the bank
# holiday note, per language. Machine drafts except English and Polish; the
# times themselves are 24-hour outside English.
_WORDS: dict[str, tuple[tuple[str, ...], str, str, str]] = {
    "en": (
        tuple("Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()),
        "to",
        ", ",
        "closed on bank holidays",
    ),
    "pl": (
        ("poniedziałek", "wtorek", "środa", "czwartek", "piątek", "sobota", "niedziela"),
        "–",
        ", ",
        "nieczynne w dni ustawowo wolne od pracy",
    ),
    "ro": (
        ("luni", "marți", "miercuri", "joi", "vineri", "sâmbătă", "duminică"),
        "–",
        ", ",
        "închis în zilele de sărbătoare legală",
    ),
    "el": (
        ("Δευτέρα", "Τρίτη", "Τετάρτη", "Πέμπτη", "Παρασκευή", "Σάββατο", "Κυριακή"),
        "–",
        ", ",
        "κλειστά τις επίσημες αργίες",
    ),
    "tr": (
        ("Pazartesi", "Salı", "Çarşamba", "Perşembe", "Cuma", "Cumartesi", "Pazar"),
        "–",
        ", ",
        "resmi tatillerde kapalı",
    ),
    "vi": (
        ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"),
        "–",
        ", ",
        "đóng cửa vào ngày lễ",
    ),
    "zh": (
        ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"),
        "至",
        "，",
        "法定假日休息",
    ),
    "hi": (
        ("सोमवार", "मंगलवार", "बुधवार", "गुरुवार", "शुक्रवार", "शनिवार", "रविवार"),
        "–",
        ", ",
        "सार्वजनिक छुट्टियों पर बंद",
    ),
    "bn": (
        ("সোমবার", "মঙ্গলবার", "বুধবার", "বৃহস্পতিবার", "শুক্রবার", "শনিবার", "রবিবার"),
        "–",
        ", ",
        "সরকারি ছুটির দিনে বন্ধ",
    ),
    "ur": (
        ("پیر", "منگل", "بدھ", "جمعرات", "جمعہ", "ہفتہ", "اتوار"),
        "–",
        "، ",
        "سرکاری تعطیلات پر بند",
    ),
    "ar": (
        ("الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"),
        "–",
        "، ",
        "مغلق في العطلات الرسمية",
    ),
    "pa": (
        ("ਸੋਮਵਾਰ", "ਮੰਗਲਵਾਰ", "ਬੁੱਧਵਾਰ", "ਵੀਰਵਾਰ", "ਸ਼ੁੱਕਰਵਾਰ", "ਸ਼ਨੀਵਾਰ", "ਐਤਵਾਰ"),
        "–",
        ", ",
        "ਸਰਕਾਰੀ ਛੁੱਟੀਆਂ ਵਾਲੇ ਦਿਨ ਬੰਦ",
    ),
    "gu": (
        ("સોમવાર", "મંગળવાર", "બુધવાર", "ગુરુવાર", "શુક્રવાર", "શનિવાર", "રવિવાર"),
        "–",
        ", ",
        "જાહેર રજાઓમાં બંધ",
    ),
}


@dataclass(frozen=True)
class OpeningGroup:
    first_day: int  # 0 = Monday
    last_day: int
    opens: dt.time
    closes: dt.time


@functools.cache
def _parse(spec: str) -> tuple[OpeningGroup, ...]:
    groups = []
    for part in filter(None, (p.strip() for p in spec.lower().split(";"))):
        match = _GROUP.match(part)
        if match is None:
            raise ValueError(BAD_HOURS.format(group=part))
        first, _, last = match["days"].partition("-")
        last = last or first
        if first not in DAY_CODES or last not in DAY_CODES:
            raise ValueError(BAD_HOURS.format(group=part))
        opens = dt.time.fromisoformat(match["open"])
        closes = dt.time.fromisoformat(match["close"])
        if closes <= opens:
            raise ValueError(BAD_HOURS.format(group=part))
        groups.append(OpeningGroup(DAY_CODES.index(first), DAY_CODES.index(last), opens, closes))
    return tuple(groups)


def opening_hours() -> tuple[OpeningGroup, ...]:
    return _parse(settings.VICTIM_FOCUS_DESK_HOURS)


def _english_time(value: dt.time) -> str:
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    return f"{hour}{suffix}" if value.minute == 0 else f"{hour}:{value.minute:02d}{suffix}"


def desk_hours_text(language: str = "en") -> str:
    """The opening hours in words: "8am to 8pm Monday to Friday, 8am to 4pm
    Saturday and Sunday" in English; 24-hour times and local day names in the
    other languages we have words for (English otherwise). Cached per language
    and setting: every public page and message asks for it."""
    return _hours_text(
        (language or "en").split("-")[0].lower(),
        settings.VICTIM_FOCUS_DESK_HOURS,
        bool(settings.VICTIM_FOCUS_DESK_CLOSED_ON_BANK_HOLIDAYS),
    )


@functools.lru_cache(maxsize=64)
def _hours_text(lang: str, hours: str, closed_on_bank_holidays: bool) -> str:
    days, to, join, closed_note = _WORDS.get(lang, _WORDS["en"])
    parts = []
    for group in _parse(hours):
        span = days[group.first_day]
        if group.last_day == group.first_day + 1 and lang == "en":
            span = f"{days[group.first_day]} and {days[group.last_day]}"
        elif group.last_day != group.first_day:
            span = f"{days[group.first_day]} {to} {days[group.last_day]}"
        if lang in _WORDS and lang != "en":
            parts.append(f"{span} {group.opens:%H:%M}–{group.closes:%H:%M}")
        else:
            parts.append(f"{_english_time(group.opens)} to {_english_time(group.closes)} {span}")
    text = join.join(parts)
    if closed_on_bank_holidays:
        text = f"{text} ({closed_note})"
    return text


@functools.cache
def _bank_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("GB", subdiv="ENG", years=year)


def desk_is_open(at: dt.datetime) -> bool:
    """Whether the desk answers at `at` (any time zone; naive means London)."""
    local = (at if at.tzinfo else at.replace(tzinfo=LONDON)).astimezone(LONDON)
    if settings.VICTIM_FOCUS_DESK_CLOSED_ON_BANK_HOLIDAYS and local.date() in _bank_holidays(
        local.year
    ):
        return False
    now = local.time()
    return any(
        group.first_day <= local.weekday() <= group.last_day and group.opens <= now < group.closes
        for group in opening_hours()
    )


def next_open_slots(
    after: dt.datetime, count: int = 3, *, step: dt.timedelta = dt.timedelta(minutes=30)
) -> list[dt.datetime]:
    """The first `count` times at or after `after` when the desk is open, on the
    `step` grid of London time (08:00, 08:30, …), as London-aware datetimes.

    Looks up to four weeks ahead (a desk closed longer than that answers fewer)."""
    local = (after if after.tzinfo else after.replace(tzinfo=LONDON)).astimezone(LONDON)
    minutes = int(step.total_seconds() // 60)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    # Round up to the grid of wall-clock minutes since midnight.
    since = (local - midnight).total_seconds()
    slot = -(-int(since) // (minutes * 60)) * minutes
    day = local.date()
    found: list[dt.datetime] = []
    while len(found) < count and day <= local.date() + dt.timedelta(days=28):
        while slot < 24 * 60 and len(found) < count:
            at = dt.datetime.combine(day, dt.time(slot // 60, slot % 60), tzinfo=LONDON)
            if desk_is_open(at):
                found.append(at)
            slot += minutes
        day += dt.timedelta(days=1)
        slot = 0
    return found
