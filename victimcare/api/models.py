"""API tokens and the request fingerprints that make a retried POST safe."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from victimcare.accounts.models import Organisation, User


class ApiToken(models.Model):
    """A partner system's credential. It acts as its own service `User`.

    The service user belongs to the token's organisation and holds one role in
    it, so every permission and selector treats a request made with the token
    exactly as one by a person of that organisation. The secret is shown once
    when the token is created; only its SHA-256 hash is kept. `prefix` (8
    characters, also inside the secret) identifies a token in lists and logs.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. 'court feed'.")
    user = models.OneToOneField(
        User,
        on_delete=models.PROTECT,
        related_name="api_token",
        help_text="The service account the token acts as; it never signs in to pages.",
    )
    prefix = models.CharField(max_length=8, unique=True)
    token_hash = models.CharField(
        max_length=64, unique=True, help_text="SHA-256 hex of the secret."
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # What the token may do (constants.SCOPES); an endpoint refuses (403) a
    # token without the scope it needs.
    scopes = models.JSONField(default=list, blank=True)
    # Rotation: the token this one replaces (both stay active until the old
    # one is revoked or expires, so a partner can switch without downtime).
    rotated_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, related_name="+", null=True, blank=True
    )

    class Meta:
        ordering = ["organisation", "-created_at"]
        indexes = [models.Index(fields=["organisation", "-created_at"], name="apitoken_org_idx")]

    def __str__(self) -> str:
        return f"{self.prefix} ({self.name})"

    def status(self, *, now: object = None) -> str:
        """'revoked', 'expired' or 'active'."""
        moment = now or timezone.now()
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= moment:  # type: ignore[operator]
            return "expired"
        return "active"


class IdempotencyRecord(models.Model):
    """The fingerprint of the first POST made with an `Idempotency-Key`.

    The service layer (e.g. `event_record`) already returns the existing row for
    a repeated key; this record lets the API tell a true retry (same body: the
    first result again) from a reused key with a different body (409).
    Keys are scoped to the organisation, as the events' own keys are.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=100)
    request_hash = models.CharField(max_length=64, help_text="SHA-256 of the canonical request.")
    event = models.ForeignKey(
        "cases.JourneyEvent", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    # Any other POST or PATCH (issue 10): the operation it was made for and the
    # first response, returned again for a retry with the same key and body.
    operation = models.CharField(max_length=100, blank=True, default="")
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "key"], name="idempotency_org_key_uniq")
        ]
        # The retention sweep deletes records by age, oldest first.
        indexes = [models.Index(fields=["created_at", "id"], name="idempotency_created_idx")]

    def __str__(self) -> str:
        return f"{self.organisation_id}:{self.key}"
