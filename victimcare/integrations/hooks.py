"""What partner integration does when a journey event is recorded: called by
`cases.services` inside the event's own transaction, so a webhook delivery
is never lost and never made for an event that was rolled back."""

from __future__ import annotations

from victimcare.cases.models import JourneyEvent


def event_recorded(*, event: JourneyEvent) -> None:
    from .feeds import feed_heard
    from .webhooks import deliveries_for_event

    deliveries_for_event(event=event)
    feed_heard(event=event)
