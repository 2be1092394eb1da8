"""Text replies to feedback invitations (issue 6, item 3).

`inbound_sms_answer` listens to `messaging.signals.inbound_sms_received` (sent
once per new inbound text, after it is stored; connected in FeedbackConfig.ready)
and calls `sms_reply_handle`:

- The sender is matched by the blind index of their number
  (`InboundSms.from_number_index`, the same HMAC as `Invitation.reply_key`) to
  the newest open (unused, unexpired) text invitation sent to that number. No
  match — an unknown number, or an invitation already used or expired —
  nothing is stored and nothing is sent (only the inbound id is logged): a
  closed invitation gets no automatic answer, so a stranger cannot make us
  text a number, and a victim who has rated is not texted again.
- A single digit 1–5, with spaces around it and trailing punctuation allowed
  ("4", " 4. ", "5!"), is the rating: stored once through
  services.response_store (source "sms", the invitation locked). Digits of
  other scripts count too (Arabic-Indic "٤", full-width "４"): victims may
  answer in their own script.
- Anything else ("5 stars!!", "3, he was rude", "thanks", an emoji, nothing):
  - screened for safeguarding risk (triage.screen). If urgent, a
    FEEDBACK_SAFETY contact task for the officer in the case and the desk
    (task_raise: one open task per crime and victim), naming the risk
    categories and the inbound text's id, never its words: a person reads the
    text (messaging admin, "Inbound SMS") and contacts the victim safely —
    a text saying they are scared is never just answered by a robot;
  - the first such answer per invitation, only, gets one polite reply
    (template feedback_sms_reply) through the outbox: how to answer, and a
    link to the page. Only the token's hash is kept, so the invitation gets
    a fresh token (its token_hash replaced; the earlier link stops working)
    rather than a second invitation: one contact keeps one invitation and
    can be rated once. `reply_prompted_at` is set by a conditional update on
    the locked row and the outbox key is per invitation, so replays and
    concurrent texts send one reply. Later odd answers get no reply (still
    screened); a digit after the reply still counts.
  - The reply goes only if texts are still safe for the victim
    (enqueue_verdict now, and the outbox again at send time) and the number
    that wrote is still the victim's recorded number; otherwise nothing is
    sent and the old link keeps working.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import unicodedata
from typing import Any

import structlog
from django.db import transaction
from django.utils import timezone

from victimcare.messaging import dispatch as messaging_dispatch
from victimcare.messaging import wording
from victimcare.messaging.constants import Channel, TaskKind
from victimcare.messaging.models import InboundSms
from victimcare.messaging.safety import enqueue_verdict, recipient_for

from . import services, triage
from .constants import RATING_MAX, RATING_MIN, TOKEN_BYTES, InvitationChannel, ResponseSource
from .dispatch import feedback_url, reply_key_for
from .models import Invitation

log = structlog.get_logger(__name__)

REPLY_TEMPLATE = "feedback_sms_reply"
# One character (any script's decimal digit), optional spaces and trailing punctuation.
RATING_REPLY = re.compile(r"\s*(\d)\s*[.!?,;:)]*\s*", re.UNICODE)
# The contact task's reason: categories and ids only (no words of the text).
SAFETY_TASK_REASON = (
    "A text reply to a feedback invitation may show a safety concern ({categories}). "
    "Read inbound text {inbound_id} and contact the victim safely."
)


def rating_in(text: str) -> int | None:
    """The rating a reply gives: a single digit 1–5 alone (spaces and trailing
    punctuation allowed), else None."""
    match = RATING_REPLY.fullmatch(text or "")
    if match is None:
        return None
    value = unicodedata.decimal(match.group(1), None)
    if value is None or not (RATING_MIN <= value <= RATING_MAX):
        return None
    return int(value)


def inbound_sms_answer(sender: Any, sms: InboundSms, **kwargs: Any) -> None:
    """Signal receiver: handle `sms` as a possible answer. Never raises (a
    failure is logged by type and id: the text itself stays stored)."""
    try:
        sms_reply_handle(sms=sms)
    except Exception as error:
        log.error("feedback.sms_reply_failed", inbound_id=sms.pk, error=type(error).__name__)


@transaction.atomic
def sms_reply_handle(*, sms: InboundSms, now: dt.datetime | None = None) -> str:
    """Answer one inbound text (module docstring). Returns what was done, for
    logs and tests: "unmatched", "rated", "prompted" or "screened"."""
    now = now or timezone.now()
    key = sms.from_number_index or reply_key_for(sms.from_number)
    invitation = (
        Invitation.objects.select_for_update()
        .filter(
            reply_key=key,
            channel=InvitationChannel.SMS,
            used_at__isnull=True,
            expires_at__gt=now,
        )
        .order_by("-created_at", "-pk")
        .first()
        if key
        else None
    )
    if invitation is None:
        log.info("feedback.sms_reply_unmatched", inbound_id=sms.pk)
        return "unmatched"
    rating = rating_in(sms.content)
    if rating is not None:
        services.response_store(
            invitation=invitation,
            rating=rating,
            source=ResponseSource.SMS,
            language=invitation.language,
            now=now,
        )
        log.info("feedback.sms_rating", inbound_id=sms.pk, invitation_id=invitation.pk)
        return "rated"
    # Each step in its own savepoint: a failure of one never undoes the other
    # (above all, a reply that cannot be written never loses the safety task).
    for step in (_screen, _prompt):
        try:
            with transaction.atomic():
                done = step(sms=sms, invitation=invitation, now=now)
        except Exception as error:
            log.error(
                "feedback.sms_reply_step_failed",
                inbound_id=sms.pk,
                step=step.__name__,
                error=type(error).__name__,
            )
            done = False
        if step is _prompt and done:
            return "prompted"
    return "screened"


def _screen(*, sms: InboundSms, invitation: Invitation, now: dt.datetime) -> bool:
    """Raise a safety task if the text is urgent; True if one was raised."""
    result = triage.screen(sms.content or "", invitation.language)
    if not result.urgent or invitation.crime_id is None or invitation.victim_id is None:
        return False
    categories = ", ".join(str(c).replace("_", " ") for c in result.categories) or "urgent"
    messaging_dispatch.task_raise(
        crime_id=invitation.crime_id,
        victim_id=invitation.victim_id,
        kind=TaskKind.FEEDBACK_SAFETY,
        reason=SAFETY_TASK_REASON.format(categories=categories, inbound_id=sms.pk),
    )
    log.warning("feedback.sms_reply_urgent", inbound_id=sms.pk, invitation_id=invitation.pk)
    return True


def _prompt(*, sms: InboundSms, invitation: Invitation, now: dt.datetime) -> bool:
    """Queue the one polite reply with a fresh link; False if it is not sent
    (already prompted, not safe, or the number is no longer the victim's)."""
    if invitation.reply_prompted_at is not None:
        return False
    victim = invitation.victim
    crime = invitation.crime
    if victim is None or crime is None:
        return False
    if reply_key_for(victim.phone) != invitation.reply_key:
        log.info("feedback.sms_prompt_skipped", inbound_id=sms.pk, why="number_changed")
        return False
    if not enqueue_verdict(victim=victim, channel=Channel.SMS, crime=crime).allowed:
        log.info("feedback.sms_prompt_skipped", inbound_id=sms.pk, why="not_safe")
        return False
    token = secrets.token_urlsafe(TOKEN_BYTES)
    claimed = Invitation.objects.filter(pk=invitation.pk, reply_prompted_at__isnull=True).update(
        reply_prompted_at=now, token_hash=services.token_hash(token)
    )
    if claimed != 1:
        return False  # another answer got the reply first
    context = wording.message_context(crime=crime, victim=victim)
    context["feedback_link"] = feedback_url(token)
    rendered = wording.message_render(
        template_code=REPLY_TEMPLATE,
        channel=Channel.SMS,
        language=invitation.language,
        context=context,
    )
    prepared = messaging_dispatch.Prepared(
        rendered=rendered,
        channel=Channel.SMS,
        recipient=recipient_for(victim=victim, channel=Channel.SMS),
    )
    messaging_dispatch._enqueue(
        prepared=prepared,
        crime=crime,
        victim=victim,
        idempotency_key=f"feedback-sms-reply:{invitation.pk}",
        duty=None,
        event=None,
    )
    log.info("feedback.sms_prompt_queued", inbound_id=sms.pk, invitation_id=invitation.pk)
    return True
