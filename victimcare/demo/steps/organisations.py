"""Step 2: the teams of every BCU and the partner, support and oversight organisations."""

from __future__ import annotations

from django.db.models import ProtectedError

from victimcare.accounts.models import Organisation

from ..catalogue import DemoError, OrgSpec
from ..models import DemoOrganisation
from ..pipeline import DemoContext, demo_step


def _depths(parents: dict[str, str | None]) -> dict[str, int]:
    """Depth of each key in the forest `parents` (a key whose parent is outside it has depth 0)."""
    depths: dict[str, int] = {}

    def depth(key: str) -> int:
        if key not in depths:
            parent = parents[key]
            depths[key] = 0 if parent not in parents else depth(parent) + 1  # type: ignore[index]
        return depths[key]

    for key in parents:
        depth(key)
    return depths


def organisations_reset(ctx: DemoContext) -> int:
    """Delete every organisation marked as demo-made, children first.

    Refuses (DemoError) when something the demo did not make still belongs to
    one of them, e.g. a person an administrator added to a demo team.
    """
    rows = dict(
        Organisation.objects.filter(demo_marker__isnull=False).values_list("pk", "parent_id")
    )
    depths = _depths(rows)
    deleted = 0
    for level in sorted(set(depths.values()), reverse=True):
        ids = [pk for pk, d in depths.items() if d == level]
        try:
            deleted += (
                Organisation.objects.filter(pk__in=ids).delete()[1].get(Organisation._meta.label, 0)
            )
        except ProtectedError as exc:
            blocker = next(iter(exc.protected_objects))
            raise DemoError(
                f"Cannot delete the demo organisations: {len(exc.protected_objects)} records that "
                f"the demo did not create still refer to them (for example a "
                f"{blocker._meta.verbose_name}, id {blocker.pk}). Move or delete those first."
            ) from exc
    return deleted


@demo_step("organisations", order=20, reset=organisations_reset)
def organisations_generate(ctx: DemoContext) -> int:
    """Create the catalogue's organisations, parents before children, one bulk insert per level."""
    specs: list[OrgSpec] = list(ctx.catalogue.demo_organisations)
    taken = sorted(
        Organisation.objects.filter(code__in=[s.code for s in specs]).values_list("code", flat=True)
    )
    if taken:
        raise DemoError(
            f"Organisations with the demo's codes already exist and were not created by the demo: "
            f"{', '.join(taken[:5])}{'…' if len(taken) > 5 else ''}. Rename or delete them first."
        )
    depths = _depths({s.code: s.parent for s in specs})
    created = 0
    for level in sorted(set(depths.values())):
        batch = [s for s in specs if depths[s.code] == level]
        orgs = [
            Organisation(
                code=s.code,
                kind=s.kind,
                name=s.name,
                parent=ctx.organisations[s.parent] if s.parent else None,
                is_specialist=s.is_specialist,
            )
            for s in batch
        ]
        for org in ctx.bulk_create(Organisation, orgs, total=len(orgs), desc="organisations"):
            ctx.organisations[org.code] = org
        created += len(orgs)
    markers = [
        DemoOrganisation(organisation=ctx.organisations[s.code], seed=ctx.seed) for s in specs
    ]
    ctx.bulk_create(DemoOrganisation, markers, total=len(markers), desc="organisation markers")
    return created
