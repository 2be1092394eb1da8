"""Demo messages: what the last days' events told their victims, through the real path.

The crimes step writes rows in bulk and sends nothing. This step then takes the
journey events of the last `MESSAGE_DAYS` before the epoch that created duties
and runs them through `messaging.dispatch.messages_for_event`, exactly as
recording them would have: the safe-contact rules decide, templates are
rendered in the victim's language, unsafe ones become contact tasks. The
messages are queued on commit; the worker `victimcare serve` starts sends them
to the local outbox (delivered at once), which completes their duties and puts
them on each case's timeline and in the admin outbox.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from victimcare.accounts.models import User
from victimcare.cases.models import Crime, JourneyEvent
from victimcare.duties.models import Duty
from victimcare.messaging import dispatch
from victimcare.messaging.models import ContactTask, OutboundMessage

from ..pipeline import DemoContext, demo_step

MESSAGE_DAYS = 2
# At most this many events are messaged, so a million-crime demo stays quick.
MESSAGE_EVENTS_MAX = 2000


def demo_crimes_q() -> Q:
    demo_accounts = User.objects.filter(otp_exempt=True).values("pk")
    return Q(oic__in=demo_accounts) | Q(created_by__in=demo_accounts)


def messages_reset(ctx: DemoContext) -> int:
    """Delete the messages and contact tasks of the demo crimes (before the crimes go)."""
    crimes = Crime.objects.filter(demo_crimes_q()).values("pk")
    tasks, _ = ContactTask.objects.filter(crime__in=crimes).delete()
    messages, _ = OutboundMessage.objects.filter(crime__in=crimes).delete()
    return tasks + messages


@demo_step("messages", order=50, reset=messages_reset)
def messages_generate(ctx: DemoContext) -> int:
    """Queue the messages of the last days' events; return how many rows were written."""
    since = ctx.epoch - dt.timedelta(days=MESSAGE_DAYS)
    events = (
        JourneyEvent.objects.filter(
            occurred_at__gte=since, occurred_at__lte=ctx.epoch, duties__isnull=False
        )
        .distinct()
        .order_by("-occurred_at", "-pk")[:MESSAGE_EVENTS_MAX]
    )
    before = OutboundMessage.objects.count() + ContactTask.objects.count()
    for event in events:
        owed = Duty.objects.filter(event=event).select_related("rule")
        dispatch.messages_for_event(event=event, duties=list(owed))
    return OutboundMessage.objects.count() + ContactTask.objects.count() - before
