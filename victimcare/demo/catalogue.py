"""The demo catalogue: which organisations and how many people a synthetic force has.

The facts are data (`demo/data/<reference name>.json`, plus `demo/data/names.json`
for the names people are made of); this module only reads and checks them.
Another force ships its own reference file and its own catalogue.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from victimcare.accounts.constants import ROLES_BY_KIND, OrganisationKind, Role
from victimcare.accounts.reference import ReferenceData, ReferenceDataError, reference_data

DATA_DIR = Path(__file__).resolve().parent / "data"


class DemoError(Exception):
    """The demo cannot be generated or reset; the message says why, in plain English."""


@dataclass(frozen=True)
class OrgSpec:
    """One organisation of the synthetic force and its staff at scale 1 (role → people)."""

    code: str
    kind: str
    name: str
    parent: str | None
    staff: tuple[tuple[str, int], ...]
    is_specialist: bool = False
    covers: tuple[str, ...] = ()
    reference: bool = False  # defined by the reference data, so never deleted by --reset


@dataclass(frozen=True)
class SignInSpec:
    """A well-known demo account, the same for every seed."""

    email: str
    full_name: str
    role: str
    organisation: str
    collar_number: str = ""
    note: str = ""


@dataclass(frozen=True)
class Catalogue:
    """A validated demo catalogue. `organisations` lists parents before children."""

    name: str
    reference: ReferenceData
    epoch: datetime
    email_domain: str
    collar_first: int
    collar_last: int
    organisations: tuple[OrgSpec, ...]
    sign_ins: tuple[SignInSpec, ...]
    given_names: tuple[str, ...]
    family_names: tuple[str, ...]

    @property
    def demo_organisations(self) -> tuple[OrgSpec, ...]:
        """The organisations the generator creates (everything but the reference data)."""
        return tuple(o for o in self.organisations if not o.reference)

    def covering(self, *, kind: str, bcu_code: str) -> str | None:
        """The code of the organisation of `kind` (e.g. a Witness Care Unit) that covers a BCU."""
        for org in self.organisations:
            if org.kind == kind and bcu_code in org.covers:
                return org.code
        return None


def _load_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise DemoError(f"No demo catalogue at {path}.") from exc
    except json.JSONDecodeError as exc:
        raise DemoError(f"{path.name} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise DemoError(f"{path.name} must hold a JSON object.")
    return data


def _staff(raw: dict[str, Any] | None, *, kind: str, where: str) -> tuple[tuple[str, int], ...]:
    staff = raw or {}
    allowed = ROLES_BY_KIND.get(kind, frozenset())
    for role, count in staff.items():
        if role not in Role.values:
            raise DemoError(f"{where}: unknown role '{role}'.")
        if role not in allowed:
            raise DemoError(f"{where}: a {kind} cannot have the role '{role}' (see ROLES_BY_KIND).")
        if not isinstance(count, int) or count < 0:
            raise DemoError(f"{where}: the number of {role} people must be a whole number ≥ 0.")
    return tuple(sorted(staff.items()))


def _organisations(raw: dict[str, Any], ref: ReferenceData) -> tuple[OrgSpec, ...]:
    orgs: list[OrgSpec] = [
        OrgSpec(
            code=ref.force_code,
            kind=OrganisationKind.POLICE_FORCE,
            name=ref.force_name,
            parent=None,
            staff=_staff(
                raw.get("force_staff"), kind=OrganisationKind.POLICE_FORCE, where="force_staff"
            ),
            reference=True,
        )
    ]
    bcu_staff = _staff(raw.get("bcu_staff"), kind=OrganisationKind.BCU, where="bcu_staff")
    templates = raw.get("team_templates") or []
    for bcu in ref.bcus:
        orgs.append(
            OrgSpec(
                bcu.code, OrganisationKind.BCU, bcu.name, ref.force_code, bcu_staff, reference=True
            )
        )
    for bcu in ref.bcus:
        for i, tpl in enumerate(templates):
            orgs.append(
                OrgSpec(
                    code=f"{bcu.code}-{tpl['suffix']}",
                    kind=OrganisationKind.TEAM,
                    name=tpl["name"].format(bcu=bcu.name),
                    parent=bcu.code,
                    staff=_staff(
                        tpl.get("staff"), kind=OrganisationKind.TEAM, where=f"team_templates[{i}]"
                    ),
                    is_specialist=bool(tpl.get("is_specialist", False)),
                )
            )
    for i, org in enumerate(raw.get("organisations") or []):
        where = f"organisations[{i}] ({org.get('code')})"
        kind = org.get("kind")
        if kind not in OrganisationKind.values:
            raise DemoError(f"{where}: unknown kind '{kind}'.")
        orgs.append(
            OrgSpec(
                code=org["code"],
                kind=kind,
                name=org["name"],
                parent=org.get("parent"),
                staff=_staff(org.get("staff"), kind=kind, where=where),
                is_specialist=bool(org.get("is_specialist", False)),
                covers=tuple(org.get("covers") or ()),
            )
        )
    seen: set[str] = set()
    bcu_codes = {b.code for b in ref.bcus}
    for org in orgs:
        if org.code in seen:
            raise DemoError(f"The organisation code '{org.code}' is used twice.")
        if org.parent is not None and org.parent not in seen:
            raise DemoError(f"{org.code}: the parent '{org.parent}' must be listed before it.")
        unknown = set(org.covers) - bcu_codes
        if unknown:
            raise DemoError(f"{org.code}: covers unknown BCUs {sorted(unknown)}.")
        seen.add(org.code)
    return tuple(orgs)


def _sign_ins(
    raw: list[dict[str, Any]], orgs: tuple[OrgSpec, ...], domain: str
) -> tuple[SignInSpec, ...]:
    kinds = {o.code: o.kind for o in orgs}
    specs = tuple(SignInSpec(**item) for item in raw)
    emails = [s.email for s in specs]
    if len(set(emails)) != len(emails):
        raise DemoError("The well-known demo sign-ins must have different emails.")
    for s in specs:
        if not s.email.endswith(f"@{domain}") or s.email != s.email.lower():
            raise DemoError(f"{s.email}: demo emails are lower case and end @{domain}.")
        if s.organisation not in kinds:
            raise DemoError(f"{s.email}: unknown organisation '{s.organisation}'.")
        if s.role not in ROLES_BY_KIND.get(kinds[s.organisation], frozenset()):
            raise DemoError(
                f"{s.email}: a {kinds[s.organisation]} cannot have the role '{s.role}'."
            )
    return specs


@cache
def demo_catalogue(*, name: str) -> Catalogue:
    """The validated demo catalogue for the reference data `name` (e.g. "london").

    Raises DemoError naming the problem when a file is missing or inconsistent,
    including a role that ROLES_BY_KIND does not allow.
    """
    raw = _load_json(DATA_DIR / f"{name}.json")
    names = _load_json(DATA_DIR / "names.json")
    try:
        ref = reference_data(name=raw.get("reference", name))
    except ReferenceDataError as exc:
        raise DemoError(str(exc)) from exc
    orgs = _organisations(raw, ref)
    domain = raw.get("email_domain", "example.org")
    collars = raw.get("collar_numbers") or {"first": 200000, "last": 999999}
    sign_ins = _sign_ins(raw.get("sign_ins") or [], orgs, domain)
    for s in sign_ins:
        if (
            s.collar_number.isdigit()
            and collars["first"] <= int(s.collar_number) <= collars["last"]
        ):
            raise DemoError(
                f"{s.email}: fixed collar numbers must lie outside the generated range."
            )
    epoch = datetime.fromisoformat(raw.get("epoch", "2026-01-01T00:00:00")).replace(
        tzinfo=ZoneInfo(raw.get("timezone", "Europe/London"))
    )
    return Catalogue(
        name=name,
        reference=ref,
        epoch=epoch,
        email_domain=domain,
        collar_first=int(collars["first"]),
        collar_last=int(collars["last"]),
        organisations=orgs,
        sign_ins=sign_ins,
        given_names=tuple(names["given"]),
        family_names=tuple(names["family"]),
    )
