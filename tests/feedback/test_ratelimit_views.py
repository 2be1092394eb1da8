"""Rate limits on the public feedback page, as stories: someone trying links from
one address is stopped with a 429 before any link is looked up; a form posted
over and over to one link is stopped too; a neighbour at another address is
not affected; Redis going away changes nothing the visitor can see."""

from __future__ import annotations

import re
import uuid

import pytest
import redis
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.middleware.csrf import get_token
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from victimcare.core import ratelimit
from victimcare.feedback import limits as feedback_limits
from victimcare.feedback.limits import TOO_MANY_TITLE, wait_text
from victimcare.feedback.models import Response
from victimcare.feedback.services import invitation_create

from .conftest import signed_in

pytestmark = pytest.mark.django_db

_CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"')
_NONCE = re.compile(rb'nonce="[^"]*"')


def _normalised(content: bytes) -> bytes:
    return _NONCE.sub(b'nonce=""', _CSRF.sub(b'name="csrfmiddlewaretoken" value=""', content))


def _url(token: str) -> str:
    return reverse("feedback:respond", kwargs={"token": token})


@pytest.fixture
def limits(settings):  # type: ignore[no-untyped-def]
    """Small limits: 5 requests an address per 10 minutes, 2 posts a token an hour."""
    settings.RATELIMIT_BACKEND = "database"
    settings.FEEDBACK_RATE_ADDRESS = 5
    settings.FEEDBACK_RATE_ADDRESS_SECONDS = 600
    settings.FEEDBACK_RATE_TOKEN_POSTS = 2
    settings.FEEDBACK_RATE_TOKEN_SECONDS = 3600
    return settings


@pytest.fixture
def token(officer, visit) -> str:
    return invitation_create(officer=officer, contact_event=visit, channel="qr")[1]


def test_an_address_trying_links_is_stopped_before_any_lookup(limits, token):
    prober = Client(REMOTE_ADDR="192.0.2.10")
    for n in range(5):
        assert prober.get(_url(f"{n:0>22}")).status_code == 404

    with CaptureQueriesContext(connection) as queries:
        refused = prober.get(_url(token))

    assert refused.status_code == 429
    assert TOO_MANY_TITLE.encode() in refused.content
    assert 0 < int(refused["Retry-After"]) <= 600
    assert f"Try again in {wait_text(int(refused['Retry-After']))}".encode() in refused.content
    assert "no-store" in refused["Cache-Control"]
    assert refused["Referrer-Policy"] == "no-referrer"
    # A valid link gives nothing away while the limit holds: no name, no lookup.
    assert b"Olivia Officer" not in refused.content
    assert not [q for q in queries.captured_queries if "feedback_invitation" in q["sql"]]

    # Someone at another address is not held up.
    neighbour = Client(REMOTE_ADDR="192.0.2.11")
    assert neighbour.get(_url(token)).status_code == 200


def test_the_refusal_is_the_same_for_a_working_link_and_a_dead_one(limits, token):
    prober = Client(REMOTE_ADDR="192.0.2.12")
    for _ in range(5):
        prober.get(_url("D" * 22))
    working = prober.get(_url(token))
    dead = prober.get(_url("E" * 22))

    assert working.status_code == dead.status_code == 429
    assert _normalised(working.content) == _normalised(dead.content)


def test_a_forged_forwarded_for_header_does_not_reset_the_count(limits):
    # With no trusted proxy, X-Forwarded-For is the client's own writing.
    prober = Client(REMOTE_ADDR="192.0.2.13")
    statuses = [
        prober.get(_url("F" * 22), HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
        for n in range(7)
    ]
    assert statuses == [404] * 5 + [429] * 2


def test_one_link_posted_over_and_over_is_stopped(limits, token):
    limits.FEEDBACK_RATE_ADDRESS = 100
    victim = Client(REMOTE_ADDR="192.0.2.14")
    # Two posts without a rating: the form asks again each time.
    for _ in range(2):
        assert victim.post(_url(token), {"went_well": "Kind."}).status_code == 200

    refused = victim.post(_url(token), {"rating": "5"})

    assert refused.status_code == 429
    assert not Response.objects.exists()
    # Only posts count against the link: it can still be opened.
    assert victim.get(_url(token)).status_code == 200


def test_posts_to_one_link_do_not_hold_up_another(limits, officer, visit, token):
    limits.FEEDBACK_RATE_ADDRESS = 100
    victim = Client(REMOTE_ADDR="192.0.2.15")
    for _ in range(3):
        victim.post(_url(token), {})
    _, other = invitation_create(officer=officer, channel="card")

    assert victim.post(_url(other), {"rating": "4"}).status_code == 200
    assert Response.objects.count() == 1


def test_limits_hold_on_redis(limits, token):
    client = redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_connect_timeout=0.5)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    prefix = f"victimcare-test:{uuid.uuid4().hex}:"
    limits.RATELIMIT_BACKEND = "redis"
    limits.RATELIMIT_REDIS_URL = "redis://127.0.0.1:6379/0"
    limits.RATELIMIT_REDIS_PREFIX = prefix
    ratelimit.redis_reset()
    try:
        prober = Client(REMOTE_ADDR="192.0.2.16")
        statuses = [prober.get(_url(token)).status_code for _ in range(6)]
        stored = list(client.scan_iter(match=f"{prefix}*"))
    finally:
        for name in client.scan_iter(match=f"{prefix}*"):
            client.delete(name)
        ratelimit.redis_reset()

    assert statuses == [200] * 5 + [429]
    assert len(stored) == 1


def test_with_redis_down_the_limits_still_hold_and_nothing_breaks(limits, token):
    limits.RATELIMIT_BACKEND = "redis"
    limits.RATELIMIT_REDIS_URL = "redis://127.0.0.1:1/0"
    ratelimit.redis_reset()
    try:
        prober = Client(REMOTE_ADDR="192.0.2.17")
        statuses = [prober.get(_url(token)).status_code for _ in range(6)]
    finally:
        ratelimit.redis_reset()

    assert statuses == [200] * 5 + [429]


def test_wait_text_rounds_up_to_minutes_then_hours():
    assert wait_text(1) == "1 minute"
    assert wait_text(61) == "2 minutes"
    assert wait_text(600) == "10 minutes"
    assert wait_text(3 * 3600 - 5) == "3 hours"


def test_the_refusal_page_carries_each_requests_own_nonce_and_nothing_of_the_request(
    limits, token, supervisor
):
    limits.FEEDBACK_RATE_ADDRESS = 0
    staff = signed_in(supervisor)
    first = staff.get(_url(token), REMOTE_ADDR="192.0.2.18")
    second = Client(REMOTE_ADDR="192.0.2.19").get(_url(token))

    nonces = []
    for page in (first, second):
        assert page.status_code == 429
        assert token.encode() not in page.content
        assert b"Sam Supervisor" not in page.content
        (nonce,) = set(re.findall(rb'nonce="([^"]+)"', page.content))
        assert f"'nonce-{nonce.decode()}'" in page["Content-Security-Policy"]
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


def test_the_dead_link_page_carries_each_requests_own_nonce_and_nothing_of_the_request(
    supervisor, monkeypatch, rf, settings
):
    """The dead-link page is rendered once per process and language, for the
    first request that needs it: a signed-in member of staff with a CSRF cookie,
    a message waiting and a comment in the body. None of it reaches the next
    visitor, who gets the same bytes apart from their own nonce."""
    monkeypatch.setattr(feedback_limits, "_PAGES", {})  # cold: the staff request renders it
    staff = signed_in(supervisor)
    secret = "S" * 32
    staff.cookies[settings.CSRF_COOKIE_NAME] = secret
    storage = CookieStorage(rf.get("/"))
    note = "Private note for Sam"
    staff.cookies[storage.cookie_name] = storage._encode([Message(constants.SUCCESS, note)])
    comment = "A private comment about PC Olivia"

    first = staff.post(_url("G" * 22), {"rating": "4", "went_well": comment})
    second = Client(REMOTE_ADDR="192.0.2.20").get(_url("H" * 22))

    assert any(key[0] == "feedback/unavailable.html" for key in feedback_limits._PAGES)
    nonces = []
    for page in (first, second):
        assert page.status_code == 404
        for private in ("G" * 22, "H" * 22, "Sam Supervisor", note, comment, secret):
            assert private.encode() not in page.content
        assert b"csrfmiddlewaretoken" not in page.content
        (nonce,) = set(re.findall(rb'nonce="([^"]+)"', page.content))
        assert f"'nonce-{nonce.decode()}'" in page["Content-Security-Policy"]
        nonces.append(nonce)
    assert nonces[0] != nonces[1]
    assert _NONCE.sub(b"", first.content) == _NONCE.sub(b"", second.content)
    # The message was really there for a page rendered for the request itself.
    assert note.encode() in staff.get(reverse("feedback:rights")).content


def test_a_neutral_page_may_not_carry_a_csrf_token(monkeypatch, rf):
    # One token for everyone protects no one: refuse rather than cache it.
    monkeypatch.setattr(feedback_limits, "_PAGES", {})
    monkeypatch.setattr(
        feedback_limits, "render_to_string", lambda template, context, request: get_token(request)
    )
    request = rf.get("/f/token/")
    request.META["CSRF_COOKIE"] = "T" * 32

    with pytest.raises(ImproperlyConfigured):
        feedback_limits.render_neutral(request, "feedback/unavailable.html", {})
    assert not feedback_limits._PAGES
