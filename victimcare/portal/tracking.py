"""Track your case (issue 7, item 7): the secure link, its one-time code, and
the short session they open.

How it works:

1. Staff (a desk agent, or anyone who may view the crime) send a link
   (`tracking_link_send`). It goes to ONE channel only: the victim's preferred
   text or email if the messaging safety rules allow it now
   (`messaging.safety.enqueue_verdict`), else the other of text and email if
   they allow that; else nothing is sent and the reason is returned to show.
   A victim who prefers calls or letters is offered text, then email, on the
   same rules. "Contact only if they get in touch", "no updates", and a
   restricted case without a confirmed safe channel all stop it (the verdict).
   A new link revokes the earlier ones for the same victim and crime.
2. The token (256 bits, `secrets`) is only ever in the message; the database
   keeps its SHA-256. Opening it asks for a 6-digit code, sent to the same
   channel and the same address the link went to (an HMAC of the address is
   kept; a changed number or address gets no code), safety checked again.
3. Three wrong codes lock the link for good. Unknown, expired and revoked
   links all get one neutral page. A correct code starts a short session
   (PORTAL_TRACK_SESSION_SECONDS) holding only the link's id.
4. The page shows fixed words only: no offender names, no addresses, no
   free-text summaries (`case_view`). Every view is audited with no actor and
   the victim as subject.
5. A victim without the link starts at /track/ with the crime reference and
   their date of birth (`tracking_start`): a new link is made for them, not
   sent, and a code goes to their safe channel.

Modules: this one holds the links, codes and sessions; `tracking_text` the
words; `tracking_case` what the victim sees and books; `tracking_desk` the
staff side and messages to the desk; `tracking_start` the /track/ start page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from victimcare.accounts.models import User
from victimcare.cases.models import Crime, CrimeVictim, Victim
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction
from victimcare.messaging import wording
from victimcare.messaging.constants import Channel, RecipientKind
from victimcare.messaging.safety import enqueue_verdict, recipient_for
from victimcare.messaging.services import message_enqueue

from .models import TrackingLink

# The tracker's other modules, re-exported: callers (the views, the forms, the
# context processor, the desk, tests) import the tracker as one `tracking`.
from .tracking_case import (  # noqa: F401
    CaseView,
    RightRow,
    call_back_offers,
    call_back_reasons,
    case_view,
    models_q_victim,
    tracking_call_back_book,
)
from .tracking_desk import (  # noqa: F401
    MESSAGE_MAX_LENGTH,
    MESSAGE_REQUIRED,
    PORTAL_MESSAGE_REASON,
    access_victim_link,
    desk_panel,
    may_send_link,
    portal_message_send,
)
from .tracking_text import (  # noqa: F401
    TRACK_DIR,
    _date,
    _track_words,
    _when,
    track_review_status,
    track_text,
)

LINK_TEMPLATE = "tracking_link"
CODE_TEMPLATE = "tracking_code"
CODE_DIGITS = 6
MAX_WRONG_CODES = 3
TEXT_CHANNELS = (Channel.SMS, Channel.EMAIL)

# What staff are told (no personal data). Tests import them.
SENT_TEXT = "A link to check their case has been sent by {channel}."
NOT_SENT_NO_SAFE_CHANNEL = (
    "No link was sent: there is no safe text or email channel for them ({reason}). "
    "Call them instead."
)


# --- Hashing ---------------------------------------------------------------------


def token_hash(token: str) -> str:
    """SHA-256 of a link token: 256 bits of entropy, so a fast hash is enough."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _keyed(*parts: str) -> str:
    key = settings.SECRET_KEY.encode("utf-8")
    return hmac.new(key, "\x1f".join(parts).encode("utf-8"), hashlib.sha256).hexdigest()


def code_hash(link: TrackingLink, code: str) -> str:
    """A keyed hash of a one-time code, bound to its link (six digits could be
    tried offline against a plain hash)."""
    return _keyed("portal-track-code", str(link.pk), link.token_hash, code)


def recipient_hash(recipient: str) -> str:
    return _keyed("portal-track-recipient", recipient.strip().lower())


def track_url(token: str) -> str:
    base = str(settings.VICTIMCARE_BASE_URL).rstrip("/")
    return base + reverse("portal:track", kwargs={"token": token})


def link_days() -> int:
    return int(getattr(settings, "PORTAL_TRACK_LINK_DAYS", 28))


def code_seconds() -> int:
    return int(getattr(settings, "PORTAL_TRACK_CODE_SECONDS", 600))


def session_seconds() -> int:
    return int(getattr(settings, "PORTAL_TRACK_SESSION_SECONDS", 900))


def _channels_to_try(preferred: str) -> list[str]:
    if preferred == Channel.SMS:
        return [Channel.SMS, Channel.EMAIL]
    if preferred == Channel.EMAIL:
        return [Channel.EMAIL, Channel.SMS]
    return [Channel.SMS, Channel.EMAIL]


def safe_channel(*, victim: Victim, crime: Crime) -> tuple[str, str]:
    """(channel, "") where a tracking message may go now, or ("", the first
    reason it may not) — the preferred channel's reason if it was text or email."""
    reasons: list[str] = []
    for channel in _channels_to_try(victim.preferred_channel):
        verdict = enqueue_verdict(victim=victim, channel=channel, crime=crime)
        if verdict.allowed:
            return channel, ""
        reasons.append(verdict.reason)
    return "", reasons[0]


def _render(
    *, template_code: str, channel: str, victim: Victim, crime: Crime, **values: str
) -> Any:
    context = wording.message_context(crime=crime, victim=victim)
    context.update(values)
    return wording.message_render(
        template_code=template_code,
        channel=channel,
        language=victim.language or "en",
        context=context,
    )


def _enqueue(*, rendered: Any, channel: str, victim: Victim, crime: Crime, key: str) -> Any:
    return message_enqueue(
        channel=channel,
        recipient_kind=RecipientKind.VICTIM,
        recipient=recipient_for(victim=victim, channel=channel),
        body=rendered.body,
        subject=rendered.subject if channel == Channel.EMAIL else "",
        template_code=rendered.template_code,
        template_version=rendered.version,
        language=rendered.language,
        idempotency_key=key,
        crime=crime,
        victim=victim,
    )


@dataclass(frozen=True)
class SendResult:
    sent: bool
    text: str
    link: TrackingLink | None = None
    token: str = field(default="", repr=False)


@transaction.atomic
def tracking_link_send(
    *, actor: User, link: CrimeVictim, request: HttpRequest | None = None
) -> SendResult:
    """Send the victim on `link` a tracking link on a safe channel, or say why not.

    For people `access_victim_link` let through. Revokes their earlier links
    for this crime. Audited either way (ids and the channel only)."""
    victim = Victim.objects.select_for_update().get(pk=link.victim_id)
    crime = Crime.objects.select_related("offence", "oic").get(pk=link.crime_id)
    channel, reason = safe_channel(victim=victim, crime=crime)
    if not channel:
        audit_record(
            action=AuditAction.CREATE,
            request=request,
            actor=actor,
            object_type="portal.tracking_link",
            subject_type="cases.victim",
            subject_id=victim.pk,
            detail={"crime_id": crime.pk, "sent": False},
        )
        return SendResult(
            sent=False, text=NOT_SENT_NO_SAFE_CHANNEL.format(reason=reason.rstrip("."))
        )
    now = timezone.now()
    TrackingLink.objects.filter(victim=victim, crime=crime, revoked_at__isnull=True).update(
        revoked_at=now
    )
    token = secrets.token_urlsafe(32)
    tracking = TrackingLink.objects.create(
        victim=victim,
        crime=crime,
        token_hash=token_hash(token),
        channel=channel,
        recipient_hash=recipient_hash(recipient_for(victim=victim, channel=channel)),
        created_at=now,
        created_by=actor,
        expires_at=now + dt.timedelta(days=link_days()),
    )
    rendered = _render(
        template_code=LINK_TEMPLATE,
        channel=channel,
        victim=victim,
        crime=crime,
        tracking_link=track_url(token),
    )
    tracking.message = _enqueue(
        rendered=rendered,
        channel=channel,
        victim=victim,
        crime=crime,
        key=f"portal:track-link:{tracking.pk}",
    )
    tracking.save(update_fields=["message"])
    audit_record(
        action=AuditAction.CREATE,
        request=request,
        actor=actor,
        object_type="portal.tracking_link",
        object_id=tracking.pk,
        subject_type="cases.victim",
        subject_id=victim.pk,
        detail={"crime_id": crime.pk, "sent": True, "channel": channel},
    )
    label = dict(Channel.choices)[channel].lower()
    return SendResult(sent=True, text=SENT_TEXT.format(channel=label), link=tracking, token=token)


# --- Opening a link (public) ------------------------------------------------------------


def link_for_token(token: str, *, now: dt.datetime | None = None) -> TrackingLink | None:
    """The live link for `token` (not expired, not revoked; locked ones too, the
    caller tells the victim to call), or None for anything else."""
    if not token or len(token) > 100:
        return None
    now = now or timezone.now()
    tracking = TrackingLink.objects.filter(token_hash=token_hash(token)).first()
    if tracking is None or tracking.revoked_at is not None or tracking.expires_at <= now:
        return None
    return tracking


class CodeNotSent(Exception):
    """No code may be sent for this link now (safety, a changed address, too many)."""


@transaction.atomic
def tracking_code_send(*, tracking: TrackingLink, request: HttpRequest | None = None) -> None:
    """Send a fresh one-time code to the channel and address the link went to.

    Raises CodeNotSent if the link is locked, the channel is no longer safe,
    the victim's address there changed, or the link has had its share of codes.
    A new code replaces the old one; wrong codes still count towards the lock."""
    live = TrackingLink.objects.select_for_update().get(pk=tracking.pk)
    if live.locked_at is not None:
        raise CodeNotSent("locked")
    if live.codes_sent >= int(getattr(settings, "PORTAL_TRACK_CODES_PER_LINK", 5)):
        raise CodeNotSent("too many codes")
    victim = Victim.objects.get(pk=live.victim_id)
    crime = Crime.objects.select_related("offence", "oic").get(pk=live.crime_id)
    verdict = enqueue_verdict(victim=victim, channel=live.channel, crime=crime)
    if not verdict.allowed:
        raise CodeNotSent("not safe")
    recipient = recipient_for(victim=victim, channel=live.channel)
    if not hmac.compare_digest(recipient_hash(recipient), live.recipient_hash):
        raise CodeNotSent("address changed")
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    live.codes_sent += 1
    live.code_hash = code_hash(live, code)
    live.code_expires_at = timezone.now() + dt.timedelta(seconds=code_seconds())
    rendered = _render(
        template_code=CODE_TEMPLATE,
        channel=live.channel,
        victim=victim,
        crime=crime,
        tracking_code=code,
    )
    live.code_message = _enqueue(
        rendered=rendered,
        channel=live.channel,
        victim=victim,
        crime=crime,
        key=f"portal:track-code:{live.pk}:{live.codes_sent}",
    )
    live.save(update_fields=["codes_sent", "code_hash", "code_expires_at", "code_message"])
    audit_record(
        action=AuditAction.CREATE,
        request=request,
        actor=None,
        object_type="portal.tracking_code",
        object_id=live.pk,
        subject_type="cases.victim",
        subject_id=live.victim_id,
        detail={"crime_id": live.crime_id, "channel": live.channel},
    )


@dataclass(frozen=True)
class CodeOutcome:
    ok: bool
    locked: bool = False


def tracking_code_check(
    *, tracking: TrackingLink, code: str, request: HttpRequest | None = None
) -> CodeOutcome:
    """Check a code typed for `tracking`. A right, unexpired code on an unlocked
    link opens it (and is used up, and the wrong-attempt count goes back to 0);
    anything else counts as one wrong attempt, and the third in a row locks
    the link for good. Audited as sign-in events."""
    with transaction.atomic():
        live = TrackingLink.objects.select_for_update().get(pk=tracking.pk)
        now = timezone.now()
        if live.locked_at is not None:
            return CodeOutcome(ok=False, locked=True)
        good = bool(
            live.code_hash
            and live.code_expires_at is not None
            and live.code_expires_at > now
            and hmac.compare_digest(code_hash(live, code), live.code_hash)
        )
        if good:
            live.code_hash = ""
            live.code_expires_at = None
            live.last_opened_at = now
            # Three wrong codes IN A ROW lock it: a right one starts the count again.
            live.failed_attempts = 0
            live.save(
                update_fields=["code_hash", "code_expires_at", "last_opened_at", "failed_attempts"]
            )
        else:
            live.failed_attempts += 1
            fields = ["failed_attempts"]
            if live.failed_attempts >= MAX_WRONG_CODES:
                live.locked_at = now
                live.code_hash = ""
                fields += ["locked_at", "code_hash"]
            live.save(update_fields=fields)
        audit_record(
            action=AuditAction.SIGN_IN if good else AuditAction.SIGN_IN_FAILED,
            request=request,
            actor=None,
            object_type="portal.tracking_link",
            object_id=live.pk,
            subject_type="cases.victim",
            subject_id=live.victim_id,
            detail={"crime_id": live.crime_id, "locked": live.locked_at is not None},
        )
    if not good and live.locked_at is not None:
        audit_record(
            action=AuditAction.LOCKED_OUT,
            request=request,
            actor=None,
            object_type="portal.tracking_link",
            object_id=live.pk,
            subject_type="cases.victim",
            subject_id=live.victim_id,
            detail={"crime_id": live.crime_id},
        )
    return CodeOutcome(ok=good, locked=live.locked_at is not None)


def session_link(*, link_id: int) -> TrackingLink | None:
    """The link a tracker session is for, while it is still live and unlocked."""
    tracking = TrackingLink.objects.select_related("victim", "crime").filter(pk=link_id).first()
    if tracking is None or tracking.revoked_at is not None or tracking.locked_at is not None:
        return None
    if tracking.expires_at <= timezone.now():
        return None
    return tracking
