"""The checks every browser test relies on are not vacuous: the real server's CSP
blocks an injected inline script, the page watcher reports it, and axe-core
reports a page with a known fault."""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, Page

from .support import PageProblems, assert_accessible

pytestmark = pytest.mark.browser


def test_an_injected_inline_script_is_blocked_by_the_csp_and_reported(context: BrowserContext):
    page = context.new_page()
    watcher = PageProblems.watch(page)
    page.goto("/")

    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.injected = true'; document.body.append(s); }"
    )

    assert page.evaluate("window.injected === undefined")
    assert any("CSP violation: script-src" in p for p in watcher.problems), watcher.problems
    page.close()


def test_assert_accessible_fails_on_an_image_without_alt_text(page: Page):
    page.goto("/")
    page.evaluate(
        "() => { const i = document.createElement('img');"
        " i.src = 'data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///ywAAAAAAQABAAACAUwAOw==';"
        " document.querySelector('main').append(i); }"
    )

    with pytest.raises(pytest.fail.Exception, match="image-alt"):
        assert_accessible(page)
