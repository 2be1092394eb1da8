"""Unknown addresses and server errors get our own styled pages, never Django's
debug pages or a traceback."""

from __future__ import annotations

import pytest
from django.test import Client

from victimcare.frontend import views

from .test_public_pages import h1s

DJANGO_DEBUG_WORDS = (
    "Traceback",
    "DEBUG = True",
    "Django tried these URL patterns",
    "RuntimeError",
    "Request Method",
)


@pytest.fixture
def anonymous() -> Client:
    return Client(raise_request_exception=False)


def assert_our_page(html: str, heading: str) -> None:
    assert h1s(html) == [heading]
    assert 'class="govuk-generic-header' in html
    assert 'href="/static/css/application.css"' in html
    assert 'data-module="govuk-exit-this-page"' in html
    for words in DJANGO_DEBUG_WORDS:
        assert words not in html, words


def test_an_unknown_address_gets_the_styled_page_not_found(anonymous):
    response = anonymous.get("/no-such-page/")

    assert response.status_code == 404
    html = response.content.decode()
    assert_our_page(html, views.NOT_FOUND_TITLE)
    assert "If you typed the web address, check it is correct." in html


@pytest.mark.urls("tests.frontend.urls")
def test_a_server_error_gets_the_styled_page_without_a_traceback(anonymous):
    response = anonymous.get("/test-only/explode/")

    assert response.status_code == 500
    html = response.content.decode()
    assert_our_page(html, views.SERVER_ERROR_TITLE)
    assert "07700 900123" not in html
    assert "Deliberate failure" not in html


@pytest.mark.urls("tests.frontend.urls")
def test_the_server_error_page_still_renders_when_the_page_context_cannot_be_built(anonymous):
    """If loading the user fails too (the database is down), the 500 page is still ours,
    and its inline script still carries the CSP nonce."""
    response = anonymous.get("/test-only/explode-without-context/")

    assert response.status_code == 500
    html = response.content.decode()
    assert_our_page(html, views.SERVER_ERROR_TITLE)
    assert "07700 900123" not in html
    nonce = response["Content-Security-Policy"].split("'nonce-", 1)[1].split("'", 1)[0]
    assert f'<script nonce="{nonce}">' in html


def test_a_bad_request_gets_the_styled_page(anonymous):
    """An unknown Host header is a 400 answered by our handler."""
    response = anonymous.get("/", headers={"host": "attacker.example.org"})

    assert response.status_code == 400
    assert_our_page(response.content.decode(), views.BAD_REQUEST_TITLE)


def test_a_form_posted_without_its_csrf_token_gets_our_styled_page_and_changes_nothing(db):
    from django.test import Client

    from victimcare.accounts.models import User

    client = Client(enforce_csrf_checks=True)
    before = User.objects.count()

    response = client.post("/sign-in/", {"email": "someone@example.org", "password": "x"})

    assert response.status_code == 403
    body = response.content.decode()
    assert "Sorry, there is a problem with your request" in body
    assert "CSRF verification failed" not in body
    assert User.objects.count() == before
