"""Demo desk, complaints and forum: something in every queue the desk and its partners open.

Through the real services where they fit the clock (escalations raise their
worklist tasks, complaints create their Right 12 duty on a matched crime,
forum sign-ups queue their confirmation as public messages), and in bulk
where the demo needs the past (call backs already done, some overdue, so the
workload page has times to call back to average). Small and fixed in number,
whatever `--crimes` says: these are queues a person reads.

Unlike the other steps these rows are anchored to the clock, not the epoch:
a call back must be bookable in the desk's next open hours when the demo is
opened, and the services stamp their rows with the time they run. The reset
removes them from the demo's crimes (every demo complaint names one), and every forum
volunteer (the forum has no link to an organisation; never run `demo` on a
real instance).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from victimcare.accounts.constants import Role
from victimcare.accounts.models import User
from victimcare.cases.models import Crime, CrimeVictim
from victimcare.desk.constants import (
    CALL_BACK_WINDOW,
    CallBackCancelReason,
    CallBackReason,
    CallBackSource,
    CallBackState,
    EscalateTo,
)
from victimcare.desk.models import CallBack, DeskCall, Escalation
from victimcare.forum.constants import ExperienceType, ShareItem
from victimcare.forum.models import Volunteer, VolunteerExperience
from victimcare.forum.services import VolunteerInput, volunteer_join
from victimcare.messaging.desk import desk_is_open
from victimcare.messaging.models import ContactTask, OutboundMessage
from victimcare.portal.directory import borough_names
from victimcare.portal.models import Complaint
from victimcare.portal.services import ComplaintInput, complaint_make

from ..pipeline import DemoContext, demo_step
from .messages import demo_crimes_q

LONDON = ZoneInfo("Europe/London")
CALL_BACKS_DONE = 24
CALL_BACKS_OPEN = 10
CALL_BACKS_OVERDUE = 3
CALL_BACKS_CANCELLED = 2
ESCALATIONS = 4
COMPLAINTS = 6
VOLUNTEERS = 12
ESCALATION_REASONS = (
    "They say the suspect has been seen in their street again and want to know if bail "
    "conditions still apply.",
    "Nobody has updated them for five weeks; they asked to speak to the officer.",
    "They want to add to their statement before the file goes to the CPS.",
    "They are worried about giving evidence and asked about special measures.",
)
COMPLAINTS_TEXT = (
    "I was promised an update within a week and heard nothing for a month.",
    "Nobody told me the suspect had been released.",
    "I asked for an interpreter and the officer came without one.",
    "I was never offered the chance to make a Victim Personal Statement.",
    "My call to 101 was not returned.",
    "I was not told about support services.",
)
FIRST_NAMES = ("Amina", "Tomasz", "Grace", "Oluwaseun", "Priya", "Daniel", "Fatima", "Liam")
LAST_NAMES = ("Example", "Sample", "Test", "Demo")


def _desk_agents() -> list[User]:
    return list(
        User.objects.filter(otp_exempt=True, role=Role.DESK_AGENT, is_active=True).order_by("email")
    )


def _links(ctx: DemoContext, count: int) -> list[CrimeVictim]:
    """`count` victims on open, unrestricted demo crimes, picked with the seed."""
    candidates = list(
        CrimeVictim.objects.filter(crime__restricted=False, crime__domestic_abuse=False)
        .filter(crime__status="open", is_primary_contact=True)
        .order_by("crime_id")
        .values_list("pk", flat=True)[:5000]
    )
    rng = ctx.random("desk:links")
    picked = rng.sample(candidates, min(count, len(candidates)))
    return list(CrimeVictim.objects.filter(pk__in=picked).select_related("crime").order_by("pk"))


def _open_slots(start: dt.datetime, count: int) -> list[dt.datetime]:
    """The next `count` half-hour times from `start` when the desk is open."""
    slots: list[dt.datetime] = []
    at = start.astimezone(LONDON).replace(minute=0, second=0, microsecond=0)
    while len(slots) < count:
        at += dt.timedelta(minutes=30)
        if at > start and desk_is_open(at):
            slots.append(at)
    return slots


def _call_back(link: CrimeVictim, at: dt.datetime, **fields: object) -> CallBack:
    """A call back to the person on `link` for `at`, due within the desk's window."""
    return CallBack(
        crime_id=link.crime_id,
        victim_id=link.victim_id,
        requested_for=at,
        due_at=at + CALL_BACK_WINDOW,
        **fields,
    )


def _call_backs(ctx: DemoContext, links: list[CrimeVictim], agents: list[User]) -> int:
    """Done over the last four weeks, due in the next open hours, overdue, cancelled."""
    rng = ctx.random("desk:call-backs")
    now = timezone.now()
    done = links[:CALL_BACKS_DONE]
    due = links[CALL_BACKS_DONE : CALL_BACKS_DONE + CALL_BACKS_OPEN]
    overdue = links[CALL_BACKS_DONE + CALL_BACKS_OPEN :][:CALL_BACKS_OVERDUE]
    cancelled = links[CALL_BACKS_DONE + CALL_BACKS_OPEN + CALL_BACKS_OVERDUE :][
        :CALL_BACKS_CANCELLED
    ]
    rows: list[CallBack] = []
    for link in done:
        asked = now - dt.timedelta(hours=rng.uniform(2, 27 * 24))
        agent = rng.choice(agents)
        rows.append(
            _call_back(
                link,
                asked,
                reason=rng.choice(CallBackReason.values),
                source=rng.choice(CallBackSource.values),
                requested_by=agent,
                assignee=agent,
                state=CallBackState.DONE,
                created_at=asked,
                done_at=asked + dt.timedelta(minutes=rng.uniform(10, 300)),
                done_by=agent,
                outcome="Spoke to them; they have what they needed.",
            )
        )
    for link, at in zip(due, _open_slots(now, len(due)), strict=False):
        portal = rng.random() < 0.4
        rows.append(
            _call_back(
                link,
                at,
                reason=rng.choice(CallBackReason.values),
                source=CallBackSource.PORTAL if portal else CallBackSource.DESK,
                requested_by=None if portal else rng.choice(agents),
                created_at=now - dt.timedelta(hours=rng.uniform(1, 20)),
            )
        )
    for link in overdue:
        at = now - dt.timedelta(hours=rng.uniform(2, 6))
        rows.append(
            _call_back(
                link,
                at,
                reason=CallBackReason.UPDATE,
                source=CallBackSource.PORTAL,
                created_at=at - dt.timedelta(hours=12),
            )
        )
    for link in cancelled:
        at = now - dt.timedelta(days=rng.uniform(1, 5))
        rows.append(
            _call_back(
                link,
                at,
                reason=CallBackReason.QUESTION,
                requested_by=rng.choice(agents),
                state=CallBackState.CANCELLED,
                cancel_reason=CallBackCancelReason.values[0],
                created_at=at - dt.timedelta(hours=2),
                done_at=at - dt.timedelta(hours=1),
                done_by=rng.choice(agents),
            )
        )
    return len(ctx.bulk_create(CallBack, rows, total=len(rows), desc="desk call backs"))


def _escalations(links: list[CrimeVictim], agents: list[User]) -> int:
    from victimcare.desk.services_escalations import escalation_raise

    made = 0
    for i, link in enumerate(links):
        escalation_raise(
            user=agents[i % len(agents)],
            link=link,
            to=EscalateTo.OIC if i % 3 else EscalateTo.SUPERVISOR,
            reason=ESCALATION_REASONS[i % len(ESCALATION_REASONS)],
        )
        made += 2  # the escalation and its task
    return made


def _complaints(ctx: DemoContext, links: list[CrimeVictim]) -> int:
    rng = ctx.random("desk:complaints")
    for i, text in enumerate(COMPLAINTS_TEXT[: min(COMPLAINTS, len(links))]):
        # Each names a demo crime, so the reset can tell them from real ones.
        complaint_make(
            data=ComplaintInput(
                details=text,
                crn=links[i].crime.crn,
                name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                reply_email=f"complainant{i + 1}@example.com",
                about="police",
            )
        )
    return min(COMPLAINTS, len(links))


def _volunteers(ctx: DemoContext) -> int:
    rng = ctx.random("desk:forum")
    boroughs = list(borough_names())
    for i in range(VOLUNTEERS):
        share = {ShareItem.EMAIL, ShareItem.EXPERIENCE}
        if rng.random() < 0.8:
            share.add(ShareItem.BOROUGH)
        if rng.random() < 0.7:
            share.add(ShareItem.NAME)
        volunteer_join(
            data=VolunteerInput(
                consent=True,
                email=f"volunteer{i + 1}@example.com",
                name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                borough=rng.choice(boroughs) if ShareItem.BOROUGH in share else "",
                experiences=tuple(rng.sample(ExperienceType.values, rng.randint(1, 2))),
                share=frozenset(share),
                contact_preference="email",
                source=rng.choice(("portal", "feedback")),
            )
        )
    return VOLUNTEERS


def desk_reset(ctx: DemoContext) -> int:
    """Delete the desk's rows on demo crimes, the complaints to demo forces and
    the forum volunteers (before the crimes go)."""
    deleted = 0
    crimes = Crime.objects.filter(demo_crimes_q()).values("pk")
    if not crimes.exists():
        return 0  # the step makes nothing without demo crimes (one query when empty)
    escalations = Escalation.objects.filter(crime__in=crimes)
    tasks = list(escalations.values_list("task_id", flat=True))
    deleted += escalations.delete()[0]
    deleted += ContactTask.objects.filter(pk__in=tasks).delete()[0]
    deleted += CallBack.objects.filter(crime__in=crimes).delete()[0]
    deleted += DeskCall.objects.filter(crime__in=crimes).delete()[0]
    complaints = Complaint.objects.filter(crime__in=crimes)
    acks = list(complaints.values_list("ack_message_id", flat=True))
    deleted += complaints.delete()[0]
    confirmations = list(Volunteer.objects.values_list("confirmation_message_id", flat=True))
    deleted += VolunteerExperience.objects.all().delete()[0]
    deleted += Volunteer.objects.all().delete()[0]
    messages = [pk for pk in acks + confirmations if pk is not None]
    deleted += OutboundMessage.objects.filter(pk__in=messages).delete()[0]
    return deleted


@demo_step("desk", order=70, reset=desk_reset)
def desk_generate(ctx: DemoContext) -> int:
    """Call backs (done, due, overdue, cancelled), escalations with their tasks,
    complaints in the professional standards queue and forum volunteers."""
    if not Crime.objects.exists():
        return 0
    agents = _desk_agents()
    if not agents:
        return 0
    wanted = CALL_BACKS_DONE + CALL_BACKS_OPEN + CALL_BACKS_OVERDUE + CALL_BACKS_CANCELLED
    links = _links(ctx, wanted + ESCALATIONS + COMPLAINTS)
    written = _call_backs(ctx, links[:wanted], agents)
    with transaction.atomic():
        written += _escalations(links[wanted : wanted + ESCALATIONS], agents)
        written += _complaints(ctx, links[wanted + ESCALATIONS :])
        written += _volunteers(ctx)
    return written
