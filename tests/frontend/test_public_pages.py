"""The public pages a victim can read without an account: right heading, the
"Exit this page" button, the force's name from configuration, and no cookies."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

from victimcare.frontend import views

PUBLIC_PAGES = {
    "/": views.START_TITLE,
    "/privacy/": views.PRIVACY_TITLE,
    "/cookies/": views.COOKIES_TITLE,
    "/accessibility/": "Accessibility statement for Victim care",
}


def h1s(html: str) -> list[str]:
    return [
        re.sub(r"\s+", " ", text).strip() for text in re.findall(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    ]


@pytest.fixture
def anonymous() -> Client:
    return Client(raise_request_exception=False)


@pytest.mark.parametrize(("path", "heading"), PUBLIC_PAGES.items())
def test_a_visitor_reads_each_public_page_with_its_heading_and_an_exit_button(
    anonymous, path, heading
):
    response = anonymous.get(path)

    assert response.status_code == 200
    html = response.content.decode()
    assert h1s(html) == [heading]
    assert 'data-module="govuk-exit-this-page"' in html
    assert "Exit this page" in html
    assert f"<title>{heading} – {settings.SERVICE_NAME} – {settings.FORCE_NAME}</title>" in html
    # Footer links to the three statements on every page.
    for link in ("/privacy/", "/cookies/", "/accessibility/"):
        assert f'href="{link}"' in html


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_reading_a_public_page_sets_no_cookies(anonymous, path):
    """The cookies page promises that readers of these pages get no cookies at all."""
    response = anonymous.get(path)
    assert response.cookies == {}
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_the_force_name_comes_from_configuration(anonymous, path, settings):
    settings.FORCE_NAME = "Example Constabulary"
    html = anonymous.get(path).content.decode()
    assert "Example Constabulary" in html
    assert "Metropolitan" not in html


def test_the_start_page_gives_emergency_numbers_and_says_rights_apply_without_reporting(anonymous):
    html = anonymous.get("/").content.decode()
    for words in ("999", "101", "18000", "18001 101", "Relay UK", "press 55"):
        assert words in html
    assert "whether or not you report the crime" in html
    # The staff sign-in link is there, but low-key: small print at the bottom.
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    small_print = main.rsplit('class="govuk-body-s"', 1)[1]
    assert 'href="/sign-in/"' in small_print


def test_the_privacy_notice_names_the_controller_lawful_bases_sharing_rights_and_audit(anonymous):
    html = anonymous.get("/privacy/").content.decode()
    expected = [
        f"{settings.FORCE_NAME} is the controller",
        "Part 3 of the Data Protection Act 2018",
        "UK General Data Protection Regulation (UK GDPR)",
        "consent",
        "Crown Prosecution Service (CPS)",
        "courts",
        "Witness Care Units",
        "Probation Service",
        "support services",
        "How long we keep it",
        "ask for a copy of the information",
        "correct information that is wrong",
        "delete your information, or to limit how we use it",
        "Information Commissioner's Office (ICO)",
        "audit log",
    ]
    for words in expected:
        assert words in html, words


def test_the_cookies_page_lists_only_strictly_necessary_cookies_in_a_table(anonymous):
    html = anonymous.get("/cookies/").content.decode()

    assert '<table class="govuk-table">' in html
    for name in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME, "messages"):
        assert f'<th scope="row" class="govuk-table__header">{name}</th>' in html
    assert "We do not use analytics cookies" in html
    assert "There are no third-party cookies" in html
    assert "we do not show a cookie banner" in html


def test_the_cookies_page_follows_the_cookie_names_in_the_settings(anonymous, settings):
    settings.SESSION_COOKIE_NAME = "__Host-session"
    settings.CSRF_COOKIE_NAME = "__Host-csrftoken"
    html = anonymous.get("/cookies/").content.decode()
    assert ">__Host-session</th>" in html
    assert ">__Host-csrftoken</th>" in html


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (31449600, "1 year"),
        (12 * 3600, "12 hours"),
        (1800, "30 minutes"),
        (86400, "1 day"),
        (5, "5 seconds"),
    ],
)
def test_cookie_lifetimes_are_said_in_plain_english(seconds, text):
    assert views.duration_text(seconds) == text


def test_the_accessibility_statement_follows_the_govuk_model(anonymous):
    html = anonymous.get("/accessibility/").content.decode()
    for section in (
        "How accessible this service is",
        "Feedback and contact information",
        "Reporting accessibility problems with this service",
        "Enforcement procedure",
        "Technical information about this service's accessibility",
        "Compliance status",
        "Non-accessible content",
        "How we tested this service",
        "Preparation of this accessibility statement",
    ):
        assert section in html, section
    for words in (
        "WCAG",
        "2.2",
        "Equality and Human Rights Commission (EHRC)",
        "(EASS)",
        "axe-core",
        "Chromium",
        "keyboard",
    ):
        assert words in html, words
    assert "This statement was prepared on 22 November 2026" in html


def test_the_force_name_in_the_header_is_text_not_markup(anonymous, settings):
    settings.FORCE_NAME = "Avon & Somerset <Police>"
    html = anonymous.get("/").content.decode()
    assert '<span class="vc-header__force">Avon &amp; Somerset &lt;Police&gt;</span>' in html
    assert "<Police>" not in html
