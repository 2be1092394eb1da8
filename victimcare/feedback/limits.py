"""Rate limits on the public feedback pages (security.md row 22).

The token page /f/<token>/ is limited per client address (every request) and
per token (posts), before the token is looked up: a refused request costs one
counter upsert and a small page, never a token lookup, and says nothing about
whether the token exists. Over a limit the answer is 429 with Retry-After and
a plain page saying when to try again (rendered once per process, see
render_neutral, which serves the dead-link page too). The limits are settings
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
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, QueryDict
from django.middleware.csp import get_nonce
from django.template.loader import render_to_string
from django.utils.datastructures import MultiValueDict

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


# A flood, and a run of dead links, are answered from a page rendered once per
# process: the GOV.UK layout costs several times more than the rest of a
# refusal. It is rendered for a neutral request (anonymous, no session, no
# messages, no cookies, no CSRF secret, no body, GET "/"), so nothing of the
# request that first caused it (a token in the path, a signed-in person's menu
# or messages, a comment posted, the visitor's CSRF token) can reach anyone
# else; only the CSP nonce is per request, put in place of a placeholder.
_NONCE_PLACEHOLDER = "vc-neutral-nonce-placeholder"
_PAGES: dict[tuple[str, str, str, str], str] = {}
_PAGES_MAX = 512
# What a neutral request keeps of the real one's META: how it was reached
# (host, scheme, script name), never who sent it or what they sent.
_NEUTRAL_META = (
    "SERVER_NAME",
    "SERVER_PORT",
    "SERVER_PROTOCOL",
    "SCRIPT_NAME",
    "HTTP_HOST",
    "wsgi.url_scheme",
)


def _neutral_request(request: HttpRequest) -> HttpRequest:
    neutral = copy.copy(request)
    # Properties the real request may have cached (headers carry its cookies).
    for cached in ("headers", "_cached_user", "_acached_user"):
        neutral.__dict__.pop(cached, None)
    neutral.user = AnonymousUser()

    async def anonymous() -> AnonymousUser:
        return AnonymousUser()

    neutral.auser = anonymous  # type: ignore[attr-defined]
    neutral.session = SessionBase()  # type: ignore[attr-defined]
    neutral._messages = []  # type: ignore[attr-defined]
    neutral._csp_nonce = _NONCE_PLACEHOLDER  # type: ignore[attr-defined]
    neutral.method = "GET"
    neutral.path = neutral.path_info = "/"
    meta = {k: request.META[k] for k in _NEUTRAL_META if k in request.META}
    if settings.SECURE_PROXY_SSL_HEADER and settings.SECURE_PROXY_SSL_HEADER[0] in request.META:
        meta[settings.SECURE_PROXY_SSL_HEADER[0]] = request.META[
            settings.SECURE_PROXY_SSL_HEADER[0]
        ]
    neutral.META = {**meta, "REQUEST_METHOD": "GET", "PATH_INFO": "/", "QUERY_STRING": ""}
    neutral.GET = QueryDict()
    neutral._post = QueryDict()  # type: ignore[attr-defined]
    neutral._files = MultiValueDict()  # type: ignore[attr-defined]
    neutral._body = b""  # type: ignore[attr-defined]
    neutral.COOKIES = {}
    neutral.resolver_match = None
    return neutral


def render_neutral(
    request: HttpRequest, template: str, context: dict[str, Any], *, key: str = ""
) -> str:
    """`template` rendered once per process (per `key`) for an anonymous visitor
    at "/", with this request's CSP nonce. For public pages that must not depend
    on who asked or which link they used (refusals, the dead-link page): the
    context must not depend on the request either, beyond what `key` names."""
    nonce = get_nonce(request)
    cache_key = (template, key, settings.SERVICE_NAME, settings.FORCE_NAME)
    page = _PAGES.get(cache_key)
    if page is None:
        neutral = _neutral_request(request)
        page = render_to_string(template, context, request=neutral)
        if "CSRF_COOKIE" in neutral.META:
            # The template asked for a CSRF token: one token for everyone is no
            # protection, and a neutral page has no form to need one.
            raise ImproperlyConfigured(f"{template} uses a CSRF token: it cannot be shared")
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
