"""Partner feed pages: the list with each feed's health, a feed's outages, and
creating or changing a feed. `integrations.view_feeds` to look,
`integrations.manage_feeds` to change; anything else is a 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from victimcare.accounts.views import permission_required_or_404
from victimcare.cases.constants import EventCode

from .feeds import feed_is_silent, feed_status, rhythm_text, when_text
from .feeds_admin import (
    FeedInput,
    access_feed,
    feed_create,
    feed_outages,
    feed_update,
    feeds_for_user,
)
from .forms_feeds import FeedForm
from .models import Feed
from .permissions_feeds import MANAGE_FEEDS, VIEW_FEEDS

LIST_TITLE = "Partner feeds"
NEW_TITLE = "Add a partner feed"
EDIT_TITLE = "Change a partner feed"
FEED_ADDED = "Feed added"
FEED_CHANGED = "Feed changed"
ANY_EVENT = "Any event the organisation records"


def _codes_text(feed: Feed) -> str:
    if not feed.event_codes:
        return ANY_EVENT
    labels = dict(EventCode.choices)
    return ", ".join(str(labels.get(code, code)) for code in feed.event_codes)


def _row(feed: Feed, now: Any) -> dict[str, Any]:
    return {
        "feed": feed,
        "status": feed_status(feed, now=now),
        "silent": feed.active and feed_is_silent(feed, now=now),
        "rhythm": rhythm_text(feed),
        "last_heard": when_text(feed.last_received_at),
        "codes": _codes_text(feed),
    }


@never_cache
@permission_required_or_404(VIEW_FEEDS)
@require_GET
def feed_list(request: HttpRequest) -> HttpResponse:
    """Every feed the person may see, with its health in words."""
    now = timezone.now()
    rows = [_row(feed, now) for feed in feeds_for_user(user=request.user)]
    return render(
        request,
        "integrations/feeds_list.html",
        {"title": LIST_TITLE, "rows": rows, "can_manage": request.user.has_perm(MANAGE_FEEDS)},
    )


@never_cache
@permission_required_or_404(VIEW_FEEDS)
@require_GET
def feed_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One feed: its health, its outages and how many cases each flagged."""
    feed = access_feed(user=request.user, feed_id=pk)
    return render(
        request,
        "integrations/feeds_detail.html",
        {
            "title": feed.name,
            "row": _row(feed, timezone.now()),
            "outages": feed_outages(feed=feed),
            "when": when_text,
            "can_manage": request.user.has_perm(MANAGE_FEEDS),
        },
    )


def _save(request: HttpRequest, form: FeedForm, feed: Feed | None) -> tuple[Feed | None, FeedForm]:
    if not form.is_valid():
        return None, form
    data: FeedInput = form.feed_input()
    try:
        if feed is None:
            return feed_create(actor=request.user, data=data, request=request), form
        return feed_update(actor=request.user, feed=feed, data=data, request=request), form
    except ValidationError as error:
        for key, texts in error.message_dict.items():
            for text in texts:
                form.add_error(key if key in form.fields else None, text)
        return None, form


def _form_page(request: HttpRequest, form: FeedForm, title: str, action: str) -> HttpResponse:
    return render(
        request,
        "integrations/feeds_form.html",
        {"title": title, "form": form, "action": action},
        status=400 if form.errors else 200,
    )


@never_cache
@permission_required_or_404(MANAGE_FEEDS)
@require_http_methods(["GET", "POST"])
def feed_new(request: HttpRequest) -> HttpResponse:
    """Add a feed for a partner organisation."""
    form = FeedForm(data=request.POST) if request.method == "POST" else FeedForm()
    if request.method == "POST":
        saved, form = _save(request, form, None)
        if saved is not None:
            messages.success(request, FEED_ADDED)
            return redirect("integrations:feed-detail", pk=saved.pk)
    return _form_page(request, form, NEW_TITLE, reverse("integrations:feed-new"))


@never_cache
@permission_required_or_404(MANAGE_FEEDS)
@require_http_methods(["GET", "POST"])
def feed_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a feed's organisation, name, events, rhythm or tolerance."""
    feed = access_feed(user=request.user, feed_id=pk)
    if request.method == "POST":
        form = FeedForm(data=request.POST)
        saved, form = _save(request, form, feed)
        if saved is not None:
            messages.success(request, FEED_CHANGED)
            return redirect("integrations:feed-detail", pk=saved.pk)
    else:
        form = FeedForm(
            initial={
                "organisation": str(feed.organisation_id),
                "name": feed.name,
                "event_codes": list(feed.event_codes),
                "rhythm": feed.rhythm,
                "tolerance": str(feed.tolerance),
            }
        )
    action = reverse("integrations:feed-edit", args=[feed.pk])
    return _form_page(request, form, EDIT_TITLE, action)
