"""A victim's view of their rights in other formats: the rights page (English
and Arabic, right to left) with its download links, large print and Easy Read,
each accessible (axe, WCAG 2.2 AA, zero violations)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from victimcare.feedback.easy_read import EASY_READ_TITLE
from victimcare.feedback.leaflets import leaflet_text

from .support import assert_accessible, screenshot

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_rights_page_offers_the_leaflet_large_print_and_easy_read(page: Page, lang):
    t = leaflet_text(lang)

    page.goto(f"/your-rights/?lang={lang}")

    expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")
    expect(page.get_by_role("heading", name=t.plain("formats_heading"))).to_be_visible()
    leaflet = page.get_by_role("link", name=t.plain("leaflet_link"))
    expected = "/your-rights/leaflet.pdf" + ("" if lang == "en" else f"?lang={lang}")
    expect(leaflet).to_have_attribute("href", expected)
    assert_accessible(page)
    screenshot(page, f"rights-formats-{lang}")

    page.get_by_role("link", name=t.plain("large_print_link")).click()
    expect(page.locator("h1")).to_have_text(t.plain("rights_title"))
    size = page.locator("ol.govuk-list li").first.evaluate(
        "el => parseFloat(getComputedStyle(el).fontSize)"
    )
    assert size >= 16 * 4 / 3  # 16pt at least, in CSS pixels
    assert_accessible(page)
    screenshot(page, f"rights-large-print-{lang}")


def test_the_leaflet_link_downloads_a_pdf(page: Page):
    page.goto("/your-rights/?lang=pl")

    with page.expect_download() as download:
        page.get_by_role("link", name=leaflet_text("pl").plain("leaflet_link")).click()

    assert download.value.suggested_filename == "your-rights-pl.pdf"


def test_the_easy_read_page_is_accessible_with_pictures_that_have_names(page: Page):
    page.goto("/your-rights/")
    page.get_by_role("link", name=leaflet_text("en").plain("easy_read_link")).click()

    expect(page.locator("h1")).to_have_text(EASY_READ_TITLE)
    expect(page.get_by_role("img", name="A court building")).to_be_visible()
    expect(page.locator("ol.vc-easy-read__rights > li")).to_have_count(12)
    assert_accessible(page)
    screenshot(page, "rights-easy-read")
