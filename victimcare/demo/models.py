"""What the demo generator remembers about the rows it created.

`victimcare demo --reset` must delete exactly what an earlier run generated and
nothing an administrator added by hand. People are recognised by
`User.otp_exempt` (only `demo` ever sets it). Organisations have no such flag,
and the reference data (force, BCUs) is not demo data, so every organisation the
generator creates gets a `DemoOrganisation` marker row in the same transaction.
Later steps (crimes, victims, …) either hang off these organisations and people
or record their own markers.
"""

from __future__ import annotations

from django.db import models

from victimcare.accounts.models import Organisation


class DemoOrganisation(models.Model):
    """Marks an organisation as created by `victimcare demo` (and with which seed)."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, primary_key=True, related_name="demo_marker"
    )
    seed = models.BigIntegerField()

    class Meta:
        verbose_name = "demo organisation"

    def __str__(self) -> str:
        return f"demo organisation {self.organisation_id} (seed {self.seed})"
