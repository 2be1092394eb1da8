"""Security headers on every public page, and no GOV.UK branding: the service is
not on a gov.uk domain, so no crown or crest and no GDS Transport font."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from .test_public_pages import PUBLIC_PAGES

PAGES = [*PUBLIC_PAGES, "/no-such-page/"]


@pytest.fixture
def anonymous() -> Client:
    return Client(raise_request_exception=False)


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.parametrize("path", PAGES)
def test_every_public_page_sends_the_security_headers(anonymous, path):
    response = anonymous.get(path)

    csp = csp_directives(response["Content-Security-Policy"])
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] in {
        "same-origin",
        "no-referrer",
        "strict-origin-when-cross-origin",
    }
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.parametrize("path", PAGES)
def test_the_one_inline_script_carries_the_nonce_from_the_policy(anonymous, path):
    response = anonymous.get(path)
    html = response.content.decode()

    nonces = [
        v
        for v in csp_directives(response["Content-Security-Policy"])["script-src"]
        if v.startswith("'nonce-")
    ]
    assert len(nonces) == 1
    nonce = nonces[0].removeprefix("'nonce-").removesuffix("'")
    assert len(nonce) >= 16
    inline_scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline_scripts == [f' nonce="{nonce}"']
    # style-src 'self' would block inline styles; there must be none.
    assert " style=" not in html


def test_each_response_gets_a_new_nonce(anonymous):
    first = anonymous.get("/")["Content-Security-Policy"]
    second = anonymous.get("/")["Content-Security-Policy"]
    assert first != second


@pytest.mark.parametrize("path", PAGES)
def test_pages_carry_no_govuk_branding(anonymous, path):
    html = anonymous.get(path).content.decode()

    assert "GDS Transport" not in html
    for mark in ("crest", "govuk-logo", "govuk-header__logotype", "GOV.UK"):
        assert mark.lower() not in html.lower(), mark
    # "Crown" may only appear in the Crown Prosecution Service's name.
    assert re.findall(r"crown(?! Prosecution Service)", html, re.IGNORECASE) == []
    assert 'class="govuk-generic-header"' in html
    assert f'<span class="vc-header__force">{settings.FORCE_NAME}</span>' in html


def compiled_css() -> tuple[Path, str]:
    build = Path(settings.STATICFILES_DIRS[0])
    css = build / "css" / "application.css"
    if not css.exists():
        pytest.fail(f"{css} is missing: run scripts/build-assets.sh (make assets) first")
    return build, css.read_text()


def test_the_compiled_stylesheet_uses_arial_and_no_govuk_font_or_crown_images():
    build, css = compiled_css()

    assert "GDS Transport" not in css
    assert "@font-face" not in css
    assert "arial, sans-serif" in css.replace("arial,sans-serif", "arial, sans-serif")
    urls = re.findall(r"url\(\"?([^\")]+)\"?\)", css)
    for url in urls:
        assert "crest" not in url and "crown" not in url, url
        assert url.startswith(settings.STATIC_URL), url
        # Every image the stylesheet asks for was built, so none gives a 404.
        assert (build / url.removeprefix(settings.STATIC_URL)).exists(), url


def test_the_static_build_ships_no_crown_crest_favicon_or_fonts():
    build, _ = compiled_css()
    names = [p.name.lower() for p in build.rglob("*") if p.is_file()]
    for name in names:
        assert not any(
            mark in name for mark in ("crest", "crown", "favicon", "govuk-logo", "opengraph")
        ), name
        assert not name.endswith((".woff", ".woff2", ".ttf", ".otf", ".eot")), name
