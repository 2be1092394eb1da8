"""Track your case: what the victim sees once signed in (the case in fixed
words: no offender names, no addresses, no free-text summaries) and the call
backs they can book from it. Callers have a live tracker session (views_track)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from victimcare.cases.constants import EventCode
from victimcare.cases.models import Crime, CrimeVictim, JourneyEvent
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction
from victimcare.desk.constants import OFFERED_SLOTS, CallBackReason, CallBackSource
from victimcare.desk.models import CallBack
from victimcare.desk.selectors import STAGE_TEXT
from victimcare.duties.constants import DutyState
from victimcare.duties.models import Duty
from victimcare.feedback.i18n import PageText
from victimcare.messaging.desk import desk_is_open, next_open_slots

from .models import TrackingLink
from .tracking_text import _date, _track_words, words_language


@dataclass(frozen=True)
class RightRow:
    number: int
    title: str
    status: str  # "met", "pending", "late"
    status_text: str
    title_lang: str = "en"  # the language `title` is in (English where untranslated)


@dataclass(frozen=True)
class CaseView:
    crn: str
    stage: str
    stage_lang: str
    stage_since: str
    # Each: "what" (in "lang": the page's language, or English where untranslated),
    # "when" and "iso".
    events: list[dict[str, str]]
    next_steps: str
    next_update: str
    next_steps_lang: str
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
                number=number,
                title=title,
                status=status,
                status_text=text.plain(f"right_{status}"),
                title_lang=words_language(text, title_key),
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
            "lang": words_language(text, f"event.{e.code}"),
            "when": _date(e.occurred_at, text.language),
            "iso": e.occurred_at.date().isoformat(),
        }
        for e in events
        if e.pk not in superseded and f"event.{e.code}" in text.texts and e.occurred_at <= now
    ][:20]
    next_key = f"next.{stage_event.code}" if stage_event is not None else ""
    next_key = next_key if next_key in text.texts else "next.default"
    next_steps = text.plain(next_key)
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
        next_steps_lang=words_language(text, next_key),
        next_update=next_update,
        oic_name=oic.full_name if oic_email else "",
        oic_email=oic_email,
        desk_open=desk_is_open(now),
        rights=_right_rows(duties, text, now),
    )


def models_q_victim(victim_id: int) -> Q:
    """Events about this victim, or about the crime as a whole (no victim)."""
    return Q(victim_id=victim_id) | Q(victim__isnull=True)


# --- Call backs from the tracker ----------------------------------------------------------


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


def call_back_reasons() -> list[str]:
    return list(CallBackReason.values)
