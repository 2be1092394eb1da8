"""Track your case, the staff side: who may send a victim a tracking link,
the desk case view's tracker panel, and the victim's messages to the desk
(stored encrypted, raised as desk tasks)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone

from victimcare.cases.models import Crime, CrimeVictim
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction
from victimcare.messaging.constants import Channel, TaskKind
from victimcare.messaging.dispatch import task_raise

from .models import PortalMessage, TrackingLink
from .tracking_text import _date, _when

MESSAGE_MAX_LENGTH = 2000
PORTAL_MESSAGE_REASON = "The victim sent the desk a message through the portal."
MESSAGE_REQUIRED = "Enter your message"


def may_send_link(*, user: Any, crime: Crime) -> bool:
    """Desk agents and anyone who may view the crime (the case policy)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.has_perm("desk.use_console") or user.has_perm("cases.view_crime", crime))


def access_victim_link(*, user: Any, victim_id: int, crime_id: int) -> CrimeVictim:
    """The victim's link to the crime if `user` may send them a tracking link;
    Http404 for missing and forbidden alike. The crime must be one the user may
    view (the case policy decides; the desk's use_console alone is not enough
    to reach a case its force cannot see)."""
    from victimcare.cases.selectors import access_crime

    if not getattr(user, "is_authenticated", False):
        raise Http404("No such person.")
    crime = access_crime(user=user, crime_id=crime_id)
    if not may_send_link(user=user, crime=crime):
        raise Http404("No such person.")
    link = (
        CrimeVictim.objects.select_related("victim")
        .filter(crime=crime, victim_id=victim_id)
        .first()
    )
    if link is None:
        raise Http404("No such person.")
    link.crime = crime
    return link


@transaction.atomic
def portal_message_send(
    *, tracking: TrackingLink, text: str, language: str, request: HttpRequest | None = None
) -> PortalMessage:
    """Store the victim's message to the desk (encrypted) and put a
    PORTAL_MESSAGE contact task on the desk's and the officer's worklists."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": [MESSAGE_REQUIRED]})
    if len(text) > MESSAGE_MAX_LENGTH:
        raise ValidationError(
            {"text": [f"Your message must be {MESSAGE_MAX_LENGTH} characters or fewer"]}
        )
    task = task_raise(
        crime_id=tracking.crime_id,
        victim_id=tracking.victim_id,
        kind=TaskKind.PORTAL_MESSAGE,
        reason=PORTAL_MESSAGE_REASON,
    )
    message = PortalMessage.objects.create(
        victim_id=tracking.victim_id,
        crime_id=tracking.crime_id,
        link=tracking,
        text=text,
        language=language,
        task=task,
    )
    audit_record(
        action=AuditAction.CREATE,
        request=request,
        actor=None,
        object_type="portal.message",
        object_id=message.pk,
        subject_type="cases.victim",
        subject_id=tracking.victim_id,
        detail={"crime_id": tracking.crime_id, "task_id": task.pk},
    )
    return message


def desk_panel(request: HttpRequest, link: CrimeVictim) -> dict[str, Any]:
    """What the desk case view's tracker panel shows: the send button's address
    and the victim's portal messages to the desk for this crime. Reading the
    messages is audited (one VIEW entry per message). Empty for anyone who may
    not send a link for this crime."""
    user = getattr(request, "user", None)
    crime = link.crime
    if (
        user is None
        or not may_send_link(user=user, crime=crime)
        or not user.has_perm("cases.view_crime", crime)
    ):
        return {"allowed": False, "messages": []}
    rows = list(
        PortalMessage.objects.filter(victim_id=link.victim_id, crime_id=link.crime_id).order_by(
            "-created_at", "-pk"
        )[:20]
    )
    for row in rows:
        audit_record(
            action=AuditAction.VIEW,
            request=request,
            object_type="portal.message",
            object_id=row.pk,
            subject_type="cases.victim",
            subject_id=link.victim_id,
            detail={"crime_id": link.crime_id, "page": "desk.case"},
        )
    live = (
        TrackingLink.objects.filter(
            victim_id=link.victim_id,
            crime_id=link.crime_id,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .order_by("-created_at")
        .first()
    )
    return {
        "allowed": True,
        "send_url": reverse(
            "portal:track-send", kwargs={"victim_id": link.victim_id, "crime_id": link.crime_id}
        ),
        "live_link": (
            {
                "channel": dict(Channel.choices).get(live.channel, live.channel).lower(),
                "sent": _when(live.created_at, "en"),
                "expires": _date(live.expires_at, "en"),
                "locked": live.locked_at is not None,
            }
            if live is not None
            else None
        ),
        "messages": [
            {"when": _when(m.created_at, "en"), "iso": m.created_at.isoformat(), "text": m.text}
            for m in rows
        ],
    }
