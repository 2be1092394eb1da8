"""Officers' reminder and escalation emails: a digest of their new duty notifications.

The duties sweeps write in-app notifications; this job sends each person one
email per run listing what is new (through the outbox like every other
message), then marks those notifications emailed in the same transaction. The
email names cases by their crime reference number and says what is owed; it
never names a victim (staff email can be read on a phone in a public place).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from victimcare.accounts.models import User
from victimcare.duties.calendar import LONDON
from victimcare.duties.constants import NotificationKind
from victimcare.duties.models import DutyNotification

from .constants import Channel, RecipientKind
from .services import message_enqueue

# Notifications older than this are not emailed: the worklist already shows them.
EMAIL_WINDOW = dt.timedelta(days=2)
DIGEST_LINES = 20
DIGEST_TEMPLATE = "staff_duty_digest"
SUBJECT = "Victims' Code duties: {reminders} due soon, {escalations} overdue"
INTRO = "These duties owed to victims need you:"
REMINDER_LINE = "- Case {crn}: due by {due}: {duty}"
ESCALATION_LINE = "- Case {crn}: overdue since {due} (owed by your team): {duty}"
MORE_LINE = "…and {count} more."
OUTRO = "See them all, overdue first, under 'Owed to victims': {url}"


def _when(value: dt.datetime) -> str:
    return value.astimezone(LONDON).strftime("%a %-d %b %H:%M")


def _digest(notifications: list[DutyNotification]) -> tuple[str, str]:
    reminders = [n for n in notifications if n.kind == NotificationKind.REMINDER]
    escalations = [n for n in notifications if n.kind == NotificationKind.ESCALATION]
    lines = [INTRO, ""]
    for n in (escalations + reminders)[:DIGEST_LINES]:
        template = ESCALATION_LINE if n.kind == NotificationKind.ESCALATION else REMINDER_LINE
        duty = n.duty
        text = duty.rule.duty if len(duty.rule.duty) <= 90 else duty.rule.duty[:89] + "…"
        lines.append(template.format(crn=duty.crime.crn, due=_when(duty.due_at), duty=text))
    if len(notifications) > DIGEST_LINES:
        lines.append(MORE_LINE.format(count=len(notifications) - DIGEST_LINES))
    lines += ["", OUTRO.format(url=settings.VICTIMCARE_BASE_URL.rstrip("/") + "/duties/")]
    subject = SUBJECT.format(reminders=len(reminders), escalations=len(escalations))
    return subject, "\n".join(lines)


def duty_notifications_email(*, now: dt.datetime | None = None) -> int:
    """Email each person a digest of their notifications not yet emailed; return emails queued.

    Idempotent: the digest's key is the person and the newest notification in
    it, and the notifications are marked emailed in the same transaction as
    the outbox row, so a rerun or a second worker queues nothing twice.
    """
    now = now or timezone.now()
    pending = (
        DutyNotification.objects.filter(
            emailed_at__isnull=True, read_at__isnull=True, created_at__gte=now - EMAIL_WINDOW
        )
        .select_related("duty", "duty__crime", "duty__rule")
        .order_by("recipient_id", "pk")
    )
    by_person: dict[int, list[DutyNotification]] = defaultdict(list)
    for notification in pending:
        by_person[notification.recipient_id].append(notification)
    people = {
        u.pk: u for u in User.objects.filter(pk__in=by_person, is_active=True).only("pk", "email")
    }
    queued = 0
    for person_id, notifications in by_person.items():
        person = people.get(person_id)
        ids = [n.pk for n in notifications]
        with transaction.atomic():
            if person is not None and person.email:
                subject, body = _digest(notifications)
                message_enqueue(
                    channel=Channel.EMAIL,
                    recipient_kind=RecipientKind.STAFF,
                    recipient=person.email,
                    subject=subject,
                    body=body,
                    template_code=DIGEST_TEMPLATE,
                    idempotency_key=f"duty-digest:{person_id}:{max(ids)}",
                )
                queued += 1
            DutyNotification.objects.filter(pk__in=ids, emailed_at__isnull=True).update(
                emailed_at=now
            )
    return queued
