"""Generate, reset and describe the demo data. The `demo` command and the benchmark call these.

What counts as demo data (so `--reset` deletes exactly that):
- people: every `User` with `otp_exempt=True` (only the demo sets it);
- organisations: every organisation with a `DemoOrganisation` marker, written
  in the same transaction as the organisation;
- the reference data (force, BCUs, areas) is not demo data: it is upserted by
  every run and never deleted.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from victimcare.accounts.models import Organisation, User

from .catalogue import Catalogue, DemoError, demo_catalogue
from .constants import DEMO_BASE_URL, DEMO_PASSWORD
from .pipeline import DemoContext, demo_steps

__all__ = [
    "DemoError",
    "DemoResult",
    "SignIn",
    "demo_database_populated",
    "demo_generate",
    "demo_sign_in_url",
    "demo_sign_ins",
]


@dataclass
class DemoResult:
    """What one run did: rows written and seconds taken per step, rows deleted by --reset."""

    seed: int
    scale: float
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    elapsed: float = 0.0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


@dataclass(frozen=True)
class SignIn:
    """A well-known demo account as printed at the end of a run."""

    email: str
    role: str
    role_label: str
    full_name: str
    organisation: str
    note: str


def _catalogue(name: str | None) -> Catalogue:
    return demo_catalogue(name=name or settings.REFERENCE_DATA)


def demo_database_populated(*, name: str | None = None) -> bool:
    """True when the database holds any person, or any organisation beyond the reference data.

    Reference data alone (e.g. after `load_reference_data`) still counts as empty,
    so loading it never stops `demo --if-empty` from generating.
    """
    cat = _catalogue(name)
    if User.objects.exists():
        return True
    return Organisation.objects.exclude(code__in=cat.reference.organisation_codes).exists()


def demo_generate(
    *,
    seed: int,
    scale: float = 1.0,
    reset: bool = False,
    options: Mapping[str, Any] | None = None,
    show_progress: bool = False,
    name: str | None = None,
) -> DemoResult:
    """Build the synthetic force for `seed` at `scale`, deleting earlier demo data first if `reset`.

    Everything happens in one transaction: a failure (DemoError with a plain
    message) leaves the database as it was. The caller decides whether a
    populated database may be touched (see `demo_database_populated`).
    """
    if scale <= 0:
        raise DemoError("The scale must be greater than 0.")
    started = time.perf_counter()
    ctx = DemoContext(
        seed=seed,
        scale=scale,
        catalogue=_catalogue(name),
        options=dict(options or {}),
        show_progress=show_progress,
    )
    result = DemoResult(seed=seed, scale=scale)
    steps = demo_steps()
    with transaction.atomic():
        if reset:
            for step in reversed(steps):
                if step.reset is not None:
                    result.deleted[step.name] = step.reset(ctx)
        ctx.password_hash  # noqa: B018 - hash once, up front, so its cost is timed on its own
        for step in steps:
            step_started = time.perf_counter()
            result.rows[step.name] = step.generate(ctx)
            result.seconds[step.name] = time.perf_counter() - step_started
    result.seconds = {**ctx.timings, **result.seconds}
    result.elapsed = time.perf_counter() - started
    return result


def demo_sign_in_url() -> str:
    """The sign-in page of a local `make run`."""
    return f"{DEMO_BASE_URL}{reverse('accounts:sign-in')}"


def demo_sign_ins(*, name: str | None = None) -> list[SignIn]:
    """The well-known demo accounts that exist in the database, in catalogue order (one query)."""
    cat = _catalogue(name)
    users = {
        u.email: u
        for u in User.objects.filter(
            email__in=[s.email for s in cat.sign_ins], otp_exempt=True
        ).select_related("organisation")
    }
    return [
        SignIn(
            email=s.email,
            role=u.role,
            role_label=u.get_role_display(),
            full_name=u.full_name,
            organisation=u.organisation.name if u.organisation else "",
            note=s.note,
        )
        for s in cat.sign_ins
        if (u := users.get(s.email)) is not None
    ]


def demo_password() -> str:
    """The password every demo account shares."""
    return DEMO_PASSWORD
