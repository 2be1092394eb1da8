"""Step 3: the people: the well-known sign-ins, then staff in every role of every organisation."""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError
from django.db.models import ProtectedError

from victimcare.accounts.constants import POLICE_KINDS, Role
from victimcare.accounts.models import User

from ..catalogue import DemoError, OrgSpec
from ..pipeline import DemoContext, demo_step

# Police people carry a collar number; staff of partners do not.
COLLARED_ROLES = frozenset({Role.OFFICER, Role.SUPERVISOR})
MAX_SERVICE_DAYS = 25 * 365


@dataclass(frozen=True)
class _Slot:
    """`count` people with `role` in the organisation `org`."""

    org: OrgSpec
    role: str
    count: int

    @property
    def collared(self) -> bool:
        return self.org.kind in POLICE_KINDS and self.role in COLLARED_ROLES


def _plan(ctx: DemoContext) -> list[_Slot]:
    return [
        _Slot(org, role, ctx.scaled(count))
        for org in ctx.catalogue.organisations
        for role, count in org.staff
        if ctx.scaled(count)
    ]


def _ascii_slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]", "", folded.lower())


def _user(
    ctx: DemoContext,
    *,
    email: str,
    full_name: str,
    role: str,
    org_code: str,
    collar: str,
    joined_days: int,
) -> User:
    return User(
        email=email,
        full_name=full_name,
        organisation=ctx.organisations[org_code],
        role=role,
        collar_number=collar,
        password=ctx.password_hash,
        is_active=True,
        is_staff=role == Role.ADMINISTRATOR,
        otp_exempt=True,
        date_joined=ctx.epoch - timedelta(days=joined_days),
    )


def _people(ctx: DemoContext, slots: list[_Slot]) -> Iterator[User]:
    cat = ctx.catalogue
    names = ctx.random("people:names")
    joined = ctx.random("people:joined")
    for s in cat.sign_ins:
        yield _user(
            ctx,
            email=s.email,
            full_name=s.full_name,
            role=s.role,
            org_code=s.organisation,
            collar=s.collar_number,
            joined_days=365,
        )
    collared = sum(slot.count for slot in slots if slot.collared)
    span = cat.collar_last - cat.collar_first + 1
    if collared > span:
        raise DemoError(f"Scale too large: {collared} officers but only {span} collar numbers.")
    collars = iter(
        ctx.random("people:collars").sample(range(cat.collar_first, cat.collar_last + 1), collared)
    )
    used_emails: dict[str, int] = {s.email.split("@")[0]: 1 for s in cat.sign_ins}
    for slot in slots:
        for _ in range(slot.count):
            given, family = names.choice(cat.given_names), names.choice(cat.family_names)
            local = f"{_ascii_slug(given)}.{_ascii_slug(family)}"
            n = used_emails.get(local, 0) + 1
            used_emails[local] = n
            yield _user(
                ctx,
                email=f"{local}{n if n > 1 else ''}@{cat.email_domain}",
                full_name=f"{given} {family}",
                role=slot.role,
                org_code=slot.org.code,
                collar=str(next(collars)) if slot.collared else "",
                joined_days=_service_days(joined),
            )


def _service_days(rng: random.Random) -> int:
    return rng.randint(30, MAX_SERVICE_DAYS)


def people_reset(ctx: DemoContext) -> int:
    """Delete every demo account. Demo accounts are exactly those with `otp_exempt` (only `demo` sets it)."""
    try:
        return User.objects.filter(otp_exempt=True).delete()[1].get(User._meta.label, 0)
    except ProtectedError as exc:
        raise DemoError(
            f"Cannot delete the demo accounts: {len(exc.protected_objects)} records that the demo "
            "did not create still refer to them. Delete those first."
        ) from exc


@demo_step("people", order=30, reset=people_reset)
def people_generate(ctx: DemoContext) -> int:
    """Create the well-known sign-ins and, for every organisation, its staff at the run's scale."""
    slots = _plan(ctx)
    total = len(ctx.catalogue.sign_ins) + sum(s.count for s in slots)
    try:
        ctx.bulk_create(User, _people(ctx, slots), total=total, desc="people")
    except IntegrityError as exc:
        raise DemoError(
            "An account with one of the demo's email addresses already exists and was not created "
            "by the demo. Delete it or change its email first."
        ) from exc
    return total
