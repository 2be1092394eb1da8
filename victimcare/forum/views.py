"""The forum's pages.

Public (no account): /forum/join/ (?from=feedback records where the person
came from; ?lang= the language) takes a sign-up, a POST form that works
without JavaScript and is rate-limited per client address, and redirects to
/forum/joined/; /forum/withdraw/<token>/ asks for a confirmation (a button,
POST) and erases the person's details. Both are never cached and send a
referrer only to this site, so the token in the address goes nowhere else.

Staff: /forum/volunteers/ is the coordinator's list, filtered by borough, kind
of crime and contact status, showing only what each volunteer agreed to share;
every list shown is audited (one VIEW entry per volunteer shown);
/forum/volunteers/<id>/ shows one volunteer (an audited read), sets the
contact status and records a withdrawal asked for by phone. Anyone else signed
in gets 404 (permission_required_or_404; permissions.py).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from victimcare.accounts.views import permission_required_or_404
from victimcare.core.audit import audit_record, audit_record_views
from victimcare.core.constants import AuditAction
from victimcare.core.ratelimit import hit
from victimcare.feedback.i18n import PageText, page_context
from victimcare.feedback.limits import address_key, too_many
from victimcare.portal.directory import borough_names

from . import selectors, services
from .constants import (
    COORDINATOR_STATUSES,
    STATUS_CHANGED,
    WITHDRAWAL_RECORDED,
    ContactStatus,
    ExperienceType,
    Source,
    WithdrawnVia,
)
from .forms import JoinForm, StatusForm, WithdrawForm
from .i18n import forum_language, forum_text, language_links

SESSION_KEY = "forum_joined"
# Sign-ups per client address: a second go, or a few people at one shared
# address (a library, a refuge); a flood is refused with 429. Settings may
# override (FORUM_JOIN_RATE, FORUM_JOIN_RATE_SECONDS).
JOIN_RATE_LIMIT = 10
JOIN_RATE_WINDOW_SECONDS = 60 * 60
# Withdrawal-link requests per client address, counted before the token is
# looked up, so the page cannot be used to try tokens.
WITHDRAW_RATE_LIMIT = 30
WITHDRAW_RATE_WINDOW_SECONDS = 60 * 60
PAGE_SIZE = 50
LIST_TITLE = "Victim Voice Forum volunteers"
MAX_FILTER_LENGTH = 40


def _text(request: HttpRequest) -> PageText:
    return forum_text(forum_language(request.GET.get("lang")))


def _source(request: HttpRequest) -> str:
    return Source.FEEDBACK if request.GET.get("from") == Source.FEEDBACK else Source.PORTAL


def _private(response: HttpResponse) -> HttpResponse:
    # same-origin, not no-referrer: with no-referrer the browser posts the
    # forms with "Origin: null", which the CSRF check rightly refuses. The
    # token in a withdrawal link still reaches no other site.
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"
    return response


def _limited(request: HttpRequest, name: str, limit: int, window: int) -> HttpResponse | None:
    decision = hit(
        f"forum:{name}:address:{address_key(request)}", limit=limit, window_seconds=window
    )
    return None if decision.allowed else too_many(request, decision)


@never_cache
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest) -> HttpResponse:
    """Public: the sign-up form in ?lang= (English, Polish, Arabic)."""
    text = _text(request)
    source = _source(request)
    query = {"from": Source.FEEDBACK} if source == Source.FEEDBACK else {}
    if request.method == "POST":
        refused = _limited(
            request,
            "join",
            getattr(settings, "FORUM_JOIN_RATE", JOIN_RATE_LIMIT),
            getattr(settings, "FORUM_JOIN_RATE_SECONDS", JOIN_RATE_WINDOW_SECONDS),
        )
        if refused is not None:
            return refused
        form = JoinForm(request.POST, text=text)
        if form.is_valid():
            result = services.volunteer_join(data=form.to_input(source=source), request=request)
            request.session[SESSION_KEY] = {"confirmation": result.confirmation_queued}
            return redirect(f"{reverse('forum:joined')}?lang={text.language}")
    else:
        form = JoinForm(text=text)
    context = {
        **page_context(text),
        "language_links": language_links(text.language, query),
        "title": text.plain("join_title"),
        "lang": text.language,
        "form": form,
        "action": f"{reverse('forum:join')}?{urlencode({**query, 'lang': text.language})}",
    }
    status = 400 if form.is_bound and form.errors else 200
    return _private(render(request, "forum/join.html", context, status=status))


@never_cache
@require_http_methods(["GET", "HEAD"])
def joined(request: HttpRequest) -> HttpResponse:
    """Public: the confirmation of the sign-up just made (from the session)."""
    text = _text(request)
    made = request.session.get(SESSION_KEY)
    if not isinstance(made, dict):
        return redirect(f"{reverse('forum:join')}?lang={text.language}")
    context = {
        **page_context(text),
        "language_links": language_links(text.language, {}),
        "title": text.plain("joined_title"),
        "lang": text.language,
        "confirmation": bool(made.get("confirmation")),
    }
    return _private(render(request, "forum/joined.html", context))


@never_cache
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, token: str) -> HttpResponse:
    """Public: leave the forum with the link from the confirmation message.

    GET asks; POST erases. A link that matches nobody gets the same plain 404
    page whatever was wrong with it; a used link says "you have left" again."""
    text = _text(request)
    refused = _limited(
        request,
        "withdraw",
        getattr(settings, "FORUM_WITHDRAW_RATE", WITHDRAW_RATE_LIMIT),
        getattr(settings, "FORUM_WITHDRAW_RATE_SECONDS", WITHDRAW_RATE_WINDOW_SECONDS),
    )
    if refused is not None:
        return refused
    context: dict[str, Any] = {
        **page_context(text),
        "language_links": language_links(text.language, {}),
        "lang": text.language,
    }
    volunteer = services.volunteer_for_token(token)
    if volunteer is None:
        context["title"] = text.plain("link_dead_title")
        return _private(render(request, "forum/link_dead.html", context, status=404))
    if request.method == "POST":
        services.volunteer_withdraw(
            volunteer_id=volunteer.pk, via=WithdrawnVia.SELF, request=request
        )
        volunteer.refresh_from_db()
    if volunteer.withdrawn:
        context["title"] = text.plain("withdrawn_title")
        context["join_href"] = f"{reverse('forum:join')}?lang={text.language}"
        return _private(render(request, "forum/withdrawn.html", context))
    context["title"] = text.plain("withdraw_title")
    context["action"] = f"{reverse('forum:withdraw', kwargs={'token': token})}?lang={text.language}"
    return _private(render(request, "forum/withdraw.html", context))


# --- The coordinator ------------------------------------------------------------


def _filters(request: HttpRequest) -> tuple[selectors.VolunteerFilters, list[str]]:
    """The filters from the query string and the names of values not recognised
    (ignored, with a message, never an error page)."""
    known = {
        "borough": set(borough_names()),
        "experience": set(ExperienceType.values),
        "status": {s.value for s in COORDINATOR_STATUSES},
    }
    chosen: dict[str, str | None] = {}
    ignored: list[str] = []
    for name, allowed in known.items():
        value = (request.GET.get(name) or "").strip()
        if value and len(value) <= MAX_FILTER_LENGTH and value in allowed:
            chosen[name] = value
        else:
            chosen[name] = None
            if value:
                ignored.append(name)
    return selectors.VolunteerFilters(**chosen), ignored


def _select(name: str, label: str, options: list[tuple[str, str]], value: str | None) -> dict:
    items = [{"value": "", "text": "Any", "selected": value is None}]
    items += [{"value": v, "text": t, "selected": v == value} for v, t in options]
    return {"id": name, "name": name, "label": {"text": label}, "items": items}


@never_cache
@permission_required_or_404("forum.coordinate")
@require_http_methods(["GET"])
def volunteers(request: HttpRequest) -> HttpResponse:
    filters, ignored = _filters(request)
    queryset = selectors.volunteer_list(user=request.user, filters=filters)  # type: ignore[arg-type]
    paginator = Paginator(queryset, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    rows = [selectors.volunteer_view(v) for v in page.object_list]
    # The list shows people's contact details: one audited read per person shown.
    audit_record_views(
        request=request,
        subject_type=services.OBJECT_TYPE,
        subject_ids=[r.id for r in rows],
        object_type="forum.volunteer_list",
        detail={
            "borough": filters.borough or "",
            "experience": filters.experience or "",
            "status": filters.status or "",
            "page": page.number,
        },
    )
    query = {
        k: v
        for k, v in (
            ("borough", filters.borough),
            ("experience", filters.experience),
            ("status", filters.status),
        )
        if v
    }
    context = {
        "title": LIST_TITLE,
        "rows": rows,
        "page": page,
        "prev_href": (
            "?" + urlencode({**query, "page": page.previous_page_number()})
            if page.has_previous()
            else ""
        ),
        "next_href": (
            "?" + urlencode({**query, "page": page.next_page_number()}) if page.has_next() else ""
        ),
        "filtered": bool(query),
        "ignored": ignored,
        "counts": selectors.volunteer_counts(user=request.user),  # type: ignore[arg-type]
        "status_labels": dict(ContactStatus.choices),
        "borough_select": _select(
            "borough", "Borough", list(borough_names().items()), filters.borough
        ),
        "experience_select": _select(
            "experience", "Experience of crime", list(ExperienceType.choices), filters.experience
        ),
        "status_select": _select(
            "status",
            "Contact status",
            [(s.value, s.label) for s in COORDINATOR_STATUSES],
            filters.status,
        ),
    }
    return render(request, "forum/volunteers.html", context)


@never_cache
@permission_required_or_404("forum.coordinate")
@require_http_methods(["GET", "POST"])
def volunteer(request: HttpRequest, volunteer_id: int) -> HttpResponse:
    item = selectors.access_volunteer(user=request.user, volunteer_id=volunteer_id)  # type: ignore[arg-type]
    status_form = StatusForm(initial={"status": item.status})
    withdraw_form = WithdrawForm()
    posted = None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "status":
                posted = status_form = StatusForm(request.POST)
                if status_form.is_valid():
                    services.volunteer_status_set(
                        actor=request.user,  # type: ignore[arg-type]
                        volunteer_id=item.pk,
                        status=status_form.cleaned_data["status"],
                        request=request,
                    )
                    messages.success(request, STATUS_CHANGED)
                    return redirect("forum:volunteer", volunteer_id=item.pk)
            elif action == "withdraw":
                posted = withdraw_form = WithdrawForm(request.POST)
                if withdraw_form.is_valid():
                    services.volunteer_withdraw(
                        volunteer_id=item.pk,
                        via=WithdrawnVia.COORDINATOR,
                        actor=request.user,  # type: ignore[arg-type]
                        request=request,
                    )
                    messages.success(request, WITHDRAWAL_RECORDED)
                    return redirect("forum:volunteers")
            else:
                raise Http404("No such action.")
        except PermissionDenied as exc:
            raise Http404("No such volunteer.") from exc
        except ValidationError as exc:
            if posted is not None:
                for error in exc.message_dict.get("status", exc.messages):
                    posted.add_error(None, error)
    # Reading a volunteer's details is a read of personal data: audited every time.
    audit_record(
        action=AuditAction.VIEW,
        request=request,
        object_type=services.OBJECT_TYPE,
        object_id=item.pk,
        subject_type=services.OBJECT_TYPE,
        subject_id=item.pk,
    )
    context = {
        "title": f"Volunteer {item.pk}",
        "row": selectors.volunteer_view(item),
        "form": posted,
        "status_form": status_form,
        "withdraw_form": withdraw_form,
        "back_href": reverse("forum:volunteers"),
    }
    status = 400 if posted is not None and posted.errors else 200
    return render(request, "forum/volunteer.html", context, status=status)
