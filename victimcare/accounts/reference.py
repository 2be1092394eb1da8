"""Reference data: the force, its BCUs and the local authority areas they police.

The facts live in JSON files under `accounts/data/<name>.json` (London ships as
`london.json`); another force ships another file and sets `REFERENCE_DATA`. Nothing
here knows about London.

File format::

    {
      "name": "london",
      "force": {"code": "met", "name": "Metropolitan Police Service"},
      "bcus": [{"code": "...", "name": "...", "areas": [{"code": "E09…", "name": "…"}]}],
      "areas_without_bcu": [{"code": "E09…", "name": "…"}]
    }
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from django.db import transaction

from .constants import OrganisationKind
from .models import Area, Organisation

DATA_DIR = Path(__file__).resolve().parent / "data"
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


class ReferenceDataError(ValueError):
    """The named reference data does not exist or is malformed."""


@dataclass(frozen=True)
class ReferenceArea:
    """One local authority area and the code of the BCU that polices it (None: no BCU)."""

    code: str
    name: str
    bcu_code: str | None


@dataclass(frozen=True)
class ReferenceBcu:
    """One basic command unit of the force."""

    code: str
    name: str


@dataclass(frozen=True)
class ReferenceData:
    """A parsed, validated reference data file."""

    name: str
    force_code: str
    force_name: str
    crn_pattern: str
    crn_example: str
    bcus: tuple[ReferenceBcu, ...]
    areas: tuple[ReferenceArea, ...]

    @property
    def organisation_codes(self) -> frozenset[str]:
        """Codes of every organisation the file defines (the force and its BCUs)."""
        return frozenset({self.force_code, *(b.code for b in self.bcus)})


@dataclass
class ReferenceLoadResult:
    """What `reference_load` did: codes created and updated, per model."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def reference_names() -> list[str]:
    """The names of the reference data files shipped with victimcare."""
    return sorted(p.stem for p in DATA_DIR.glob("*.json"))


def _text(obj: dict[str, Any], key: str, where: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ReferenceDataError(f"{where}: '{key}' must be a non-empty string.")
    return value.strip()


def _parse(name: str, raw: dict[str, Any]) -> ReferenceData:
    if not isinstance(raw, dict):
        raise ReferenceDataError(f"{name}: the file must hold a JSON object.")
    force = raw.get("force")
    if not isinstance(force, dict):
        raise ReferenceDataError(f"{name}: 'force' must be an object with a code and a name.")
    force_code = _text(force, "code", f"{name} force")
    force_name = _text(force, "name", f"{name} force")
    crn_pattern = _text(force, "crn_pattern", f"{name} force")
    crn_example = _text(force, "crn_example", f"{name} force")
    try:
        if not re.fullmatch(crn_pattern, crn_example):
            raise ReferenceDataError(f"{name}: crn_example does not match crn_pattern.")
    except re.error as exc:
        raise ReferenceDataError(f"{name}: crn_pattern is not a valid regular expression.") from exc
    bcus: list[ReferenceBcu] = []
    areas: list[ReferenceArea] = []
    for i, bcu in enumerate(raw.get("bcus") or []):
        where = f"{name} bcus[{i}]"
        code = _text(bcu, "code", where)
        bcus.append(ReferenceBcu(code=code, name=_text(bcu, "name", where)))
        for j, area in enumerate(bcu.get("areas") or []):
            awhere = f"{where}.areas[{j}]"
            areas.append(
                ReferenceArea(_text(area, "code", awhere), _text(area, "name", awhere), code)
            )
    for j, area in enumerate(raw.get("areas_without_bcu") or []):
        awhere = f"{name} areas_without_bcu[{j}]"
        areas.append(ReferenceArea(_text(area, "code", awhere), _text(area, "name", awhere), None))
    org_codes = [force_code, *(b.code for b in bcus)]
    if len(set(org_codes)) != len(org_codes):
        raise ReferenceDataError(f"{name}: organisation codes must be unique.")
    area_codes = [a.code for a in areas]
    if len(set(area_codes)) != len(area_codes):
        raise ReferenceDataError(f"{name}: area codes must be unique.")
    return ReferenceData(
        name, force_code, force_name, crn_pattern, crn_example, tuple(bcus), tuple(areas)
    )


@cache
def reference_data(*, name: str = "london") -> ReferenceData:
    """The parsed reference data called `name`. Raises ReferenceDataError if unknown or invalid."""
    if not _NAME_RE.match(name):
        raise ReferenceDataError(f"'{name}' is not a reference data name.")
    path = DATA_DIR / f"{name}.json"
    if not path.is_file():
        known = ", ".join(reference_names()) or "none"
        raise ReferenceDataError(f"No reference data called '{name}' (known: {known}).")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ReferenceDataError(f"{path.name} is not valid JSON: {exc}") from exc
    return _parse(name, raw)


def _upsert_org(
    result: ReferenceLoadResult,
    existing: dict[str, Organisation],
    *,
    code: str,
    kind: str,
    name: str,
    parent: Organisation | None,
    extra: dict[str, str] | None = None,
) -> Organisation:
    org = existing.get(code)
    if org is None:
        org = Organisation.objects.create(
            code=code, kind=kind, name=name, parent=parent, **(extra or {})
        )
        result.created.append(f"organisation:{code}")
        return org
    wanted = {
        "kind": kind,
        "name": name,
        "parent_id": parent.pk if parent else None,
        **(extra or {}),
    }
    changed = [f for f, v in wanted.items() if getattr(org, f) != v]
    if changed:
        for f in changed:
            setattr(org, f, wanted[f])
        org.save(update_fields=[f.removesuffix("_id") for f in changed])
        result.updated.append(f"organisation:{code}")
    else:
        result.unchanged += 1
    return org


@transaction.atomic
def reference_load(*, name: str = "london") -> ReferenceLoadResult:
    """Create or update the force, its BCUs and the areas from the reference file `name`.

    Idempotent upsert keyed on codes: a second run changes nothing. Rows that the
    file no longer mentions are left alone (they may be referenced by cases).
    Any caller may use it; it is what `load_reference_data` and `demo` run.
    """
    data = reference_data(name=name)
    result = ReferenceLoadResult()
    orgs = {o.code: o for o in Organisation.objects.filter(code__in=data.organisation_codes)}
    force = _upsert_org(
        result,
        orgs,
        code=data.force_code,
        kind=OrganisationKind.POLICE_FORCE,
        name=data.force_name,
        parent=None,
        extra={"crn_pattern": data.crn_pattern, "crn_example": data.crn_example},
    )
    bcus = {
        b.code: _upsert_org(
            result, orgs, code=b.code, kind=OrganisationKind.BCU, name=b.name, parent=force
        )
        for b in data.bcus
    }
    areas = {a.code: a for a in Area.objects.filter(code__in=[a.code for a in data.areas])}
    for ref in data.areas:
        bcu_id = bcus[ref.bcu_code].pk if ref.bcu_code else None
        area = areas.get(ref.code)
        if area is None:
            Area.objects.create(code=ref.code, name=ref.name, bcu_id=bcu_id)
            result.created.append(f"area:{ref.code}")
        elif area.name != ref.name or area.bcu_id != bcu_id:
            area.name, area.bcu_id = ref.name, bcu_id
            area.save(update_fields=["name", "bcu"])
            result.updated.append(f"area:{ref.code}")
        else:
            result.unchanged += 1
    return result
