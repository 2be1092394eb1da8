"""The demo seeds a London directory of support services: every kind, general
support in every borough, IDVA and ISVA services covering every borough, with
Hackney, Newham and Croydon clearly short of advocates and the rest with places
to spare. The same seed gives the same directory; a reset removes it."""

from __future__ import annotations

from collections import defaultdict
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from victimcare.accounts.models import Area, Organisation
from victimcare.demo.catalogue import demo_catalogue
from victimcare.demo.models import DemoOrganisation
from victimcare.demo.pipeline import DemoContext, demo_steps
from victimcare.demo.steps.referral_services import EXTRA_ORGANISATIONS, SHORTFALL_BOROUGHS
from victimcare.referrals.constants import ServiceKind
from victimcare.referrals.models import SupportService

pytestmark = pytest.mark.django_db


def demo(*args: str) -> None:
    call_command("demo", "--scale", "0.2", *args, stdout=StringIO(), stderr=StringIO())


def directory() -> list[tuple[Any, ...]]:
    return sorted(
        (
            s.name,
            s.organisation.code,
            s.kind,
            s.advocates_in_post,
            s.caseload_each,
            s.open_cases,
            s.waiting_days,
            s.capacity_updated_at,
            tuple(sorted(s.boroughs.values_list("name", flat=True))),
        )
        for s in SupportService.objects.select_related("organisation")
    )


def advocate_places(kind: str) -> dict[str, tuple[int, int]]:
    """Borough → (capacity, open cases) of `kind`, each service shared out by boroughs covered."""
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for s in SupportService.objects.filter(kind=kind).prefetch_related("boroughs"):
        covered = list(s.boroughs.all())
        for area in covered:
            totals[area.name][0] += s.capacity / len(covered)
            totals[area.name][1] += s.open_cases / len(covered)
    return {name: (round(c), round(o)) for name, (c, o) in totals.items()}


def test_the_demo_seeds_a_london_directory_with_shortfall_boroughs() -> None:
    demo("--seed", "5")

    kinds = set(SupportService.objects.values_list("kind", flat=True))
    assert kinds == set(ServiceKind.values)
    boroughs = set(Area.objects.filter(bcu__isnull=False).values_list("name", flat=True))
    general = SupportService.objects.get(kind=ServiceKind.GENERAL)
    assert set(general.boroughs.values_list("name", flat=True)) >= boroughs
    assert Organisation.objects.filter(code__in=[c for c, _ in EXTRA_ORGANISATIONS]).count() == 7

    for kind in (ServiceKind.IDVA, ServiceKind.ISVA):
        places = advocate_places(kind)
        assert set(places) >= boroughs  # every policed borough has an advocate service
        for name in boroughs:
            capacity, open_cases = places[name]
            if name in SHORTFALL_BOROUGHS:
                assert open_cases > capacity, (kind, name)
            else:
                assert open_cases < capacity, (kind, name)
    waits = {s.name: s.waiting_days for s in SupportService.objects.filter(kind=ServiceKind.IDVA)}
    assert waits["Harbour Light IDVA: Hackney"] >= 21
    assert waits["Harbour Light IDVA: Central East"] <= 4
    assert all(s.capacity_updated_at is not None for s in SupportService.objects.all())


def test_the_same_seed_gives_the_same_directory_and_a_reset_removes_it() -> None:
    demo("--seed", "5")
    first = directory()

    demo("--seed", "5", "--reset")
    assert directory() == first

    step = next(s for s in demo_steps() if s.name == "referral-services")
    ctx = DemoContext(seed=5, scale=0.2, catalogue=demo_catalogue(name="london"))
    assert step.reset is not None and step.reset(ctx) == len(first)
    assert not SupportService.objects.exists()
    # The extra organisations carry demo markers: the organisations step's reset removes them.
    assert DemoOrganisation.objects.filter(
        organisation__code__in=[c for c, _ in EXTRA_ORGANISATIONS]
    ).count() == len(EXTRA_ORGANISATIONS)
