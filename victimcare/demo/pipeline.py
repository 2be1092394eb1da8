"""The demo pipeline: a registry of steps that each add one part of the synthetic force.

A step is a function `generate(ctx) -> rows written`, registered with
`@demo_step(name, order=…)`, optionally with a `reset(ctx) -> rows deleted` that
removes what the step generated, and `add_arguments(parser)` for its own
command-line options (e.g. `--crimes N` for the case-record step). Steps run in
ascending `order`; resets run in the reverse order. Each capability adds its
step as a module under `victimcare/demo/steps/` and imports it in that
package's `__init__`.

Rules for steps, because `demo` is also the benchmark data generator:
- write with `ctx.bulk_create` (batched, with a progress bar), never save() a row;
- read what earlier steps made from the context (`ctx.organisations`, …), not
  with a query per row;
- draw every random choice from `ctx.random("<purpose>")` and every timestamp
  from `ctx.epoch`, so the same seed gives the same data whatever the clock says.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from itertools import islice
from typing import Any, TypeVar

from django.contrib.auth.hashers import RANDOM_STRING_CHARS, make_password
from django.core.management.base import CommandParser
from django.db import models
from tqdm import tqdm

from victimcare.accounts.models import Organisation

from .catalogue import Catalogue
from .constants import BATCH_SIZE, DEMO_PASSWORD

M = TypeVar("M", bound=models.Model)


@dataclass
class DemoContext:
    """What the steps share during one run: the seed, the catalogue and what earlier steps made."""

    seed: int
    scale: float
    catalogue: Catalogue
    options: Mapping[str, Any] = field(default_factory=dict)
    show_progress: bool = False
    organisations: dict[str, Organisation] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def epoch(self) -> datetime:
        """The fixed "now" of the demo; every generated timestamp is relative to it.

        The catalogue's date, unless the run names another (`--epoch`): `make run`
        uses the start of today, so deadlines fall due around the day the demo is
        looked at. The same seed and epoch always give the same data."""
        chosen = self.options.get("epoch")
        return chosen if isinstance(chosen, datetime) else self.catalogue.epoch

    def random(self, purpose: str) -> random.Random:
        """A generator seeded from the demo seed and `purpose`.

        Separate streams per purpose mean a new step, or a change inside one
        step, does not shift the data of the others.
        """
        # Seeded demo data, not for security.
        return random.Random(f"victimcare-demo:{self.seed}:{purpose}")  # nosec B311

    def scaled(self, count: int) -> int:
        """`count` at the run's scale, at least 1 when `count` is (every role keeps a person)."""
        if count <= 0:
            return 0
        return max(1, round(count * self.scale))

    @cached_property
    def password_hash(self) -> str:
        """The demo password hashed ONCE with the configured default hasher, reused for every account.

        The salt comes from the seed (22 characters of Django's salt alphabet,
        enough entropy that Django never asks to re-hash), so the hash, and
        therefore the data, is the same for the same seed.
        """
        started = time.perf_counter()
        # Seeded demo data, not for security.
        rng = random.Random(hashlib.sha256(f"victimcare-demo-salt:{self.seed}".encode()).digest())  # nosec B311
        salt = "".join(rng.choice(RANDOM_STRING_CHARS) for _ in range(22))
        encoded = make_password(DEMO_PASSWORD, salt=salt)
        self.timings["password hash"] = time.perf_counter() - started
        return encoded

    def progress(self, *, total: int, desc: str) -> tqdm:  # type: ignore[type-arg]
        """A tqdm bar on stderr, silent unless progress was asked for."""
        return tqdm(
            total=total, desc=desc, unit=" rows", disable=not self.show_progress, leave=False
        )

    def bulk_create(self, model: type[M], rows: Iterable[M], *, total: int, desc: str) -> list[M]:
        """Insert `rows` in batches with a progress bar; returns the saved objects (with pks)."""
        saved: list[M] = []
        iterator: Iterator[M] = iter(rows)
        with self.progress(total=total, desc=desc) as bar:
            while batch := list(islice(iterator, BATCH_SIZE)):
                saved.extend(model._default_manager.bulk_create(batch))
                bar.update(len(batch))
        return saved


@dataclass(frozen=True)
class DemoStep:
    """One registered part of the demo."""

    name: str
    order: int
    generate: Callable[[DemoContext], int]
    reset: Callable[[DemoContext], int] | None = None
    add_arguments: Callable[[CommandParser], None] | None = None


_REGISTRY: dict[str, DemoStep] = {}


def demo_step(
    name: str,
    *,
    order: int,
    reset: Callable[[DemoContext], int] | None = None,
    add_arguments: Callable[[CommandParser], None] | None = None,
) -> Callable[[Callable[[DemoContext], int]], Callable[[DemoContext], int]]:
    """Register the decorated function as the `generate` of the demo step `name`."""

    def register(generate: Callable[[DemoContext], int]) -> Callable[[DemoContext], int]:
        if name in _REGISTRY and _REGISTRY[name].generate is not generate:
            raise RuntimeError(f"Two demo steps are called '{name}'.")
        _REGISTRY[name] = DemoStep(name, order, generate, reset, add_arguments)
        return generate

    return register


def demo_steps() -> list[DemoStep]:
    """Every registered step, in the order they run."""
    from . import steps  # noqa: F401 - importing registers the steps

    return sorted(_REGISTRY.values(), key=lambda s: (s.order, s.name))
