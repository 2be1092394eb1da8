"""Feedback pages: the public rating page reached by a token, and the officer's QR.

The public page shows nothing about the officer or the case until a valid token
is presented; a malformed, unknown, used or expired token always gets the same
page with the same status (404), so tokens, officers and cases cannot be probed.
The token is in the path, which the request log never records (it logs the
route pattern); responses send no Referer and are never cached.
"""

from __future__ import annotations

import segno
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from victimcare.cases.constants import CONTACT_EVENTS
from victimcare.cases.models import JourneyEvent

from . import messages as msg
from .constants import InvitationChannel
from .forms import FeedbackForm
from .services import invitation_create, invitation_for_token, response_record

FEEDBACK_TITLE = "Tell us about your contact with the police"
THANKS_TITLE = "Thank you for your feedback"
QR_TITLE = "Ask the victim for feedback"
CARD_TITLE = "Feedback card"


def _private(response: HttpResponse) -> HttpResponse:
    # The token is in the URL: never send it on as a Referer.
    response["Referrer-Policy"] = "no-referrer"
    return response


def _unavailable(request: HttpRequest) -> HttpResponse:
    """The one page for any token that is not open: same status, same bytes
    (apart from the per-request CSP nonce)."""
    return _private(
        render(
            request,
            "feedback/unavailable.html",
            {"title": msg.LINK_UNAVAILABLE},
            status=404,
        )
    )


@never_cache
@require_http_methods(["GET", "POST"])
def feedback(request: HttpRequest, token: str) -> HttpResponse:
    invitation = invitation_for_token(token)
    if invitation is None:
        return _unavailable(request)
    form = FeedbackForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            response_record(token=token, **form.cleaned_data)
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                # Used by a concurrent post, or expired while the form was open.
                return _unavailable(request)
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            return _private(render(request, "feedback/thanks.html", {"title": THANKS_TITLE}))
    return _private(
        render(
            request,
            "feedback/form.html",
            {
                "title": FEEDBACK_TITLE,
                "form": form,
                "action": request.path,
                "officer_name": invitation.officer.full_name,
            },
        )
    )


def _qr_svg(url: str) -> str:
    svg = segno.make(url, error="m").svg_inline(scale=5, border=4)
    return svg.replace(
        "<svg ",
        '<svg role="img" aria-label="QR code for the feedback page" focusable="false" ',
        1,
    )


def _qr_page(request: HttpRequest, event_id: int, *, card: bool) -> HttpResponse:
    # Only the officer who recorded the contact, or the crime's OIC: anyone else
    # gets the same 404 as for a missing event.
    event = get_object_or_404(
        JourneyEvent.objects.select_related("crime"), pk=event_id, code__in=CONTACT_EVENTS
    )
    user = request.user
    if user.pk not in {event.recorded_by_id, event.crime.oic_id}:
        raise Http404
    invitation, token = invitation_create(
        officer=user,  # type: ignore[arg-type]
        contact_event=event,
        channel=InvitationChannel.CARD if card else InvitationChannel.QR,
    )
    path = reverse("feedback:respond", kwargs={"token": token})
    url = request.build_absolute_uri(path)
    context = {
        "title": CARD_TITLE if card else QR_TITLE,
        # segno's SVG is built from our own URL and a token we generated: no user input.
        "qr_svg": mark_safe(_qr_svg(url)),  # noqa: S308
        "short_url": url.rstrip("/"),
        "expires_at": timezone.localtime(invitation.expires_at),
        "event": event,
        "card_url": reverse("feedback:qr-card", kwargs={"event_id": event.pk}),
    }
    template = "feedback/card.html" if card else "feedback/qr.html"
    return _private(render(request, template, context))


@never_cache
@login_required
@require_http_methods(["GET"])
def qr(request: HttpRequest, event_id: int) -> HttpResponse:
    """A fresh QR code for a contact; any earlier unused one for it stops working."""
    return _qr_page(request, event_id, card=False)


@never_cache
@login_required
@require_http_methods(["GET"])
def qr_card(request: HttpRequest, event_id: int) -> HttpResponse:
    """The printable card variant (no victim name, no case detail)."""
    return _qr_page(request, event_id, card=True)
