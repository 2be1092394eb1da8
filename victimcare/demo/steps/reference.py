"""Step 1: the reference data (force, BCUs, areas), upserted, never deleted by --reset."""

from __future__ import annotations

from victimcare.accounts.models import Organisation
from victimcare.accounts.reference import reference_load

from ..pipeline import DemoContext, demo_step


@demo_step("reference", order=10)
def reference_generate(ctx: DemoContext) -> int:
    """Load the reference data the catalogue builds on and put its organisations in the context."""
    ref = ctx.catalogue.reference
    result = reference_load(name=ref.name)
    ctx.organisations.update(
        {o.code: o for o in Organisation.objects.filter(code__in=ref.organisation_codes)}
    )
    return len(result.created) + len(result.updated)
