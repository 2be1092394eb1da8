"""Rate limits on the public feedback pages (security.md row 22).

The token page /f/<token>/ is limited per client address (every request) and
per token (posts), before the token is looked up: a refused request costs one
counter upsert and a small page, never a token lookup, and says nothing about
whether the token exists. Over a limit the answer is 429 with Retry-After and
a plain page saying when to try again (rendered once per process, see render_neutral). The limits are settings
(FEEDBACK_RATE_*; defaults and reasons in config/settings.py).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, QueryDict
from django.middleware.csp import get_nonce
from django.template.loader import render_to_string

from victimcare.core.http import client_ip
from victimcare.core.ratelimit import Decision, hit

from .services import token_hash

TOO_MANY_TITLE = "Too many attempts"


def wait_text(seconds: int) -> str:
    """'1 minute', '12 minutes', '3 hours': when to try again, rounded up."""
    minutes = max(1, math.ceil(seconds / 60))
    if minutes < 120:
        return "1 minute" if minutes == 1 else f"{minutes} minutes"
    return f"{math.ceil(minutes / 60)} hours"


def too_many(request: HttpRequest, decision: Decision) -> HttpResponse:
    """The 429 page: the same for every limit, naming only when to try again."""
    wait = wait_text(decision.retry_after)
    page = render_neutral(
        request, "feedback/too_many.html", {"title": TOO_MANY_TITLE, "wait": wait}, key=wait
    )
    response = HttpResponse(page, status=429)
    response["Retry-After"] = str(decision.retry_after)
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    return response


# A flood is answered from a page rendered once per process: the GOV.UK layout
# costs several times more than the rest of a refusal. It is rendered for a
# neutral request (anonymous, no messages, no cookies, path "/"), so nothing of
# the request that first caused it (a token in the path, a signed-in person's
# menu) can reach anyone else; only the CSP nonce is per request, put in place
# of a placeholder.
_NONCE_PLACEHOLDER = "vc-neutral-nonce-placeholder"
_PAGES: dict[tuple[str, str, str, str], str] = {}
_PAGES_MAX = 512


def render_neutral(
    request: HttpRequest, template: str, context: dict[str, Any], *, key: str = ""
) -> str:
    """`template` rendered once per process (per `key`) for an anonymous visitor
    at "/", with this request's CSP nonce. For public pages that must not depend
    on who asked or which link they used (refusals, the dead-link page)."""
    nonce = get_nonce(request)
    cache_key = (template, key, settings.SERVICE_NAME, settings.FORCE_NAME)
    page = _PAGES.get(cache_key)
    if page is None:
        neutral = copy.copy(request)
        neutral.user = AnonymousUser()
        neutral._messages = []  # type: ignore[attr-defined]
        neutral._csp_nonce = _NONCE_PLACEHOLDER  # type: ignore[attr-defined]
        neutral.path = neutral.path_info = "/"
        neutral.META = {**request.META, "PATH_INFO": "/", "QUERY_STRING": "", "HTTP_COOKIE": ""}
        neutral.GET = QueryDict()
        neutral.COOKIES = {}
        page = render_to_string(template, context, request=neutral)
        if len(_PAGES) < _PAGES_MAX:
            _PAGES[cache_key] = page
    return page.replace(_NONCE_PLACEHOLDER, str(nonce) if nonce is not None else "")


def address_key(request: HttpRequest) -> str:
    # Behind a proxy that did not say who the client was, every such request
    # shares one counter: the limit still holds (it does not fail open).
    return client_ip(request) or "unknown"


def page_decision(request: HttpRequest, token: str) -> Decision:
    """Count this request to the token page; refused if over any limit."""
    decision = hit(
        f"feedback:page:address:{address_key(request)}",
        limit=settings.FEEDBACK_RATE_ADDRESS,
        window_seconds=settings.FEEDBACK_RATE_ADDRESS_SECONDS,
    )
    if decision.allowed and request.method == "POST":
        decision = hit(
            f"feedback:page:token:{token_hash(token)}",
            limit=settings.FEEDBACK_RATE_TOKEN_POSTS,
            window_seconds=settings.FEEDBACK_RATE_TOKEN_SECONDS,
        )
    return decision


def feedback_page_limit(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Decorate the token page: over a limit, answer 429 without calling the view."""

    @wraps(view)
    def wrapped(request: HttpRequest, token: str, *args: Any, **kwargs: Any) -> HttpResponse:
        decision = page_decision(request, token)
        if not decision.allowed:
            return too_many(request, decision)
        return view(request, token, *args, **kwargs)

    return wrapped
