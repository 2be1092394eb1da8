from __future__ import annotations

from typing import Any, NoReturn

from django.db import models

from .constants import AuditAction


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove an audit entry through the ORM."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("The audit log is append-only.")

    def delete(self) -> NoReturn:  # type: ignore[override]
        raise AppendOnlyError("The audit log is append-only.")


class AuditEvent(models.Model):
    """One entry in the append-only, hash-chained audit log.

    Written only by `victimcare.core.audit.audit_record`. `seq` is gapless and
    assigned under the chain-head lock; `entry_hash` = SHA-256 over the previous
    entry's hash and this entry's canonical content, so altering, inserting or
    deleting any row breaks the chain (`victimcare audit verify`). Actor fields
    are snapshots (ids, not foreign keys) so no later change elsewhere can
    rewrite an entry. Holds no personal data beyond ids and the purpose text.
    """

    seq = models.BigIntegerField(unique=True)
    occurred_at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_organisation_id = models.BigIntegerField(null=True, blank=True)
    actor_role = models.CharField(max_length=32, blank=True)
    action = models.CharField(max_length=32, choices=AuditAction.choices)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    subject_type = models.CharField(
        max_length=100,
        blank=True,
        help_text="Whose personal data this is about, e.g. cases.victim.",
    )
    subject_id = models.CharField(max_length=64, blank=True)
    purpose = models.CharField(max_length=500, blank=True)
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id", "seq"], name="audit_subject_idx"),
            models.Index(fields=["object_type", "object_id", "seq"], name="audit_object_idx"),
            models.Index(fields=["actor_id", "seq"], name="audit_actor_idx"),
            models.Index(fields=["occurred_at"], name="audit_time_idx"),
        ]

    def __str__(self) -> str:
        return f"Audit entry {self.seq} ({self.action})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("The audit log is append-only.")


class AuditChainHead(models.Model):
    """The single row holding the last sequence number and hash; locked on every append."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"Audit chain head at entry {self.last_seq}"


class WorkerHeartbeat(models.Model):
    """Last sign of life from each background worker process (shown by /healthz)."""

    worker_id = models.CharField(max_length=64, unique=True)
    started_at = models.DateTimeField()
    last_seen = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["last_seen"], name="heartbeat_seen_idx")]

    def __str__(self) -> str:
        return self.worker_id


class PeriodicJob(models.Model):
    """When each scheduled job last started. A conditional update on this row is
    how one of several schedulers wins a run, so running two is safe."""

    name = models.CharField(max_length=100, primary_key=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.name


class RateCounter(models.Model):
    """Requests counted per key and fixed window: the database backend of
    `victimcare.core.ratelimit` (SQLite and PostgreSQL; Redis is the other).
    Keys are hashes (never an address or a token in clear); old windows are purged."""

    key = models.CharField(max_length=64)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="rate_counter_key_window")
        ]
        indexes = [models.Index(fields=["window_start"], name="rate_counter_window_idx")]

    def __str__(self) -> str:
        return f"rate counter {self.pk}"
