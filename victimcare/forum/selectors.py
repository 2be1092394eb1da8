"""Reads for the forum coordinator: only what each volunteer agreed to share.

Every read goes through here. The list answers nothing to anyone without
`forum.coordinate`; a withdrawn volunteer (a tombstone) is never listed or
opened; and a filter by borough or kind of crime only matches volunteers who
agreed to share that item, so a filter cannot reveal what someone kept back.
`VolunteerView` is the only shape a page gets: an item not shared is None,
whatever the row holds.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils import timezone

from victimcare.accounts.models import User
from victimcare.portal.directory import borough_names

from .constants import ContactPreference, ContactStatus, ExperienceType
from .models import Volunteer


@dataclass(frozen=True)
class VolunteerFilters:
    borough: str | None = None
    experience: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class VolunteerView:
    """One volunteer as the coordinator may see them (None: not shared)."""

    id: int
    name: str | None
    email: str | None
    phone: str | None
    borough: str | None  # the borough's name
    experiences: list[str] | None  # labels
    contact_preference: str
    status: str
    status_label: str
    joined: str
    source: str


def volunteers_visible(*, user: User) -> QuerySet[Volunteer]:
    """Volunteers the coordinator may see (everyone but the withdrawn); none for others."""
    if not user.has_perm("forum.coordinate"):
        return Volunteer.objects.none()
    return Volunteer.objects.exclude(status=ContactStatus.WITHDRAWN)


def volunteer_list(*, user: User, filters: VolunteerFilters) -> QuerySet[Volunteer]:
    """The coordinator's list, newest first, filtered only on shared items."""
    qs = volunteers_visible(user=user)
    if filters.borough:
        qs = qs.filter(share_borough=True, borough=filters.borough)
    if filters.experience:
        qs = qs.filter(share_experience=True, experiences__kind=filters.experience)
    if filters.status:
        qs = qs.filter(status=filters.status)
    return qs.prefetch_related("experiences").distinct().order_by("-created_at", "-pk")


def volunteer_counts(*, user: User) -> dict[str, int]:
    """How many volunteers are in each contact status, withdrawn included (no
    personal data: the tombstones keep these counts right)."""
    if not user.has_perm("forum.coordinate"):
        return {}
    rows = Volunteer.objects.values("status").annotate(n=Count("pk")).order_by()
    counts = dict.fromkeys(ContactStatus.values, 0)
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def access_volunteer(*, user: User, volunteer_id: int) -> Volunteer:
    """The volunteer if the user may see them; 404 for missing, withdrawn and
    forbidden alike."""
    volunteer = (
        volunteers_visible(user=user)
        .prefetch_related("experiences")
        .filter(pk=volunteer_id)
        .first()
    )
    if volunteer is None:
        raise Http404("No such volunteer.")
    return volunteer


def volunteer_view(volunteer: Volunteer) -> VolunteerView:
    """What the coordinator is shown of `volunteer`: each item only if shared."""
    names = borough_names()
    experiences = None
    if volunteer.share_experience:
        kinds = sorted(e.kind for e in volunteer.experiences.all())
        experiences = [ExperienceType(k).label for k in kinds]
    preference = volunteer.contact_preference
    return VolunteerView(
        id=volunteer.pk,
        name=(volunteer.name or None) if volunteer.share_name else None,
        email=(volunteer.email or None) if volunteer.share_email else None,
        phone=(volunteer.phone or None) if volunteer.share_phone else None,
        borough=(
            names.get(volunteer.borough, volunteer.borough) or None
            if volunteer.share_borough
            else None
        ),
        experiences=experiences,
        contact_preference=ContactPreference(preference).label if preference else "",
        status=volunteer.status,
        status_label=ContactStatus(volunteer.status).label,
        joined=timezone.localtime(volunteer.created_at).strftime("%-d %B %Y"),
        source=volunteer.get_source_display(),
    )
