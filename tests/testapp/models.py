"""Test-only models (no migrations: Django creates their tables in the test database)."""

from __future__ import annotations

from django.db import models

from victimcare.core.fields import BlindIndexField, EncryptedTextField


class ContactRecord(models.Model):
    """Contact details as the case record will hold them: encrypted, with blind indexes."""

    label = models.CharField(max_length=50)
    phone = EncryptedTextField(null=True, blank=True)
    phone_index = BlindIndexField(source="phone", kind="phone")
    email = EncryptedTextField(null=True, blank=True)
    email_index = BlindIndexField(source="email", kind="email")

    class Meta:
        app_label = "testapp"
        constraints = [
            models.UniqueConstraint(fields=["email_index"], name="testapp_contact_email_uniq"),
        ]

    def __str__(self) -> str:
        return self.label
