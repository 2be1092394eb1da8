"""Feedback pages: the public rating page reached by a token, and the officer's QR.

The public page shows nothing about the officer or the case until a valid token
is presented; a malformed, unknown, used or expired token always gets the same
page with the same status (404), so tokens, officers and cases cannot be probed.
The token is in the path, which the request log never records (it logs the
route pattern); responses send no Referer to other sites and are never cached.
"""

from __future__ import annotations

from typing import Any

import segno
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from victimcare.cases.constants import CONTACT_EVENTS
from victimcare.cases.models import JourneyEvent

from .constants import InvitationChannel
from .forms import FeedbackForm
from .i18n import (
    SOURCE_LANGUAGE,
    VICTIMS_CODE_URL,
    PageText,
    choose_language,
    page_context,
    page_text,
)
from .limits import feedback_page_limit, render_neutral
from .models import Invitation
from .services import invitation_create, invitation_for_token, response_store
from .views_rights import rights_formats

QR_TITLE = "Ask the victim for feedback"
CARD_TITLE = "Feedback card"


def _private(response: HttpResponse) -> HttpResponse:
    # The token is in the URL: never send it to another site as a Referer.
    # "same-origin", not "no-referrer": under no-referrer a browser sends
    # "Origin: null" with the form's POST, and the CSRF check refuses it.
    response["Referrer-Policy"] = "same-origin"
    return response


def _language(request: HttpRequest, default: str = SOURCE_LANGUAGE) -> PageText:
    """The page's words: ?lang= when it names a language we support (on a POST
    too: the form's action carries it), else `default`. Never an error."""
    return page_text(choose_language(request.GET.get("lang"), default))


def _public(
    request: HttpRequest, template: str, text: PageText, status: int = 200, **context: Any
) -> HttpResponse:
    return _private(render(request, template, {**page_context(text), **context}, status=status))


def _unavailable(request: HttpRequest) -> HttpResponse:
    """The one page for any token that is not open: same status, same bytes
    (apart from the per-request CSP nonce). Its language comes from ?lang only,
    never from the invitation, so it cannot tell a dead token from a live one.

    Being the same for everyone, it is rendered once per process and language
    (limits.render_neutral, as the 429 page): a run of dead links costs a
    lookup each, not a GOV.UK layout each."""
    text = _language(request)
    page = render_neutral(
        request,
        "feedback/unavailable.html",
        {
            **page_context(text),
            "title": text.plain("link_unavailable"),
            "rights_url": _rights_url(text),
        },
        key=text.language,
    )
    return _private(HttpResponse(page, status=404))


def _rights_url(text: PageText) -> str:
    return f"{reverse('feedback:rights')}?lang={text.language}"


@never_cache
@feedback_page_limit
@require_http_methods(["GET", "POST"])
def feedback(request: HttpRequest, token: str) -> HttpResponse:
    """The rating page, in the invitation's language unless ?lang= picks another.

    A POST looks the invitation up once, locked, and stores the response in the
    same transaction (services.response_store); the page is rendered after the
    transaction, so the lock is held for the writes only."""
    if request.method == "POST":
        return _feedback_post(request, token)
    invitation = invitation_for_token(token)
    if invitation is None:
        return _unavailable(request)
    text = _language(request, invitation.language)
    form = FeedbackForm(None, text=text, offer_contact_back=invitation.victim_id is not None)
    return _form_page(request, invitation, text, form)


def _feedback_post(request: HttpRequest, token: str) -> HttpResponse:
    try:
        with transaction.atomic():
            invitation = invitation_for_token(token, lock=True)
            if invitation is None:
                return _unavailable(request)
            text = _language(request, invitation.language)
            # A personal card's invitation has no victim: nobody to call back.
            form = FeedbackForm(
                request.POST, text=text, offer_contact_back=invitation.victim_id is not None
            )
            stored = False
            if form.is_valid():
                try:
                    response_store(
                        invitation=invitation, language=text.language, **form.cleaned_data
                    )
                except ValidationError as exc:
                    # Field errors, raised before anything is written.
                    for field, errors in exc.message_dict.items():
                        for error in errors:
                            form.add_service_error(field if field in form.fields else None, error)
                else:
                    stored = True
    except IntegrityError:
        # A concurrent post stored the one response first.
        return _unavailable(request)
    if stored:
        return _public(
            request,
            "feedback/thanks.html",
            text,
            title=text.plain("thanks_title"),
            rights_url=_rights_url(text),
        )
    return _form_page(request, invitation, text, form)


def _form_page(
    request: HttpRequest, invitation: Invitation, text: PageText, form: FeedbackForm
) -> HttpResponse:
    offer_contact_back = invitation.victim_id is not None
    return _public(
        request,
        "feedback/form.html",
        text,
        title=text.plain("feedback_title"),
        form=form,
        action=f"{request.path}?lang={text.language}",
        # <bdi>: a name in one script inside text in another keeps its order.
        officer_name=format_html("<bdi>{}</bdi>", invitation.officer.full_name),
        offer_contact_back=offer_contact_back,
        count_messages=_count_messages(text),
    )


def _count_messages(text: PageText) -> dict[str, Any]:
    """The character count's words (GOV.UK Frontend i18n parameters)."""
    return {
        "textareaDescriptionText": text.plain("chars_description"),
        "charactersUnderLimitText": text.plural("chars_under"),
        "charactersAtLimitText": text.plain("chars_at_limit"),
        "charactersOverLimitText": text.plural("chars_over"),
    }


@require_http_methods(["GET"])
def rights(request: HttpRequest) -> HttpResponse:
    """Public: the 12 rights of the Victims' Code and where to get support, in
    the language ?lang= picks (English otherwise). Where the feedback QR code
    leads after the rating, and from a dead link."""
    text = _language(request)
    return _public(
        request,
        "feedback/rights.html",
        text,
        title=text.plain("rights_title"),
        rights=[text(f"right.{number}") for number in range(1, 13)],
        victims_code_url=VICTIMS_CODE_URL,
        formats=rights_formats(text.language),
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
        "qr_svg": mark_safe(_qr_svg(url)),  # noqa: S308  # segno SVG of our own URL  # nosec B308, B703  # nosemgrep: vc-mark-safe-non-literal
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
