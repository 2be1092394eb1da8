"""Track your case (issue 7, item 7): the secure link, its one-time code, and
what the victim sees.

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
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone

from victimcare.accounts.models import User
from victimcare.cases.constants import EventCode
from victimcare.cases.models import Crime, CrimeVictim, JourneyEvent, Victim
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction
from victimcare.desk.constants import OFFERED_SLOTS, CallBackReason, CallBackSource
from victimcare.desk.models import CallBack
from victimcare.desk.selectors import STAGE_TEXT
from victimcare.duties.calendar import LONDON
from victimcare.duties.constants import DutyState
from victimcare.duties.models import Duty
from victimcare.feedback.i18n import PageText
from victimcare.messaging import wording
from victimcare.messaging.constants import Channel, RecipientKind, TaskKind
from victimcare.messaging.desk import desk_is_open, next_open_slots
from victimcare.messaging.dispatch import task_raise
from victimcare.messaging.safety import enqueue_verdict, recipient_for
from victimcare.messaging.services import message_enqueue

from .i18n import portal_language, portal_text
from .models import PortalMessage, TrackingLink

TRACK_DIR = Path(__file__).parent / "data" / "track"
LINK_TEMPLATE = "tracking_link"
CODE_TEMPLATE = "tracking_code"
CODE_DIGITS = 6
MAX_WRONG_CODES = 3
MESSAGE_MAX_LENGTH = 2000
TEXT_CHANNELS = (Channel.SMS, Channel.EMAIL)

# What staff are told (no personal data). Tests import them.
SENT_TEXT = "A link to check their case has been sent by {channel}."
NOT_SENT_NO_SAFE_CHANNEL = (
    "No link was sent: there is no safe text or email channel for them ({reason}). "
    "Call them instead."
)
PORTAL_MESSAGE_REASON = "The victim sent the desk a message through the portal."
MESSAGE_REQUIRED = "Enter your message"


# --- Words -----------------------------------------------------------------------


@functools.cache
def _track_words(language: str) -> dict[str, str]:
    path = TRACK_DIR / f"{language}.json"
    if not path.exists():
        return {}
    return dict(json.loads(path.read_text(encoding="utf-8")).get("texts", {}))


@functools.cache
def track_text(language: str | None) -> PageText:
    """The portal's words in `language` with the tracker's over them (English
    for anything a language file lacks; a language without a portal file is English)."""
    code = portal_language(language)
    base = portal_text(code)
    merged = {**base.texts, **_track_words("en"), **_track_words(code)}
    return PageText(language=code, texts=merged)


def track_review_status(language: str) -> str:
    path = TRACK_DIR / f"{language}.json"
    if not path.exists():
        return ""
    return str(json.loads(path.read_text(encoding="utf-8")).get("review", ""))


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


# --- Sending a link (staff) ------------------------------------------------------------


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
    link opens it (and is used up); anything else counts as one wrong attempt,
    and the third locks the link for good. Audited as sign-in events."""
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
            live.save(update_fields=["code_hash", "code_expires_at", "last_opened_at"])
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


# --- What the victim sees ------------------------------------------------------------


def _date(value: dt.datetime, language: str) -> str:
    return wording.format_date(value.astimezone(LONDON).date(), language)


def _when(value: dt.datetime, language: str) -> str:
    return wording.format_when(value, language)


@dataclass(frozen=True)
class RightRow:
    number: int
    title: str
    status: str  # "met", "pending", "late"
    status_text: str


@dataclass(frozen=True)
class CaseView:
    crn: str
    stage: str
    stage_lang: str
    stage_since: str
    events: list[dict[str, str]]
    next_steps: str
    next_update: str
    oic_name: str
    oic_email: str
    desk_open: bool
    rights: list[RightRow]


def _stage(events: list[JourneyEvent], text: PageText) -> tuple[str, str, JourneyEvent | None]:
    """The desk case view's stage wording (desk.selectors.STAGE_TEXT), translated
    where the tracker has words for it: (text, its language, the event)."""
    superseded = {e.supersedes_id for e in events if e.supersedes_id}
    chosen: JourneyEvent | None = None
    for event in events:  # newest first
        if event.pk not in superseded and event.code in STAGE_TEXT:
            chosen = event
            break
    code = chosen.code if chosen is not None else EventCode.CRIME_REPORTED
    key = f"stage.{code}"
    if text.language != "en" and key in _track_words(text.language):
        return text.plain(key), text.language, chosen
    return STAGE_TEXT[code], "en", chosen


def _right_rows(duties: list[Duty], text: PageText, now: dt.datetime) -> list[RightRow]:
    by_right: dict[int, list[Duty]] = {}
    for duty in duties:
        by_right.setdefault(duty.right, []).append(duty)
    rows = []
    for number in sorted(by_right):
        items = by_right[number]
        late = any(
            d.state == DutyState.OVERDUE
            or (d.state == DutyState.OPEN and d.due_at < now)
            or (d.state == DutyState.DONE and d.on_time is False)
            for d in items
        )
        pending = any(d.state in (DutyState.OPEN, DutyState.OVERDUE) for d in items)
        status = "late" if late else ("pending" if pending else "met")
        title_key = f"right.{number}"
        title = text.plain(title_key) if title_key in text.texts else ""
        rows.append(
            RightRow(
                number=number, title=title, status=status, status_text=text.plain(f"right_{status}")
            )
        )
    return rows


def case_view(
    *, tracking: TrackingLink, text: PageText, request: HttpRequest | None = None
) -> CaseView:
    """What the tracker page shows for the link's victim and crime, in fixed
    words. Writes one VIEW audit entry (no actor; the victim as subject)."""
    crime = Crime.objects.select_related("oic").get(pk=tracking.crime_id)
    victim_id = tracking.victim_id
    now = timezone.now()
    events = list(
        JourneyEvent.objects.filter(crime=crime)
        .filter(models_q_victim(victim_id))
        .order_by("-occurred_at", "-pk")
    )
    stage, stage_lang, stage_event = _stage(events, text)
    superseded = {e.supersedes_id for e in events if e.supersedes_id}
    shown = [
        {
            "what": text.plain(f"event.{e.code}"),
            "when": _date(e.occurred_at, text.language),
            "iso": e.occurred_at.date().isoformat(),
        }
        for e in events
        if e.pk not in superseded and f"event.{e.code}" in text.texts and e.occurred_at <= now
    ][:20]
    next_key = f"next.{stage_event.code}" if stage_event is not None else ""
    next_steps = text.plain(next_key if next_key in text.texts else "next.default")
    duties = list(
        Duty.objects.filter(crime=crime, victim_id=victim_id)
        .exclude(state__in=(DutyState.NOT_APPLICABLE, DutyState.REPLACED))
        .order_by("due_at", "pk")
    )
    owed = [d for d in duties if d.state in (DutyState.OPEN, DutyState.OVERDUE)]
    next_update = _date(min(d.due_at for d in owed), text.language) if owed else ""
    oic = crime.oic
    oic_email = oic.email if oic is not None and oic.is_active and oic.email else ""
    audit_record(
        action=AuditAction.VIEW,
        request=request,
        actor=None,
        object_type="cases.crime",
        object_id=crime.pk,
        subject_type="cases.victim",
        subject_id=victim_id,
        detail={"page": "portal.track", "link_id": tracking.pk},
    )
    return CaseView(
        crn=crime.crn,
        stage=stage,
        stage_lang=stage_lang,
        stage_since=_date(stage_event.occurred_at, text.language) if stage_event else "",
        events=shown,
        next_steps=next_steps,
        next_update=next_update,
        oic_name=oic.full_name if oic_email else "",
        oic_email=oic_email,
        desk_open=desk_is_open(now),
        rights=_right_rows(duties, text, now),
    )


def models_q_victim(victim_id: int) -> Any:
    """Events about this victim, or about the crime as a whole (no victim)."""
    from django.db.models import Q

    return Q(victim_id=victim_id) | Q(victim__isnull=True)


# --- Call backs and messages from the tracker -------------------------------------------


def _crime_victim(tracking: TrackingLink) -> CrimeVictim:
    return CrimeVictim.objects.get(crime_id=tracking.crime_id, victim_id=tracking.victim_id)


def call_back_offers(requested_for: dt.datetime) -> list[dt.datetime]:
    """The next times the desk is open at or after `requested_for`."""
    return next_open_slots(requested_for, count=OFFERED_SLOTS)


def tracking_call_back_book(
    *,
    tracking: TrackingLink,
    requested_for: dt.datetime,
    reason: str,
    request: HttpRequest | None = None,
) -> CallBack:
    """Book a call back from the tracker into the desk's queue (source portal).
    ValidationError as desk.services.call_back_book gives it."""
    from victimcare.desk.services import call_back_book

    return call_back_book(
        user=None,
        link=_crime_victim(tracking),
        requested_for=requested_for,
        reason=reason,
        source=CallBackSource.PORTAL,
        request=request,
    )


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


def call_back_reasons() -> list[str]:
    return list(CallBackReason.values)


# --- The desk's panel ------------------------------------------------------------------


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
