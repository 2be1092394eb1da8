"""Webhook subscriptions: who may manage which (selectors) and the changes
people make to them (services): create, disable, enable, replay a delivery.

Every change is audited. Supervisors of a partner organisation manage their
own organisation's subscriptions; administrators of a police force see all.
The API acts for the token's organisation (`organisation=`)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import secrets
import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from victimcare.accounts.constants import POLICE_KINDS, OrganisationKind, Role
from victimcare.accounts.models import Organisation, User
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction

from .constants import DeliveryStatus
from .models import WebhookDelivery, WebhookSubscription
from .webhooks import EVENT_TYPES

# Organisations whose supervisors manage their own subscriptions.
SUBSCRIBER_KINDS = frozenset(
    {
        OrganisationKind.WITNESS_CARE_UNIT,
        OrganisationKind.CPS,
        OrganisationKind.COURT,
        OrganisationKind.PROBATION,
        OrganisationKind.SUPPORT_ORGANISATION,
    }
)
# Organisations a force administrator may subscribe on behalf of.
ADMIN_SUBSCRIBABLE_KINDS = SUBSCRIBER_KINDS | POLICE_KINDS | {OrganisationKind.VICTIM_FOCUS_DESK}
SECRET_BYTES = 32
OBJECT_TYPE = "integrations.webhooksubscription"
DELIVERY_OBJECT_TYPE = "integrations.webhookdelivery"
REPLAYABLE = frozenset({DeliveryStatus.DELIVERED, DeliveryStatus.FAILED})
DISABLED_BY_PERSON = "Disabled by a person in the organisation."

# User-visible texts (tests import them).
NAME_REQUIRED = "Enter a name for the system, like 'probation case system'"
NAME_TOO_LONG = "The name must be 100 characters or fewer"
URL_REQUIRED = "Enter the address the system receives webhooks at"
URL_INVALID = "Enter an address that starts with https://, like https://example.org/webhooks"
URL_TOO_LONG = "The address must be 500 characters or fewer"
EVENT_TYPES_REQUIRED = "Select at least one kind of event"
EVENT_TYPE_UNKNOWN = "Select kinds of event from the list"
ORGANISATION_NOT_ALLOWED = "Select an organisation from the list"
REPLAY_NOT_ALLOWED = "Only a delivered or failed delivery can be sent again"
REPLAY_INACTIVE = "Turn the webhook back on before sending a delivery again"
REPLAY_ERASED = (
    "This delivery's content has been deleted under the retention rules, so it cannot be sent again"
)


def _is_admin(user: User) -> bool:
    organisation = user.organisation
    return (
        user.role == Role.ADMINISTRATOR
        and organisation is not None
        and organisation.kind == OrganisationKind.POLICE_FORCE
    )


def subscription_list_for_user(*, user: User) -> QuerySet[WebhookSubscription]:
    """The subscriptions `user` may manage, newest first (see module docstring)."""
    base = WebhookSubscription.objects.select_related("organisation").order_by("-created_at", "-pk")
    if not user.has_perm("integrations.manage_webhooks"):
        return base.none()
    if _is_admin(user):
        return base
    return base.filter(organisation_id=user.organisation_id)


def subscription_list_for_organisation(
    *, organisation: Organisation
) -> QuerySet[WebhookSubscription]:
    return WebhookSubscription.objects.filter(organisation=organisation).order_by(
        "-created_at", "-pk"
    )


def access_subscription(
    *, user: User | None = None, organisation: Organisation | None = None, pk: int
) -> WebhookSubscription:
    """The subscription `pk` if `user` (or, for the API, `organisation`) may manage
    it; Http404 for missing and forbidden alike."""
    if user is not None:
        found = subscription_list_for_user(user=user).filter(pk=pk).first()
    elif organisation is not None:
        found = subscription_list_for_organisation(organisation=organisation).filter(pk=pk).first()
    else:
        found = None
    if found is None:
        raise Http404("No such webhook.")
    return found


def delivery_log(*, subscription: WebhookSubscription) -> QuerySet[WebhookDelivery]:
    """The subscription's deliveries, newest first."""
    return subscription.deliveries.order_by("-created_at", "-pk")


def organisations_for_user(*, user: User) -> QuerySet[Organisation]:
    """The organisations `user` may create a subscription for."""
    if _is_admin(user):
        return Organisation.objects.filter(active=True, kind__in=ADMIN_SUBSCRIBABLE_KINDS).order_by(
            "name"
        )
    return Organisation.objects.filter(pk=user.organisation_id)


def _loopback_allowed() -> bool:
    return bool(settings.DEBUG or getattr(settings, "WEBHOOKS_ALLOW_LOOPBACK", False))


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def url_errors(url: str) -> list[str]:
    """What is wrong with a subscription address (empty if nothing): https only;
    http only to loopback when DEBUG or WEBHOOKS_ALLOW_LOOPBACK."""
    if not url:
        return [URL_REQUIRED]
    if len(url) > WebhookSubscription._meta.get_field("url").max_length:  # type: ignore[operator]
        return [URL_TOO_LONG]
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018  (raises ValueError for a bad port)
    except ValueError:
        return [URL_INVALID]
    if not host or parts.username or parts.password or any(c.isspace() for c in url):
        return [URL_INVALID]
    if parts.scheme == "https":
        return []
    if parts.scheme == "http" and _is_loopback(host) and _loopback_allowed():
        return []
    return [URL_INVALID]


def _clean(*, name: str, url: str, event_types: list[str]) -> tuple[str, str, list[str]]:
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    url = (url or "").strip()
    if not name:
        errors["name"] = [NAME_REQUIRED]
    elif len(name) > 100:
        errors["name"] = [NAME_TOO_LONG]
    if problems := url_errors(url):
        errors["url"] = problems
    chosen = list(dict.fromkeys(event_types or []))
    if not chosen:
        errors["event_types"] = [EVENT_TYPES_REQUIRED]
    elif any(t not in EVENT_TYPES for t in chosen):
        errors["event_types"] = [EVENT_TYPE_UNKNOWN]
    if errors:
        raise ValidationError(errors)
    return name, url, [t for t in EVENT_TYPES if t in chosen]


@transaction.atomic
def subscription_create(
    *,
    actor: User,
    organisation: Organisation,
    name: str,
    url: str,
    event_types: list[str],
    request: HttpRequest | None = None,
) -> tuple[WebhookSubscription, str]:
    """Create a subscription; return it and its signing secret (shown once).

    Raises ValidationError naming the field for bad input (nothing saved)."""
    name, url, types = _clean(name=name, url=url, event_types=event_types)
    secret = "whsec_" + secrets.token_urlsafe(SECRET_BYTES)
    now = timezone.now()
    subscription = WebhookSubscription.objects.create(
        organisation=organisation,
        name=name,
        url=url,
        secret=secret,
        event_types=types,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    audit_record(
        action=AuditAction.CREATE,
        request=request,
        actor=actor,
        object_type=OBJECT_TYPE,
        object_id=subscription.pk,
        detail={"organisation_id": organisation.pk, "event_types": types},
    )
    return subscription, secret


def _cancel_pending(subscription: WebhookSubscription) -> int:
    return WebhookDelivery.objects.filter(
        subscription=subscription, status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING]
    ).update(status=DeliveryStatus.CANCELLED, lease_until=None)


@transaction.atomic
def subscription_disable(
    *,
    subscription: WebhookSubscription,
    reason: str,
    actor: User | None = None,
    request: HttpRequest | None = None,
    now: dt.datetime | None = None,
) -> bool:
    """Turn the subscription off and cancel its waiting deliveries. Returns False
    if it was already off (nothing changes)."""
    now = now or timezone.now()
    changed = WebhookSubscription.objects.filter(pk=subscription.pk, active=True).update(
        active=False, disabled_at=now, disabled_reason=reason[:200], updated_at=now
    )
    if not changed:
        return False
    cancelled = _cancel_pending(subscription)
    subscription.refresh_from_db()
    audit_record(
        action=AuditAction.CHANGE,
        request=request,
        actor=actor,
        object_type=OBJECT_TYPE,
        object_id=subscription.pk,
        detail={"active": False, "cancelled": cancelled, "automatic": actor is None},
    )
    return True


@transaction.atomic
def subscription_enable(
    *, subscription: WebhookSubscription, actor: User, request: HttpRequest | None = None
) -> bool:
    """Turn the subscription back on with its failure count reset. Deliveries
    cancelled while it was off stay cancelled (replay them if needed)."""
    now = timezone.now()
    changed = WebhookSubscription.objects.filter(pk=subscription.pk, active=False).update(
        active=True, disabled_at=None, disabled_reason="", consecutive_failures=0, updated_at=now
    )
    if not changed:
        return False
    subscription.refresh_from_db()
    audit_record(
        action=AuditAction.CHANGE,
        request=request,
        actor=actor,
        object_type=OBJECT_TYPE,
        object_id=subscription.pk,
        detail={"active": True},
    )
    return True


@transaction.atomic
def delivery_replay(
    *, delivery: WebhookDelivery, actor: User, request: HttpRequest | None = None
) -> WebhookDelivery:
    """Send a delivered or failed delivery's event again, as a NEW delivery
    (its own id, `replay_of` the original). Raises ValidationError otherwise."""
    subscription = WebhookSubscription.objects.select_for_update().get(pk=delivery.subscription_id)
    if delivery.status not in REPLAYABLE:
        raise ValidationError(REPLAY_NOT_ALLOWED, code="not_replayable")
    if not subscription.active:
        raise ValidationError(REPLAY_INACTIVE, code="inactive")
    if not delivery.payload:
        # core.retention erased it (webhook_payloads): sending `{"id": …}` alone
        # would tell the partner nothing and look like a real event.
        raise ValidationError(REPLAY_ERASED, code="erased")
    new_id = uuid.uuid4()
    payload = dict(delivery.payload)
    payload["id"] = str(new_id)
    replay = WebhookDelivery.objects.create(
        id=new_id,
        subscription=subscription,
        event_id=delivery.event_id,
        event_type=delivery.event_type,
        payload=payload,
        replay_of=delivery,
        requested_by=actor,
    )
    audit_record(
        action=AuditAction.CREATE,
        request=request,
        actor=actor,
        object_type=DELIVERY_OBJECT_TYPE,
        object_id=str(replay.pk),
        detail={"replay_of": str(delivery.pk), "subscription_id": subscription.pk},
    )
    return replay
