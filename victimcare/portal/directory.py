"""The support services the /support/ page lists, and the filter over them.

A seeded directory: `data/support_services.json`, until the referrals issue's
directory of support services exists (then `service_list` reads from it and
this file goes). Real national and London services have `"demo": false`;
made-up borough services used to show how local entries look have
`"demo": true`, example.org websites and Ofcom drama numbers, and the page
labels them as examples.

The file is validated as it is loaded (`directory_load`): every required field,
known crime and who-it-helps tags (constants.py), known borough codes (the
reference data, accounts/data/london.json), unique ids. A broken file raises
`ServiceDirectoryError`; `manage.py check` runs the same load (checks.py).
Nothing here is personal data.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from victimcare.accounts.reference import reference_data

from .constants import ALL_LONDON, ANY_CRIME, CRIME_TAGS, EVERYONE, WHO_TAGS

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "support_services.json"
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,80}$")
_PHONE = re.compile(r"^[0-9][0-9 ]{2,18}[0-9]$")
_REQUIRED_TEXT = ("id", "name", "description", "hours")
_REQUIRED = (*_REQUIRED_TEXT, "boroughs", "crimes", "helps", "self_referral", "demo")


class ServiceDirectoryError(ValueError):
    """The support directory file is missing or malformed (the message says where)."""


@dataclass(frozen=True)
class SupportService:
    """One support service, as the page shows it. Texts are in English."""

    id: str
    name: str
    description: str
    phone: str | None
    website: str | None
    hours: str
    boroughs: frozenset[str] | None  # None: every London borough
    national: bool
    crimes: tuple[str, ...]
    helps: tuple[str, ...]
    languages: tuple[str, ...]
    self_referral: bool
    demo: bool

    @property
    def tel(self) -> str | None:
        """The phone number as a tel: target (digits only)."""
        return "".join(ch for ch in self.phone if ch.isdigit()) if self.phone else None

    def covers(self, borough: str | None) -> bool:
        return borough is None or self.boroughs is None or borough in self.boroughs

    def helps_with(self, crime: str | None) -> bool:
        return crime is None or ANY_CRIME in self.crimes or crime in self.crimes

    def is_for(self, who: str | None) -> bool:
        return who is None or EVERYONE in self.helps or who in self.helps


def borough_names() -> dict[str, str]:
    """ONS code → name for every borough in the reference data, sorted by name."""
    areas = reference_data(name=settings.REFERENCE_DATA).areas
    return {a.code: a.name for a in sorted(areas, key=lambda a: a.name)}


def _tags(value: Any, known: Iterable[str], where: str, field: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ServiceDirectoryError(f"{where}: '{field}' must be a non-empty list of tags.")
    unknown = sorted(set(value) - set(known))
    if unknown:
        raise ServiceDirectoryError(f"{where}: unknown {field} tag(s) {', '.join(unknown)}.")
    return tuple(dict.fromkeys(value))


def _service(raw: Any, index: int, boroughs: dict[str, str]) -> SupportService:
    where = f"services[{index}]"
    if not isinstance(raw, dict):
        raise ServiceDirectoryError(f"{where}: each service must be an object.")
    where = f"services[{index}] ({raw.get('id', 'no id')})"
    missing = [key for key in _REQUIRED if key not in raw]
    if missing:
        raise ServiceDirectoryError(f"{where}: missing {', '.join(missing)}.")
    for key in _REQUIRED_TEXT:
        if not isinstance(raw[key], str) or not raw[key].strip():
            raise ServiceDirectoryError(f"{where}: '{key}' must be a non-empty string.")
    if not _ID.match(raw["id"]):
        raise ServiceDirectoryError(f"{where}: 'id' must be lower-case letters, digits and -.")
    phone, website = raw.get("phone"), raw.get("website")
    if phone is not None and (not isinstance(phone, str) or not _PHONE.match(phone)):
        raise ServiceDirectoryError(f"{where}: 'phone' must be digits and spaces, or null.")
    if website is not None and (not isinstance(website, str) or not website.startswith("https://")):
        raise ServiceDirectoryError(f"{where}: 'website' must be an https:// address, or null.")
    if not phone and not website:
        raise ServiceDirectoryError(f"{where}: give a phone number or a website (or both).")
    for key in ("self_referral", "demo", "national"):
        if not isinstance(raw.get(key, False), bool):
            raise ServiceDirectoryError(f"{where}: '{key}' must be true or false.")
    if raw["demo"] and website and not website.split("/")[2].endswith("example.org"):
        raise ServiceDirectoryError(f"{where}: a demo entry's website must be on example.org.")
    if raw["boroughs"] == ALL_LONDON:
        covered = None
    else:
        if not isinstance(raw["boroughs"], list) or not raw["boroughs"]:
            raise ServiceDirectoryError(f"{where}: 'boroughs' must be \"all\" or a list of codes.")
        unknown = sorted(set(map(str, raw["boroughs"])) - set(boroughs))
        if unknown:
            raise ServiceDirectoryError(f"{where}: unknown borough code(s) {', '.join(unknown)}.")
        covered = frozenset(raw["boroughs"])
    languages = raw.get("languages", [])
    if not isinstance(languages, list) or not all(isinstance(v, str) and v for v in languages):
        raise ServiceDirectoryError(f"{where}: 'languages' must be a list of language names.")
    return SupportService(
        id=raw["id"],
        name=raw["name"].strip(),
        description=raw["description"].strip(),
        phone=phone,
        website=website,
        hours=raw["hours"].strip(),
        boroughs=covered,
        national=bool(raw.get("national", False)),
        crimes=_tags(raw["crimes"], CRIME_TAGS, where, "crimes"),
        helps=_tags(raw["helps"], WHO_TAGS, where, "helps"),
        languages=tuple(languages),
        self_referral=raw["self_referral"],
        demo=raw["demo"],
    )


def directory_load(path: Path) -> tuple[SupportService, ...]:
    """Every service in the file at `path`, validated. Raises ServiceDirectoryError."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ServiceDirectoryError(f"{path.name}: no such file.") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ServiceDirectoryError(f"{path.name} is not valid JSON: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("services"), list):
        raise ServiceDirectoryError(f"{path.name}: expected an object with a 'services' list.")
    boroughs = borough_names()
    services = tuple(_service(item, i, boroughs) for i, item in enumerate(raw["services"]))
    if not services:
        raise ServiceDirectoryError(f"{path.name}: the directory lists no services.")
    ids = [s.id for s in services]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ServiceDirectoryError(f"{path.name}: duplicate id(s) {', '.join(duplicates)}.")
    return services


def directory_path() -> Path:
    """The directory file: settings.SUPPORT_SERVICES_FILE if set, else the seeded one."""
    return Path(getattr(settings, "SUPPORT_SERVICES_FILE", None) or DEFAULT_PATH)


@functools.cache
def _cached(path: Path, mtime_ns: int) -> tuple[SupportService, ...]:
    return directory_load(path)


def support_directory() -> tuple[SupportService, ...]:
    """The directory, loaded once per process (and again if the file changes)."""
    path = directory_path()
    try:
        mtime = path.stat().st_mtime_ns
    except OSError as exc:
        raise ServiceDirectoryError(f"{path.name}: no such file.") from exc
    return _cached(path, mtime)


@dataclass(frozen=True)
class SupportFilters:
    """A checked filter: each part a known code, or None for "any"."""

    borough: str | None = None
    crime: str | None = None
    who: str | None = None


def service_list(
    *, filters: SupportFilters, services: Iterable[SupportService] | None = None
) -> list[SupportService]:
    """The services that match every part of `filters`: specialists first (those
    for exactly this borough, crime and group), then by name. Public data: no user."""
    pool = support_directory() if services is None else tuple(services)
    matches = [
        s
        for s in pool
        if s.covers(filters.borough) and s.helps_with(filters.crime) and s.is_for(filters.who)
    ]

    def specificity(s: SupportService) -> tuple[int, bool, str]:
        score = 0
        score += bool(filters.borough and s.boroughs is not None)
        score += bool(filters.crime and filters.crime in s.crimes)
        score += bool(filters.who and filters.who in s.helps)
        # With no borough chosen, a service for all of London comes before one
        # for a few boroughs that may not be the victim's.
        local_only = filters.borough is None and s.boroughs is not None
        return (-score, local_only, s.name.casefold())

    return sorted(matches, key=specificity)
