"""Writes for the Victim Voice Forum: join, withdraw (erase), contact status.

Joining happens on a public page with no account, so nobody signed in is the
actor: the audit entry has no actor, like a complaint made through the portal.
The confirmation message goes through the outbox as a PUBLIC message about no
crime (the forum is never linked to a case), to the email or mobile the person
gave, and holds the withdrawal link. The link's token is drawn from the CSPRNG
(256 bits) and only its SHA-256 is stored (security.md row 23), so the database
alone cannot be used to withdraw anyone.

A withdrawal, whoever records it, erases the personal data in the same
transaction and leaves a tombstone (models.Volunteer); doing it twice changes
nothing the second time.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from victimcare.accounts.models import User
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction
from victimcare.messaging.constants import Channel, RecipientKind
from victimcare.messaging.safety import is_mobile
from victimcare.messaging.services import message_enqueue, message_withdraw

from . import constants as c
from .constants import ContactPreference, ContactStatus, ShareItem, WithdrawnVia
from .i18n import forum_text
from .models import Volunteer, VolunteerExperience

OBJECT_TYPE = "forum.volunteer"
WITHDRAWN_MESSAGE_REASON = "The volunteer left the forum: their data was erased."
CONFIRM_TEMPLATE = "forum_join_confirmation"
CONSENT_REQUIRED = "Consent to join the forum is required."
CONTACT_REQUIRED = "An email address or a phone number is required."
SHARE_CONTACT_REQUIRED = "At least one way to contact the volunteer must be shared."


@dataclass(frozen=True)
class VolunteerInput:
    """What the sign-up form collected, cleaned (forms.JoinForm)."""

    consent: bool
    email: str = ""
    phone: str = ""
    name: str = ""
    borough: str = ""
    experiences: tuple[str, ...] = ()
    share: frozenset[str] = field(default_factory=frozenset)
    contact_preference: str = ""
    source: str = c.Source.PORTAL
    language: str = "en"


@dataclass(frozen=True)
class JoinResult:
    volunteer: Volunteer
    # Whether a confirmation (with the withdrawal link) was queued.
    confirmation_queued: bool


def token_hash(token: str) -> str:
    """SHA-256 hex of a withdrawal token (256 random bits: a fast hash is enough)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def withdraw_url(token: str, language: str) -> str:
    path = reverse("forum:withdraw", kwargs={"token": token})
    return f"{settings.VICTIMCARE_BASE_URL.rstrip('/')}{path}?lang={language}"


def _confirmation_channel(data: VolunteerInput) -> tuple[str, str, str]:
    """(channel, recipient, "") for the confirmation, or ("", "", why not).

    The preferred channel when it can carry a link (text to a mobile, email),
    else email, else text to a mobile. A landline cannot take a link."""
    mobile = is_mobile(data.phone)
    if data.contact_preference == ContactPreference.TEXT and mobile:
        return Channel.SMS, data.phone, ""
    if data.email:
        return Channel.EMAIL, data.email, ""
    if mobile:
        return Channel.SMS, data.phone, ""
    return "", "", c.CONFIRM_NOT_MOBILE


def volunteer_join(*, data: VolunteerInput, request: HttpRequest | None = None) -> JoinResult:
    """Record a volunteer who gave their consent, and queue their confirmation.

    `data` is validated by the form; this checks the rules that make a sign-up
    meaningful again (consent, a way to reach them that they shared) and raises
    ValidationError, storing nothing, if one is broken. Only the items the
    person agreed to share are stored."""
    if data.consent is not True:
        raise ValidationError(CONSENT_REQUIRED)
    if not (data.email or data.phone):
        raise ValidationError(CONTACT_REQUIRED)
    share = set(data.share)
    shared_email = data.email if ShareItem.EMAIL in share else ""
    shared_phone = data.phone if ShareItem.PHONE in share else ""
    if not (shared_email or shared_phone):
        raise ValidationError(SHARE_CONTACT_REQUIRED)
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        volunteer = Volunteer.objects.create(
            name=data.name if ShareItem.NAME in share else "",
            email=shared_email,
            phone=shared_phone,
            borough=data.borough if ShareItem.BOROUGH in share else "",
            share_name=ShareItem.NAME in share and bool(data.name),
            share_email=bool(shared_email),
            share_phone=bool(shared_phone),
            share_borough=ShareItem.BOROUGH in share and bool(data.borough),
            share_experience=ShareItem.EXPERIENCE in share and bool(data.experiences),
            contact_preference=data.contact_preference,
            consent_version=c.CONSENT_VERSION,
            consented_at=now,
            source=data.source,
            language=data.language,
            created_at=now,
            withdraw_token_hash=token_hash(token),
        )
        if ShareItem.EXPERIENCE in share:
            VolunteerExperience.objects.bulk_create(
                VolunteerExperience(volunteer=volunteer, kind=kind)
                for kind in sorted(set(data.experiences))
            )
        channel, recipient, withheld = _confirmation_channel(data)
        if channel:
            text = forum_text(data.language)
            url = withdraw_url(token, text.language)
            body_key = "confirm_body" if channel == Channel.EMAIL else "confirm_sms"
            volunteer.confirmation_message = message_enqueue(
                channel=channel,
                recipient_kind=RecipientKind.PUBLIC,
                recipient=recipient,
                subject=text.plain("confirm_subject") if channel == Channel.EMAIL else "",
                body=text.plain(body_key, withdraw_url=url),
                template_code=CONFIRM_TEMPLATE,
                idempotency_key=f"forum:join:{volunteer.pk}",
                language=text.language,
            )
        volunteer.confirmation_withheld_reason = withheld
        volunteer.save(update_fields=["confirmation_message", "confirmation_withheld_reason"])
        audit_record(
            action=AuditAction.CREATE,
            request=request,
            object_type=OBJECT_TYPE,
            object_id=volunteer.pk,
            subject_type=OBJECT_TYPE,
            subject_id=volunteer.pk,
            detail={
                "source": volunteer.source,
                "consent_version": volunteer.consent_version,
                "shared": sorted(share & set(ShareItem.values)),
                "confirmation": channel or "none",
            },
        )
    return JoinResult(volunteer=volunteer, confirmation_queued=bool(channel))


def volunteer_for_token(token: str) -> Volunteer | None:
    """The volunteer whose withdrawal link holds `token`, if any (withdrawn or not)."""
    if not token or len(token) > 100:
        return None
    return Volunteer.objects.filter(withdraw_token_hash=token_hash(token)).first()


def _erase(volunteer: Volunteer) -> None:
    volunteer.name = ""
    volunteer.email = ""
    volunteer.phone = ""
    volunteer.borough = ""
    volunteer.share_name = False
    volunteer.share_email = False
    volunteer.share_phone = False
    volunteer.share_borough = False
    volunteer.share_experience = False
    volunteer.contact_preference = ""
    VolunteerExperience.objects.filter(volunteer=volunteer).delete()


def volunteer_withdraw(
    *,
    volunteer_id: int,
    via: WithdrawnVia | str,
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> bool:
    """Withdraw a volunteer: erase their personal data, keep a tombstone.

    `via` SELF is the volunteer's own link (no actor); COORDINATOR is a
    withdrawal the coordinator records when asked (by phone, in person), and
    needs an `actor` with `forum.coordinate`. Returns True if this call erased
    the data, False if they had already withdrawn (nothing changes, nothing
    is audited again)."""
    if via == WithdrawnVia.COORDINATOR and (
        actor is None or not actor.has_perm("forum.coordinate")
    ):
        raise PermissionDenied
    with transaction.atomic():
        live = Volunteer.objects.select_for_update().get(pk=volunteer_id)
        if live.withdrawn:
            return False
        now = timezone.now()
        _erase(live)
        if live.confirmation_message_id is not None:
            # The confirmation holds their address: stop it if unsent, and blank it.
            message_withdraw(
                message_id=live.confirmation_message_id, reason=WITHDRAWN_MESSAGE_REASON
            )
        live.status = ContactStatus.WITHDRAWN
        live.status_changed_at = now
        live.withdrawn_at = now
        live.withdrawn_via = via
        live.save()
        audit_record(
            action=AuditAction.DELETE,
            request=request,
            actor=actor,
            object_type=OBJECT_TYPE,
            object_id=live.pk,
            subject_type=OBJECT_TYPE,
            subject_id=live.pk,
            detail={"via": str(via), "erased": True},
        )
    return True


def volunteer_status_set(
    *,
    actor: User,
    volunteer_id: int,
    status: ContactStatus | str,
    request: HttpRequest | None = None,
) -> Volunteer:
    """Set a volunteer's contact status (new, contacted, taking part, not
    reached). For people with `forum.coordinate`. A withdrawn volunteer stays
    withdrawn; withdrawing goes through volunteer_withdraw."""
    if not actor.has_perm("forum.coordinate"):
        raise PermissionDenied
    if status not in c.COORDINATOR_STATUSES:
        raise ValidationError({"status": [c.STATUS_INVALID]})
    with transaction.atomic():
        live = Volunteer.objects.select_for_update().get(pk=volunteer_id)
        if live.withdrawn:
            raise ValidationError({"status": [c.ALREADY_WITHDRAWN]})
        before = live.status
        if before == status:
            return live
        live.status = status
        live.status_changed_at = timezone.now()
        live.save(update_fields=["status", "status_changed_at"])
        audit_record(
            action=AuditAction.CHANGE,
            request=request,
            actor=actor,
            object_type=OBJECT_TYPE,
            object_id=live.pk,
            subject_type=OBJECT_TYPE,
            subject_id=live.pk,
            detail={"status_from": before, "status_to": str(status)},
        )
    return live
