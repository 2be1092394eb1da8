"""The public feedback pages in a real browser, as a victim meets them: scan the
QR code, meet the error summary, rate the contact, reach the thank-you page and
the rights page — in English, Polish and Arabic (right to left). Every state is
checked with axe-core (zero WCAG 2.2 AA violations); one journey uses the
keyboard only. Console errors and CSP violations fail the test (`page`)."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect

from victimcare.feedback.i18n import page_text

from .conftest import VICTIMCARE, _run, _server_env
from .support import Server, assert_accessible, screenshot
from .test_cases import OFFICER

pytestmark = pytest.mark.browser

LANGUAGES = ["en", "pl", "ar"]
EXIT_BUTTON = ".govuk-exit-this-page__button"
RATING = 'input[name="rating"]'

# Crimes recorded by the demo officer, each with a visit to its (fake) victim and
# an open invitation for the visit, made with the real services.
_MAKE_TOKENS = """
import datetime as dt, json, time
from django.utils import timezone
from victimcare.accounts.models import Area, User
from victimcare.cases.constants import EventCode
from victimcare.cases.models import Offence
from victimcare.cases.services import VictimInput, crime_create, event_record
from victimcare.feedback.services import invitation_create
officer = User.objects.get(email="{email}")
area = Area.objects.filter(bcu=officer.organisation.parent).first()
offence = Offence.objects.get(code="common-assault")
base = int(time.time()) % 90_000
tokens = []
for n in range({count}):
    crime = crime_create(
        actor=officer, crn=f"97{{(base + n) % 100_000:05d}}/26", offence=offence,
        occurred_at=timezone.now() - dt.timedelta(days=1), area=area,
        victims=[VictimInput(full_name="Test Victim")],
    )
    event, _ = event_record(
        actor=officer, crime=crime, code=EventCode.CONTACT_VISIT,
        occurred_at=timezone.now() - dt.timedelta(hours=1),
        victim=crime.victim_links.get().victim,
    )
    tokens.append(invitation_create(officer=officer, contact_event=event, channel="qr")[1])
print(json.dumps(tokens))
"""


@pytest.fixture(scope="module")
def tokens(server: Server) -> list[str]:
    count = len(LANGUAGES) + 3
    output = _run(
        [
            str(VICTIMCARE),
            "manage",
            "shell",
            "-c",
            _MAKE_TOKENS.format(count=count, email=OFFICER.email),
        ],
        _server_env(server.var_dir),
        "Making feedback invitations",
    )
    made: list[str] = json.loads(output.strip().splitlines()[-1])
    assert len(made) == count, "could not make the invitations"
    return made


def _html(page: Page) -> tuple[str | None, str | None]:
    html = page.locator("html")
    return html.get_attribute("lang"), html.get_attribute("dir")


def _first_rating_boxes(page: Page) -> tuple[dict, dict]:
    radio = page.locator(RATING).first
    label = page.locator(f'label[for="{radio.get_attribute("id")}"]')
    radio_box, label_box = radio.bounding_box(), label.bounding_box()
    assert radio_box is not None and label_box is not None
    return radio_box, label_box


@pytest.mark.parametrize("lang", LANGUAGES)
def test_rate_a_contact_in_each_language_and_reach_the_rights_page(
    page: Page, tokens: list[str], lang: str
):
    t = page_text(lang)
    token = tokens[LANGUAGES.index(lang)]
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: one column

    # The form, in the chosen language and direction.
    response = page.goto(f"/f/{token}/?lang={lang}")
    assert response is not None and response.status == 200
    expected_dir = "rtl" if lang == "ar" else "ltr"
    assert _html(page) == (lang, expected_dir)
    expect(page.locator("h1")).to_have_text(t.plain("feedback_title"))
    expect(page.locator("legend").first).to_contain_text(t.plain("rating_label"))
    expect(page.locator(EXIT_BUTTON)).to_contain_text(t.plain("exit_this_page"))
    radio_box, label_box = _first_rating_boxes(page)
    if lang == "ar":
        # Mirrored: the label reads from the right, so it sits left of its radio,
        # and the drawn circle is on the right too.
        assert label_box["x"] + label_box["width"] <= radio_box["x"] + 1
        circle_right = page.locator(".govuk-radios__label").first.evaluate(
            "el => getComputedStyle(el, '::before').right"
        )
        assert circle_right == "2px"
    else:
        assert radio_box["x"] + radio_box["width"] <= label_box["x"] + 1
    assert_accessible(page)
    screenshot(page, f"feedback-form-{lang}")

    # Sent without a rating: the error summary, in the same language.
    page.get_by_role("button", name=t.plain("submit")).click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text(t.plain("error_summary_title"))
    expect(summary).to_contain_text(t.plain("rating_required"))
    assert page.title().startswith(f"{t.plain('error_prefix')}: ")
    assert _html(page) == (lang, expected_dir)
    assert_accessible(page)

    # Rated and sent: the thank-you page, then the rights it links to.
    page.locator(RATING).nth(3).check()
    page.get_by_role("button", name=t.plain("submit")).click()
    expect(page.locator("h1")).to_have_text(t.plain("thanks_title"))
    assert _html(page) == (lang, expected_dir)
    expect(page.locator(EXIT_BUTTON)).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name=t.plain("rights_link")).click()
    expect(page.locator("h1")).to_have_text(t.plain("rights_title"))
    assert _html(page) == (lang, expected_dir)
    expect(page.locator("ol li")).to_have_count(12)
    expect(page.locator(EXIT_BUTTON)).to_contain_text(t.plain("exit_this_page"))
    assert_accessible(page)
    screenshot(page, f"feedback-rights-{lang}")


def test_the_language_links_switch_the_page(page: Page, tokens: list[str]):
    page.goto(f"/f/{tokens[-3]}/?lang=en")

    page.locator('a[hreflang="ar"]').click()

    assert _html(page) == ("ar", "rtl")
    expect(page.locator("h1")).to_have_text(page_text("ar").plain("feedback_title"))
    page.locator('a[hreflang="pl"]').click()
    assert _html(page) == ("pl", "ltr")
    assert_accessible(page)


def test_a_rating_with_the_keyboard_only(page: Page, tokens: list[str]):
    t = page_text("en")
    page.goto(f"/f/{tokens[-2]}/?lang=en")

    def tab_to(selector: str, limit: int = 60) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate("s => document.activeElement.matches(s)", selector):
                return
        pytest.fail(f"Tab never reached {selector}")

    # A radio group is one Tab stop; the arrow keys move within it (as in every
    # browser), Space selects.
    tab_to(RATING)
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    expect(page.locator(f'{RATING}[value="4"]')).to_be_checked()
    expect(page.locator(f'{RATING}[value="4"]')).to_be_focused()
    tab_to("button.govuk-button")
    page.keyboard.press("Enter")

    expect(page.locator("h1")).to_have_text(t.plain("thanks_title"))
    tab_to('a[href^="/your-rights/"]')
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text(t.plain("rights_title"))


def test_no_rating_focuses_the_summary_whose_link_leads_to_the_radios(
    page: Page, tokens: list[str]
):
    t = page_text("pl")
    page.goto(f"/f/{tokens[-1]}/?lang=pl")

    page.get_by_role("button", name=t.plain("submit")).click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    summary.get_by_role("link", name=t.plain("rating_required")).click()
    expect(page.locator(RATING).first).to_be_focused()
    expect(page.locator(".govuk-form-group--error")).to_have_count(1)


def test_the_rights_page_is_public_and_accessible_in_arabic_without_javascript(
    browser, server: Server
):
    context = browser.new_context(base_url=server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/your-rights/?lang=ar")
        assert _html(page) == ("ar", "rtl")
        expect(page.locator("h1")).to_have_text(page_text("ar").plain("rights_title"))
        expect(page.locator(EXIT_BUTTON)).to_be_visible()
        # Phone numbers keep their digit order inside right-to-left text.
        expect(page.locator('a[href="tel:08081689111"]')).to_have_attribute("dir", "ltr")
    finally:
        context.close()
