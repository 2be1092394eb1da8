"""Which partner systems hear about a journey event, and what they are told.

`deliveries_for_event` runs inside the event's own transaction (called by
`hooks.event_recorded`): one `WebhookDelivery` per active subscription whose
organisation may see the crime and whose event types match. The row is the
outbox: a worker (`webhooks_send`) sends it later, so a delivery is never lost
and never made for an event that was rolled back.

Who may see the crime is decided by the case policy itself
(`cases.permissions.viewer_may_view`), asked about the organisation as the
system's service account would be: a partner organisation as a caseworker of
it (so through a `CaseShare`), a police force, BCU or team as an officer of it
(the role its API token holds: never a restricted case unless shared with it).
Oversight bodies see no case and get nothing.
"""

from __future__ import annotations

import uuid
from typing import Any

import structlog
from django.db import transaction

from victimcare.accounts.constants import OrganisationKind
from victimcare.accounts.models import Organisation
from victimcare.api.constants import DEFAULT_ROLE_BY_KIND
from victimcare.cases.constants import EventCode
from victimcare.cases.models import Crime, JourneyEvent
from victimcare.cases.permissions import (
    CASEWORK_ROLES,
    Viewer,
    organisation_chain,
    viewer_may_view,
)

from .constants import DeliveryStatus
from .models import WebhookDelivery, WebhookSubscription

log = structlog.get_logger(__name__)

# VCOP Right 11: a specified violent or sexual offence sentenced to 12 months or
# more in custody (or a hospital order) qualifies for the Victim Contact Scheme;
# the rule set decides it, and this is the rule whose duty says so.
VCS_RULE_CODE = "sentenced-vcs-referral"
VCS_QUALIFYING_SENTENCE = "vcs_qualifying_sentence"
EVENT_TYPES: dict[str, str] = {
    **{code: label for code, label in EventCode.choices},
    VCS_QUALIFYING_SENTENCE: "Sentence qualifies for the Victim Contact Scheme",
}


def organisation_viewer(organisation: Organisation) -> Viewer | None:
    """The organisation as the case policy sees its systems (module docstring),
    or None if such a system would see no case at all."""
    if not organisation.active:
        return None
    # The role the organisation's API token holds (least privilege: a police
    # system is an officer of its organisation, never a supervisor, so it
    # hears nothing of restricted cases that were not shared with it).
    role = DEFAULT_ROLE_BY_KIND.get(organisation.kind, "")
    if role not in CASEWORK_ROLES:
        return None
    chain = organisation_chain(organisation)

    def nearest(kind: str) -> int | None:
        return next((o.pk for o in chain if o.kind == kind), None)

    return Viewer(
        user_id=0,  # a system is never the officer in the case
        role=role,
        organisation_id=organisation.pk,
        organisation_kind=organisation.kind,
        chain_ids=tuple(o.pk for o in chain),
        bcu_id=nearest(OrganisationKind.BCU),
        force_id=nearest(OrganisationKind.POLICE_FORCE),
    )


def organisation_may_view(*, organisation: Organisation, crime: Crime) -> bool:
    """Whether `organisation`'s systems may hear about `crime` (the UI's rule)."""
    return viewer_may_view(organisation_viewer(organisation), crime)


def vcs_qualifying(*, event: JourneyEvent) -> bool:
    """Whether `event` is a sentence that created the Victim Contact Scheme referral duty."""
    if event.code != EventCode.SENTENCED:
        return False
    from victimcare.duties.models import Duty

    return Duty.objects.filter(event=event, rule__code=VCS_RULE_CODE).exists()


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def payload_build(
    *, delivery_id: uuid.UUID, event: JourneyEvent, event_type: str, vcs_eligible: bool | None
) -> dict[str, Any]:
    """What a subscriber is sent (docs/webhooks.md): ids, codes, times and the
    event's structured details; never a name, contact detail or free text
    (`summary` is left out)."""
    crime = event.crime
    return {
        "id": str(delivery_id),
        "type": event_type,
        "occurred_at": _iso(event.occurred_at),
        "received_at": _iso(event.received_at),
        "crime": {"crn": crime.crn, "force": crime.force.code if crime.force_id else None},
        "event": {"id": event.pk, "code": event.code, "details": dict(event.details or {})},
        "vcs_eligible": vcs_eligible,
    }


def _matching_type(subscription: WebhookSubscription, event: JourneyEvent, vcs: bool) -> str:
    chosen = set(subscription.event_types or [])
    if vcs and VCS_QUALIFYING_SENTENCE in chosen:
        return VCS_QUALIFYING_SENTENCE
    return event.code if event.code in chosen else ""


def _deliveries_write(event: JourneyEvent) -> int:
    subscriptions = list(
        WebhookSubscription.objects.filter(active=True)
        .exclude(organisation_id=event.recording_organisation_id)
        .select_related("organisation")
        .order_by("pk")
    )
    if not subscriptions:
        return 0
    vcs = vcs_qualifying(event=event)
    access: dict[int, bool] = {}
    written = 0
    for subscription in subscriptions:
        event_type = _matching_type(subscription, event, vcs)
        if not event_type:
            continue
        org_id = subscription.organisation_id
        if org_id not in access:
            access[org_id] = organisation_may_view(
                organisation=subscription.organisation, crime=event.crime
            )
        if not access[org_id]:
            continue
        delivery_id = uuid.uuid4()
        WebhookDelivery.objects.create(
            id=delivery_id,
            subscription=subscription,
            event=event,
            event_type=event_type,
            payload=payload_build(
                delivery_id=delivery_id,
                event=event,
                event_type=event_type,
                vcs_eligible=vcs if event.code == EventCode.SENTENCED else None,
            ),
            status=DeliveryStatus.PENDING,
            next_attempt_at=event.recorded_at,
        )
        written += 1
    return written


def deliveries_for_event(*, event: JourneyEvent) -> int:
    """Write the deliveries `event` owes its subscribers. Returns how many.

    Called inside the event's transaction. Never raises and never rolls the
    event back: the work runs in a savepoint, and an error is logged by its
    type and ids only (the event still stands; nothing is half-written)."""
    try:
        with transaction.atomic():
            return _deliveries_write(event)
    except Exception as error:
        log.error(
            "webhooks.fan_out_failed",
            event_id=event.pk,
            crime_id=event.crime_id,
            error=type(error).__name__,
        )
        return 0
