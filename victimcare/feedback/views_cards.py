"""Officers' personal QR cards: the officer's card pages and the public scan.

- /feedback/card/ ("Your feedback card"): the QR code of the card's URL
  (/f/c/<code>/), the short URL beside it, a link to a printable card, and
  "Print a new card" (confirmation, POST: the old card stops working).
- /f/c/<code>/ (public): a scan within the limits opens a fresh single-use
  invitation and redirects (303) to /f/<token>/. A refused scan is a 429; an
  unknown or revoked code gets the dead-link page. See cards.py.

The scanner's device is a random id in a signed, HttpOnly, SameSite=Lax cookie
set on the first scan; clearing it only moves the scanner onto the address and
card limits.
"""

from __future__ import annotations

import re
import secrets

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from victimcare.accounts.views import permission_required_or_404
from victimcare.core.http import client_ip

from .cards import card_scan, officer_card_get_or_create, officer_card_reissue
from .limits import too_many
from .views import _qr_svg, _unavailable

CARD_PAGE_TITLE = "Your feedback card"
CARD_PRINT_TITLE = "Your feedback card to print"
CARD_NEW_TITLE = "Print a new feedback card"
CARD_REISSUED = "Your new card is ready. Your old card no longer works."

DEVICE_SALT = "victimcare.feedback.card-device"
DEVICE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{22}\Z")
DEVICE_MAX_AGE = 400 * 24 * 60 * 60  # the longest browsers keep a cookie


def device_cookie_name() -> str:
    # The __Host- prefix (Secure, Path=/, no Domain) whenever cookies are Secure.
    return "__Host-vc-device" if settings.SECURE_COOKIES else "vc-device"


def _device_id(request: HttpRequest) -> tuple[str, bool]:
    """The scanner's device id and whether it is new (no valid signed cookie)."""
    value = request.get_signed_cookie(device_cookie_name(), default=None, salt=DEVICE_SALT)
    if isinstance(value, str) and DEVICE_PATTERN.match(value):
        return value, False
    return secrets.token_urlsafe(16), True


def _card_context(request: HttpRequest) -> dict[str, object]:
    card = officer_card_get_or_create(officer=request.user)  # type: ignore[arg-type]
    url = request.build_absolute_uri(reverse("feedback:card-scan", kwargs={"code": card.code}))
    return {
        # segno's SVG is built from our own URL and a code we generated: no user input.
        "qr_svg": mark_safe(_qr_svg(url)),  # noqa: S308  # segno SVG of our own URL  # nosec B308, B703  # nosemgrep: vc-mark-safe-non-literal
        "short_url": url.rstrip("/"),
        "issued_at": timezone.localtime(card.created_at),
    }


def _private(response: HttpResponse) -> HttpResponse:
    # The card's code is in the page and the scan URL: never pass it on as a Referer.
    response["Referrer-Policy"] = "no-referrer"
    return response


@never_cache
@permission_required_or_404("feedback.view_own_feedback")
@require_http_methods(["GET"])
def personal_card(request: HttpRequest) -> HttpResponse:
    """The officer's own card: QR code, short URL, print and reissue links."""
    context = {
        "title": CARD_PAGE_TITLE,
        **_card_context(request),
        "print_url": reverse("feedback:my-card-print"),
        "new_url": reverse("feedback:my-card-new"),
        "scans_per_device": settings.FEEDBACK_CARD_SCANS_PER_DEVICE,
    }
    return _private(render(request, "feedback/personal_card.html", context))


@never_cache
@permission_required_or_404("feedback.view_own_feedback")
@require_http_methods(["GET"])
def personal_card_print(request: HttpRequest) -> HttpResponse:
    """The printable card: the QR code and the short URL (no name, no case)."""
    context = {"title": CARD_PRINT_TITLE, **_card_context(request)}
    return _private(render(request, "feedback/personal_card_print.html", context))


@never_cache
@permission_required_or_404("feedback.view_own_feedback")
@require_http_methods(["GET", "POST"])
def personal_card_new(request: HttpRequest) -> HttpResponse:
    """Confirm, then revoke the current card and issue a new one (POST only)."""
    if request.method == "POST":
        officer_card_reissue(officer=request.user)  # type: ignore[arg-type]
        messages.success(request, CARD_REISSUED)
        return redirect("feedback:my-card")
    context = {"title": CARD_NEW_TITLE, "back_url": reverse("feedback:my-card")}
    return _private(render(request, "feedback/personal_card_new.html", context))


@never_cache
@require_http_methods(["GET"])
def card_scan_view(request: HttpRequest, code: str) -> HttpResponse:
    """A scan of an officer's card: on to a fresh feedback link, or refused."""
    device_id, new_device = _device_id(request)
    scan = card_scan(code=code, device_id=device_id, client_ip=client_ip(request))
    if scan.token is not None:
        response: HttpResponse = HttpResponseRedirect(
            reverse("feedback:respond", kwargs={"token": scan.token}), status=303
        )
    elif scan.limited is not None:
        response = too_many(request, scan.limited)
    else:
        response = _unavailable(request)
    if scan.token is not None and new_device:
        # Set only when a scan opened an invitation, so a dead code's page is
        # exactly the dead-link page.
        response.set_signed_cookie(
            device_cookie_name(),
            device_id,
            salt=DEVICE_SALT,
            max_age=DEVICE_MAX_AGE,
            path="/",
            secure=settings.SECURE_COOKIES,
            httponly=True,
            samesite="Lax",
        )
    return _private(response)
