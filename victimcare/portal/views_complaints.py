"""Complaints (VCOP Right 12): the public form and the professional standards queue.

Public (no account): /complain/ takes a complaint (a POST form that works
without JavaScript, rate-limited per client address), stores it and redirects
to /complain/received/, which shows the reference, the deadline and how to go
to the Independent Office for Police Conduct or the Ombudsman. The reference
travels in the session, never in the address. The confirmation is the same
whether or not the crime reference matched a crime, so the form cannot be
used to find out which crime references exist.

Staff: /complaints/ lists the open complaints of the handler's force, earliest
deadline (so overdue) first, with no personal data; /complaints/<id>/ shows
one complaint (an audited read of personal data) and records the response.
Anyone else signed in gets 404 (permission_required_or_404; permissions.py).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from victimcare.accounts.views import permission_required_or_404
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction
from victimcare.core.ratelimit import hit
from victimcare.feedback.i18n import PageText, page_context
from victimcare.feedback.limits import address_key, too_many
from victimcare.messaging.wording import languages

from . import selectors, services
from .constants import COMPLAINT_MAX_LENGTH, ComplaintAbout, ComplaintState
from .forms import ComplaintCloseForm, ComplaintForm
from .i18n import language_links, portal_language, portal_text
from .models import Complaint

SESSION_KEY = "portal_complaint"
# Complaints per client address: a person may need a second go, a shared
# address (a library, a refuge) a few more; a flood is refused with 429.
# Settings may override (PORTAL_COMPLAINT_RATE, PORTAL_COMPLAINT_RATE_SECONDS).
RATE_LIMIT = 10
RATE_WINDOW_SECONDS = 60 * 60
QUEUE_TITLE = "Complaints"
ITEM_TITLE = "Complaint"
CLOSED_MESSAGE = "The response has been recorded and the complaint closed"


def _text(request: HttpRequest) -> PageText:
    return portal_text(portal_language(request.GET.get("lang")))


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"
    return response


def _count_messages(text: PageText) -> dict[str, Any]:
    return {
        "textareaDescriptionText": text.plain("chars_description"),
        "charactersUnderLimitText": text.plural("chars_under"),
        "charactersAtLimitText": text.plain("chars_at_limit"),
        "charactersOverLimitText": text.plural("chars_over"),
    }


@never_cache
@require_http_methods(["GET", "POST"])
def complain(request: HttpRequest) -> HttpResponse:
    """Public: the complaint form in ?lang= (English, Polish, Arabic)."""
    text = _text(request)
    if request.method == "POST":
        decision = hit(
            f"portal:complain:address:{address_key(request)}",
            limit=getattr(settings, "PORTAL_COMPLAINT_RATE", RATE_LIMIT),
            window_seconds=getattr(settings, "PORTAL_COMPLAINT_RATE_SECONDS", RATE_WINDOW_SECONDS),
        )
        if not decision.allowed:
            return too_many(request, decision)
        form = ComplaintForm(request.POST, text=text)
        if form.is_valid():
            complaint = services.complaint_make(data=form.to_input(), request=request)
            request.session[SESSION_KEY] = {
                "reference": complaint.reference,
                "due": services.due_date_text(complaint.due_at),
                "acknowledged": complaint.ack_message_id is not None,
            }
            return redirect(f"{reverse('portal:complain-received')}?lang={text.language}")
    else:
        form = ComplaintForm(text=text)
    context = {
        **page_context(text),
        "language_links": language_links(text.language, {}),
        "title": text.plain("complain_title"),
        "lang": text.language,
        "form": form,
        "max_length": COMPLAINT_MAX_LENGTH,
        "count_messages": _count_messages(text),
        "action": f"{reverse('portal:complain')}?lang={text.language}",
    }
    status = 400 if form.is_bound and form.errors else 200
    return _private(render(request, "portal/complain.html", context, status=status))


@never_cache
@require_http_methods(["GET", "HEAD"])
def complain_received(request: HttpRequest) -> HttpResponse:
    """Public: the acknowledgement of the complaint just made (from the session)."""
    text = _text(request)
    made = request.session.get(SESSION_KEY)
    if not isinstance(made, dict) or "reference" not in made:
        return redirect(f"{reverse('portal:complain')}?lang={text.language}")
    context = {
        **page_context(text),
        "language_links": language_links(text.language, {}),
        "title": text.plain("received_title"),
        "lang": text.language,
        "reference": made["reference"],
        "due": made["due"],
        "acknowledged": made.get("acknowledged", False),
    }
    return _private(render(request, "portal/complain_received.html", context))


# --- Staff -------------------------------------------------------------------------


def _when(moment: Any) -> str:
    return services.due_date_text(moment) if moment else ""


def _row(complaint: Complaint, *, now: Any) -> dict[str, Any]:
    return {
        "reference": complaint.reference,
        "href": reverse("portal:complaint", kwargs={"complaint_id": complaint.pk}),
        "received": _when(complaint.created_at),
        "due": _when(complaint.due_at),
        "overdue": complaint.state == ComplaintState.OPEN and complaint.due_at < now,
        "about": ComplaintAbout(complaint.about).label if complaint.about else "Not said",
        "case_linked": complaint.crime_id is not None,
        "responded": _when(complaint.responded_at),
    }


@never_cache
@permission_required_or_404("portal.handle_complaint")
@require_http_methods(["GET"])
def complaints(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    open_rows = [_row(x, now=now) for x in selectors.complaints_open(user=request.user)]  # type: ignore[arg-type]
    closed_rows = [
        _row(x, now=now)
        for x in selectors.complaints_closed_recent(user=request.user)  # type: ignore[arg-type]
    ]
    context = {
        "title": QUEUE_TITLE,
        "open_rows": open_rows,
        "overdue_count": sum(1 for r in open_rows if r["overdue"]),
        "closed_rows": closed_rows,
    }
    return render(request, "portal/complaints.html", context)


@never_cache
@permission_required_or_404("portal.handle_complaint")
@require_http_methods(["GET", "POST"])
def complaint(request: HttpRequest, complaint_id: int) -> HttpResponse:
    item = selectors.complaint_for(user=request.user, complaint_id=complaint_id)  # type: ignore[arg-type]
    if item is None:
        raise Http404("No such complaint.")
    form = ComplaintCloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.complaint_close(
                actor=request.user,  # type: ignore[arg-type]
                complaint=item,
                response=form.cleaned_data["response"],
                request=request,
            )
        except PermissionDenied as exc:
            raise Http404("No such complaint.") from exc
        except ValidationError as exc:
            for error in exc.message_dict.get("response", []):
                form.add_error("response", error)
        else:
            messages.success(request, CLOSED_MESSAGE)
            return redirect("portal:complaints")
    # Reading a complaint is a read of personal data: audited every time.
    audit_record(
        action=AuditAction.VIEW,
        request=request,
        object_type="portal.complaint",
        object_id=item.pk,
        detail={"reference": item.reference},
    )
    now = timezone.now()
    language = languages().get(item.language, {})
    context = {
        "title": f"{ITEM_TITLE} {item.reference}",
        "complaint": item,
        "row": _row(item, now=now),
        "closed": item.state == ComplaintState.CLOSED,
        "language_name": language.get("name") or item.language,
        "form": form,
        "back_href": reverse("portal:complaints"),
        "case_href": (
            reverse("cases:case", kwargs={"crime_id": item.crime_id})
            if item.crime_id and request.user.has_perm("cases.view_crime", item.crime)
            else ""
        ),
    }
    return render(request, "portal/complaint.html", context, status=400 if form.errors else 200)
