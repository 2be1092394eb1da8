"""Pages for webhook subscriptions (`integrations.manage_webhooks`, else 404).

List, create (the signing secret is shown once, on the page that answers the
POST, and never again), the delivery log, replay, disable and enable. Each
page reads through `webhooks_services` selectors (404 for another
organisation's subscription) and each change is one audited service call."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from victimcare.accounts.views import permission_required_or_404
from victimcare.duties.calendar import LONDON

from . import webhooks_services as services
from .forms_webhooks import SubscriptionForm
from .webhooks import EVENT_TYPES

PERMISSION = "integrations.manage_webhooks"


def _when(value: dt.datetime | None) -> str:
    return value.astimezone(LONDON).strftime("%-d %b %Y %H:%M") if value else ""


LOG_LENGTH = 100
DISABLED_MESSAGE = "Webhook turned off. Nothing more will be sent until you turn it back on."
ENABLED_MESSAGE = "Webhook turned back on"
REPLAYED_MESSAGE = "The delivery will be sent again within a minute"


@never_cache
@permission_required_or_404(PERMISSION)
def webhook_list(request: HttpRequest) -> HttpResponse:
    subscriptions = list(services.subscription_list_for_user(user=request.user))
    return render(
        request,
        "integrations/webhooks_list.html",
        {"title": "Webhooks", "subscriptions": subscriptions},
    )


@never_cache
@permission_required_or_404(PERMISSION)
@require_http_methods(["GET", "POST"])
def webhook_new(request: HttpRequest) -> HttpResponse:
    allowed = list(services.organisations_for_user(user=request.user))
    choose = len(allowed) > 1 or (allowed and allowed[0].pk != request.user.organisation_id)
    form = SubscriptionForm(
        request.POST if request.method == "POST" else None,
        organisations=[(o.pk, o.name) for o in allowed] if choose else None,
    )
    if request.method == "POST" and form.is_valid():
        by_id = {o.pk: o for o in allowed}
        organisation = by_id.get(
            form.cleaned_data.get("organisation") or request.user.organisation_id
        )
        if organisation is None:
            raise Http404("No such page.")
        try:
            subscription, secret = services.subscription_create(
                actor=request.user,
                organisation=organisation,
                name=form.cleaned_data["name"],
                url=form.cleaned_data["url"],
                event_types=form.cleaned_data["event_types"],
                request=request,
            )
        except ValidationError as error:
            for field, texts in error.message_dict.items():
                for text in texts:
                    form.add_error(field if field in form.fields else None, text)
        else:
            return render(
                request,
                "integrations/webhooks_created.html",
                {"title": "Webhook added", "subscription": subscription, "secret": secret},
            )
    return render(
        request,
        "integrations/webhooks_new.html",
        {"title": "Add a webhook", "form": form},
        status=400 if form.errors else 200,
    )


@never_cache
@permission_required_or_404(PERMISSION)
def webhook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = services.access_subscription(user=request.user, pk=pk)
    deliveries = list(services.delivery_log(subscription=subscription)[:LOG_LENGTH])
    return render(
        request,
        "integrations/webhooks_detail.html",
        {
            "title": subscription.name,
            "subscription": subscription,
            "deliveries": deliveries,
            "event_types": [EVENT_TYPES.get(t, t) for t in subscription.event_types],
            "replayable": services.REPLAYABLE,
            "event_type_names": EVENT_TYPES,
            "when": _when,
        },
    )


@never_cache
@permission_required_or_404(PERMISSION)
@require_POST
def webhook_disable(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = services.access_subscription(user=request.user, pk=pk)
    if services.subscription_disable(
        subscription=subscription,
        reason=services.DISABLED_BY_PERSON,
        actor=request.user,
        request=request,
    ):
        messages.success(request, DISABLED_MESSAGE)
    return redirect("integrations:webhook-detail", pk=subscription.pk)


@never_cache
@permission_required_or_404(PERMISSION)
@require_POST
def webhook_enable(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = services.access_subscription(user=request.user, pk=pk)
    if services.subscription_enable(subscription=subscription, actor=request.user, request=request):
        messages.success(request, ENABLED_MESSAGE)
    return redirect("integrations:webhook-detail", pk=subscription.pk)


@never_cache
@permission_required_or_404(PERMISSION)
@require_POST
def webhook_replay(request: HttpRequest, pk: int, delivery_id: object) -> HttpResponse:
    subscription = services.access_subscription(user=request.user, pk=pk)
    delivery = services.delivery_log(subscription=subscription).filter(pk=delivery_id).first()
    if delivery is None:
        raise Http404("No such delivery.")
    try:
        services.delivery_replay(delivery=delivery, actor=request.user, request=request)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, REPLAYED_MESSAGE)
    return redirect("integrations:webhook-detail", pk=subscription.pk)
