"""Desk call-back pages: book one (a closed time is refused, and the next open
times are offered as choices that book directly), the queue, take one, mark one
done, cancel one. Every page needs `desk.use_console`; booking also needs the
identity check (as the case view)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from victimcare.accounts.views import permission_required_or_404
from victimcare.duties.views import when
from victimcare.messaging.desk import LONDON, desk_hours_text

from . import messages as msg
from . import selectors_follow_ups, services
from .constants import CallBackState
from .forms import CallBackDoneForm, CallBackForm
from .forms_follow_ups import CallBackCancelForm, OfferedSlotForm, aware
from .permissions import USE_CONSOLE
from .views import add_service_errors, call_of, identified

CALL_BACK_TITLE = "Book a call back"
QUEUE_TITLE = "Call backs"
DONE_TITLE = "Mark the call back done"
CANCEL_TITLE = "Cancel the call back"
# The submit button of the offered times' form (the date-and-time form has none).
OFFERED = "offered"


def _closed(error: ValidationError) -> bool:
    """Whether booking was refused only because the desk is closed then."""
    texts = getattr(error, "message_dict", {})
    return set(texts) == {"requested_for"} and any(
        t.startswith(msg.DESK_CLOSED.split("{")[0]) for t in texts["requested_for"]
    )


@never_cache
@permission_required_or_404(USE_CONSOLE)
@require_http_methods(["GET", "POST"])
def call_back_book(request: HttpRequest, victim_id: int, crime_id: int) -> HttpResponse:
    """Book a call back within the desk's opening hours. A closed time is refused
    with the next open times, which are also offered as choices: choosing one
    books it (with the reason already given)."""
    link = identified(request, victim_id, crime_id)
    if isinstance(link, HttpResponse):
        return link
    call = call_of(request, link)
    posted = request.method == "POST"
    offered_post = posted and OFFERED in request.POST
    form = CallBackForm(data=request.POST if posted and not offered_post else None)
    slot_form: OfferedSlotForm | None = None
    at: dt.datetime | None = None
    reason = ""
    if offered_post:
        asked = aware(request.POST.get("offered-after", ""))
        slot_form = OfferedSlotForm(
            data=request.POST, slots=services.offered_slots(asked or timezone.now())
        )
        if slot_form.is_valid():
            at = slot_form.chosen
            reason = slot_form.cleaned_data["reason"]
    elif posted and form.is_valid():
        at = dt.datetime.combine(
            form.cleaned_data["date"], form.cleaned_data["time"], tzinfo=LONDON
        )
        reason = form.cleaned_data["reason"]
    if at is not None:
        try:
            services.call_back_book(
                user=request.user,
                link=link,
                requested_for=at,
                reason=reason,
                call=call,
                request=request,
            )
        except ValidationError as error:
            if slot_form is not None:
                add_service_errors(slot_form, error, {"requested_for": "slot"})
            else:
                add_service_errors(form, error, {"requested_for": "time"})
                if _closed(error):
                    slot_form = OfferedSlotForm(
                        initial={"reason": reason, "after": at.isoformat()},
                        slots=services.offered_slots(at),
                    )
        else:
            messages.success(request, f"Call back booked for {services.slot_text(at)}")
            return redirect("desk:case", victim_id=victim_id, crime_id=crime_id)
    return render(
        request,
        "desk/call_back.html",
        {
            "title": CALL_BACK_TITLE,
            # The error summary is of the form that was sent.
            "form": slot_form if offered_post else form,
            "date_form": form,
            "slot_form": slot_form,
            "link": link,
            "call": call,
            "desk_hours": desk_hours_text(),
        },
    )


@never_cache
@permission_required_or_404(USE_CONSOLE)
@require_http_methods(["GET"])
def call_backs(request: HttpRequest) -> HttpResponse:
    """The desk's call-back queue: soonest due first, overdue marked. No personal
    data on the page (CRN, a label and the fixed reason), so no VIEW entry."""
    from victimcare.duties.views import victim_labels

    queue = selectors_follow_ups.call_back_queue(user=request.user)
    labels = victim_labels({c.crime_id for c in queue})
    now = timezone.now()
    rows = [
        {
            "call_back": c,
            "label": labels.get((c.crime_id, c.victim_id), "Victim"),
            "due": when(c.due_at),
            "due_iso": c.due_at.isoformat(),
            "requested": services.slot_text(c.requested_for),
            "overdue": c.due_at < now,
            "mine": c.assignee_id == request.user.pk,
            "check_href": reverse("desk:identity-check", args=[c.victim_id, c.crime_id]),
        }
        for c in queue
    ]
    return render(
        request,
        "desk/call_backs.html",
        {"title": QUEUE_TITLE, "rows": rows, "overdue": sum(r["overdue"] for r in rows)},
    )


@never_cache
@permission_required_or_404(USE_CONSOLE)
@require_http_methods(["POST"])
def call_back_assign(request: HttpRequest, call_back_id: int) -> HttpResponse:
    call_back = selectors_follow_ups.access_call_back(user=request.user, call_back_id=call_back_id)
    if services.call_back_assign(user=request.user, call_back=call_back):
        messages.success(request, "The call back is assigned to you")
    else:
        messages.error(request, msg.CALL_BACK_CLOSED)
    return redirect("desk:call-backs")


@never_cache
@permission_required_or_404(USE_CONSOLE)
@require_http_methods(["GET", "POST"])
def call_back_done(request: HttpRequest, call_back_id: int) -> HttpResponse:
    """Mark a call back done with what happened; not twice."""
    call_back = selectors_follow_ups.access_call_back(user=request.user, call_back_id=call_back_id)
    form = CallBackDoneForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.call_back_done(
                user=request.user,
                call_back=call_back,
                outcome=form.cleaned_data["outcome"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error, {})
        else:
            messages.success(request, "Call back marked done")
            return redirect("desk:call-backs")
    return render(
        request,
        "desk/call_back_done.html",
        {"title": DONE_TITLE, "form": form, "call_back": call_back},
    )


@never_cache
@permission_required_or_404(USE_CONSOLE)
@require_http_methods(["GET", "POST"])
def call_back_cancel(request: HttpRequest, call_back_id: int) -> HttpResponse:
    """Cancel a call back with a reason from a fixed list; not twice, not a done one.
    `?from=case` (or the same in the form) goes back to the desk case view."""
    call_back = selectors_follow_ups.access_call_back(user=request.user, call_back_id=call_back_id)
    from_case = (request.POST.get("from") or request.GET.get("from")) == "case"
    back = (
        reverse("desk:case", args=[call_back.victim_id, call_back.crime_id])
        if from_case
        else reverse("desk:call-backs")
    )
    form = CallBackCancelForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.call_back_cancel(
                user=request.user,
                call_back=call_back,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error, {})
        else:
            messages.success(request, "Call back cancelled")
            return redirect(back)
    return render(
        request,
        "desk/call_back_cancel.html",
        {
            "title": CANCEL_TITLE,
            "form": form,
            "call_back": call_back,
            "requested": services.slot_text(call_back.requested_for),
            "closed": call_back.state != CallBackState.OPEN,
            "from_case": from_case,
            "back": back,
        },
    )
