"""Reads for the complaints queue: scoped to the handler's force, no decryption."""

from __future__ import annotations

from django.db.models import QuerySet

from victimcare.accounts.models import User

from .constants import ComplaintState
from .models import Complaint


def complaints_open(*, user: User) -> QuerySet[Complaint]:
    """Open complaints of the user's force, the earliest deadline (so the
    overdue) first. Empty for anyone without `portal.handle_complaint`."""
    if not user.has_perm("portal.handle_complaint"):
        return Complaint.objects.none()
    return Complaint.objects.filter(
        force_id=user.organisation_id, state=ComplaintState.OPEN
    ).order_by("due_at", "pk")


def complaints_closed_recent(*, user: User, limit: int = 20) -> QuerySet[Complaint]:
    if not user.has_perm("portal.handle_complaint"):
        return Complaint.objects.none()
    return Complaint.objects.filter(
        force_id=user.organisation_id, state=ComplaintState.CLOSED
    ).order_by("-responded_at", "-pk")[:limit]


def complaint_for(*, user: User, complaint_id: int) -> Complaint | None:
    """The complaint if it exists and the user may handle it; else None (a 404
    for both: whether a complaint exists is not disclosed)."""
    complaint = (
        Complaint.objects.select_related("crime", "force", "responded_by", "ack_message")
        .filter(pk=complaint_id)
        .first()
    )
    if complaint is None or not user.has_perm("portal.handle_complaint", complaint):
        return None
    return complaint
