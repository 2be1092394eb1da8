"""The offence list as data (cases/data/<name>.json), loaded into Offence rows.

Another jurisdiction ships another file and sets OFFENCE_LIST. Loading is an
idempotent upsert keyed on `code`; offences the file no longer lists are marked
inactive, never deleted (crimes refer to them).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from django.db import transaction

from .constants import OffenceGroup
from .models import Offence

DATA_DIR = Path(__file__).resolve().parent / "data"
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class OffenceListError(ValueError):
    """The offence list file is missing or malformed."""


def offence_list(*, name: str) -> list[dict[str, object]]:
    if not _NAME_RE.match(name):
        raise OffenceListError(f"'{name}' is not an offence list name.")
    path = DATA_DIR / f"{name}.json"
    if not path.is_file():
        raise OffenceListError(f"No offence list called '{name}'.")
    rows = json.loads(path.read_text(encoding="utf-8")).get("offences") or []
    codes = set()
    for i, row in enumerate(rows):
        if not row.get("code") or not row.get("name"):
            raise OffenceListError(f"{name} offences[{i}] needs a code and a name.")
        if row.get("group") not in OffenceGroup.values:
            raise OffenceListError(
                f"{name} offences[{i}] has an unknown group {row.get('group')!r}."
            )
        if row["code"] in codes:
            raise OffenceListError(f"{name}: offence code {row['code']!r} appears twice.")
        codes.add(row["code"])
    return rows


@transaction.atomic
def offences_load(*, name: str = "england-wales") -> int:
    """Create or update every offence in the list; return how many rows changed."""
    rows = offence_list(name=name)
    existing = {o.code: o for o in Offence.objects.all()}
    changed = 0
    for row in rows:
        wanted = {
            "name": row["name"],
            "group": row["group"],
            "restricted": bool(row.get("restricted", False)),
            "enhanced": bool(row.get("enhanced", False)),
            "active": True,
        }
        offence = existing.get(str(row["code"]))
        if offence is None:
            Offence.objects.create(code=row["code"], **wanted)
            changed += 1
        elif any(getattr(offence, k) != v for k, v in wanted.items()):
            for k, v in wanted.items():
                setattr(offence, k, v)
            offence.save()
            changed += 1
    listed = {str(r["code"]) for r in rows}
    changed += Offence.objects.exclude(code__in=listed).filter(active=True).update(active=False)
    return changed
