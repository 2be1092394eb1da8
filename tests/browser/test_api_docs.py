"""The partner API's documentation in a real browser: public, served from our
own files (no CDN request leaves the machine), and accessible (axe-core, zero
WCAG 2.2 AA violations); a developer can jump from the contents to an operation."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .support import assert_accessible

pytestmark = pytest.mark.browser


def test_a_partner_developer_reads_the_api_documentation(page: Page):
    page.goto("/api/v1/docs/")
    expect(page.locator("h1")).to_have_text("Partner API documentation")
    expect(page.get_by_role("table", name="Scopes")).to_contain_text("events:write")
    page.get_by_role("link", name="POST /api/v1/crimes/{crn}/events/").click()
    expect(
        page.get_by_role("table", name="Responses of POST /api/v1/crimes/{crn}/events/")
    ).to_contain_text("409")
    expect(page.get_by_role("link", name="/api/v1/schema/")).to_be_visible()
    assert_accessible(page)
