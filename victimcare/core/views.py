"""The audit log search page, for administrators only."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from victimcare.accounts.constants import Role
from victimcare.accounts.models import Organisation

from .audit import audit_record, audit_search
from .constants import AuditAction
from .forms import AuditSearchForm
from .models import AuditEvent

PAGE_SIZE = 50
SESSION_KEY = "core.audit_searches"
KEPT_SEARCHES = 20


def _remember(request: HttpRequest, form: AuditSearchForm) -> str:
    # Search terms include a staff email, which is personal data and must never
    # appear in a URL (it would reach access logs, browser history and Referer
    # headers). The form is therefore POSTed, kept in the server-side session
    # under a random token, and the browser is redirected to GET ?search=<token>.
    # Results are then an ordinary GET page: GOV.UK pagination links, Back and
    # refresh all work, and refreshing never re-submits a form.
    searches: dict[str, dict[str, str]] = dict(request.session.get(SESSION_KEY, {}))
    token = secrets.token_urlsafe(16)
    searches[token] = form.raw_data()
    request.session[SESSION_KEY] = dict(list(searches.items())[-KEPT_SEARCHES:])
    return token


def _pagination(page: Page[AuditEvent], token: str) -> dict[str, Any] | None:
    if page.paginator.num_pages <= 1:
        return None
    base = reverse("core:audit-search")

    def href(number: int) -> str:
        return f"{base}?{urlencode({'search': token, 'page': number})}"

    items: list[dict[str, Any]] = []
    for number in page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1):
        if number == Paginator.ELLIPSIS:
            items.append({"ellipsis": True})
        else:
            items.append(
                {"number": number, "href": href(int(number)), "current": number == page.number}
            )
    params: dict[str, Any] = {"items": items, "landmarkLabel": "Audit log results pages"}
    if page.has_previous():
        params["previous"] = {"href": href(page.previous_page_number())}
    if page.has_next():
        params["next"] = {"href": href(page.next_page_number())}
    return params


def _who(event: AuditEvent, person: tuple[str, str] | None, organisation: str) -> str:
    """HTML (escaped) for the "Who" cell: name and email, then role and organisation."""
    if person is not None:
        who = format_html('{}<br><span class="govuk-body-s">{}</span>', *person)
    elif event.actor_id is not None:
        who = format_html("Staff member {}", event.actor_id)
    else:
        who = "System"
    role = str(dict(Role.choices).get(event.actor_role, event.actor_role))
    context = ", ".join(part for part in (role, organisation) if part)
    if context:
        who = format_html('{}<br><span class="govuk-body-s">{}</span>', who, context)
    return str(who)


def _rows(events: list[AuditEvent]) -> list[dict[str, Any]]:
    people = {
        pk: (name, email)
        for pk, name, email in get_user_model()
        .objects.filter(pk__in={e.actor_id for e in events if e.actor_id})
        .values_list("pk", "full_name", "email")
    }
    organisations = dict(
        Organisation.objects.filter(
            pk__in={e.actor_organisation_id for e in events if e.actor_organisation_id}
        ).values_list("pk", "name")
    )
    return [
        {
            "seq": e.seq,
            "when": timezone.localtime(e.occurred_at),
            "who_html": _who(
                e,
                people.get(e.actor_id) if e.actor_id else None,
                organisations.get(e.actor_organisation_id, "") if e.actor_organisation_id else "",
            ),
            "action": e.get_action_display(),
            "object": f"{e.object_type} {e.object_id}".strip(),
            "subject": f"{e.subject_type} {e.subject_id}".strip(),
            "purpose": e.purpose,
            "client_ip": e.client_ip or "",
        }
        for e in events
    ]


def _page(request: HttpRequest, form: AuditSearchForm, **extra: Any) -> HttpResponse:
    return render(
        request,
        "core/audit_search.html",
        {"title": "Search the audit log", "form": form, **extra},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def audit_search_view(request: HttpRequest) -> HttpResponse:
    """GET: the search form, or with ?search=<token> one page of results. POST:
    check the criteria, then redirect to the results (or show the errors).

    Anyone without "core.search_audit" gets the ordinary 404, so the page's
    existence is not revealed; a signed-in person's attempt is audited.
    """
    if not request.user.has_perm("core.search_audit"):
        if request.user.is_authenticated:
            audit_record(
                action=AuditAction.ACCESS_DENIED, request=request, object_type="core.auditevent"
            )
        raise Http404

    if request.method == "POST":
        form = AuditSearchForm(data=request.POST)
        if not form.is_valid():
            return _page(request, form)
        token = _remember(request, form)
        return redirect(f"{reverse('core:audit-search')}?{urlencode({'search': token})}")

    token = request.GET.get("search", "")
    stored = request.session.get(SESSION_KEY, {}).get(token) if token else None
    if stored is None:
        return _page(request, AuditSearchForm())
    form = AuditSearchForm(data=stored)
    if not form.is_valid():
        return _page(request, form)

    criteria = form.criteria()
    paginator = Paginator(audit_search(user=request.user, **criteria), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    events = list(page.object_list)
    # Consulting the log is itself recorded; detail holds ids and dates only.
    audit_record(
        action=AuditAction.SEARCH,
        request=request,
        object_type="core.auditevent",
        subject_type=criteria["subject_type"] or "",
        subject_id=criteria["subject_id"] or "",
        detail={
            "criteria": {
                k: (v.isoformat() if hasattr(v, "isoformat") else v)
                for k, v in criteria.items()
                if v not in (None, "")
            },
            "page": page.number,
            "results": paginator.count,
        },
    )
    return _page(
        request,
        form,
        searched=True,
        page=page,
        rows=_rows(events),
        pagination=_pagination(page, token),
    )
