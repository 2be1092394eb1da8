"""Track your case (/track/) in a real browser: zero axe violations for the
link, code, case, call-back and message pages, and the start page (crime
reference and date of birth) with its code page, in English and Arabic (right
to left); the whole journey with the keyboard only: open the link, send a
code, enter it, read the case, ask for a call back on a Saturday at 17:00 and
book one of the Sunday times offered; and from the start page to the case. Console errors and CSP violations fail
the test (`page`).

The code goes out by text in the real service; here the test sets a known code
on the link in the server's database (a `manage shell` run from the test, as
other browser tests create their data), never through anything the web can reach.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets

import pytest
from playwright.sync_api import Page, expect

from victimcare.portal.forms_track import TIME_CHOICES
from victimcare.portal.tracking import track_text

from .conftest import VICTIMCARE, _run, _server_env
from .support import Server, assert_accessible, screenshot
from .test_cases import OFFICER

pytestmark = pytest.mark.browser

KNOWN_CODE = "246810"

# A crime recorded by the demo officer with one (fake) victim who prefers texts,
# and a tracking link sent to them with the real service.
_MAKE_LINK = """
import datetime as dt, json
from django.utils import timezone
from victimcare.accounts.models import Area, User
from victimcare.cases.models import Offence
from victimcare.cases.services import VictimInput, crime_create
from victimcare.portal.tracking import tracking_link_send
officer = User.objects.get(email="{email}")
area = Area.objects.filter(bcu=officer.organisation.parent).first()
offence = Offence.objects.get(code="common-assault")
crime = crime_create(
    actor=officer, crn="{crn}", offence=offence,
    occurred_at=timezone.now() - dt.timedelta(days=1), area=area,
    victims=[VictimInput(full_name="Test Victim", phone="{phone}", preferred_channel="sms")],
)
result = tracking_link_send(actor=officer, link=crime.victim_links.get())
print(json.dumps({{"token": result.token, "link": result.link.pk}}))
"""

# Test only: a known code on one link, as if it had just been sent.
_SET_CODE = """
import datetime as dt
from django.utils import timezone
from victimcare.portal.models import TrackingLink
from victimcare.portal.tracking import code_hash
link = TrackingLink.objects.get(pk={link})
TrackingLink.objects.filter(pk=link.pk).update(
    code_hash=code_hash(link, "{code}"),
    code_expires_at=timezone.now() + dt.timedelta(minutes=10),
)
print("ok")
"""


def _shell(server: Server, script: str, what: str) -> str:
    return _run(
        [str(VICTIMCARE), "manage", "shell", "-c", script], _server_env(server.var_dir), what
    )


def _new_link(server: Server) -> dict[str, object]:
    number = secrets.randbelow(1000)
    output = _shell(
        server,
        _MAKE_LINK.format(
            email=OFFICER.email,
            crn=f"96{secrets.randbelow(100_000):05d}/26",
            phone=f"07700 900{number:03d}",
        ),
        "Sending a tracking link",
    )
    made: dict[str, object] = json.loads(output.strip().splitlines()[-1])
    assert made["token"]
    return made


def _set_code(server: Server, link: object) -> None:
    _shell(server, _SET_CODE.format(link=link, code=KNOWN_CODE), "Setting a known code")


def _html(page: Page) -> tuple[str, str]:
    return (
        page.evaluate("document.documentElement.lang"),
        page.evaluate("document.documentElement.dir"),
    )


def _next_saturday() -> dt.date:
    today = dt.date.today()
    days = (5 - today.weekday()) % 7 or 7
    return today + dt.timedelta(days=days)


@pytest.mark.parametrize(("lang", "direction"), [("en", "ltr"), ("ar", "rtl")])
def test_the_tracker_pages_are_accessible_in_english_and_arabic(
    page: Page, server: Server, lang: str, direction: str
):
    t = track_text(lang)
    made = _new_link(server)

    response = page.goto(f"/track/{made['token']}/?lang={lang}")
    assert response is not None and response.status == 200
    assert _html(page) == (lang, direction)
    expect(page.locator("h1")).to_have_text(t.plain("track_title"))
    assert_accessible(page)
    screenshot(page, f"portal-track-start-{lang}")

    page.locator("#send-code").click()
    expect(page.locator("h1")).to_have_text(t.plain("code_title"))
    assert page.url.endswith(f"/track/{made['token']}/code/?lang={lang}")
    assert_accessible(page)

    # A wrong code: the error summary, in the page's language.
    page.locator("#code").fill("000001" if KNOWN_CODE != "000001" else "000002")
    page.locator("#check-code").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(t.plain("code_wrong"))
    assert _html(page) == (lang, direction)
    assert_accessible(page)
    screenshot(page, f"portal-track-code-error-{lang}")

    _set_code(server, made["link"])
    page.locator("#code").fill(KNOWN_CODE)
    page.locator("#check-code").click()
    page.wait_for_url(f"**/track/case/?lang={lang}")
    expect(page.locator("h1")).to_have_text(t.plain("case_title"))
    expect(page.locator("#next-update")).to_be_visible()
    assert _html(page) == (lang, direction)
    assert_accessible(page)
    screenshot(page, f"portal-track-case-{lang}")

    page.locator("#call-back-link").click()
    expect(page.locator("h1")).to_have_text(t.plain("cb_title"))
    assert_accessible(page)
    page.locator("#ask-call-back").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(t.plain("cb_day_required"))
    assert_accessible(page)

    page.goto(f"/track/case/message/?lang={lang}")
    expect(page.locator("h1")).to_have_text(t.plain("msg_title"))
    assert_accessible(page)
    page.locator("#send-message").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(t.plain("msg_required"))
    assert_accessible(page)
    page.locator("#text").fill("Please call me after 3pm.")
    page.locator("#send-message").click()
    expect(page.locator("h1")).to_contain_text(t.plain("msg_sent_title"))
    assert_accessible(page)

    # A dead link: the neutral page.
    response = page.goto(f"/track/{'B' * 43}/?lang={lang}")
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text(t.plain("unavailable_title"))
    assert_accessible(page)


def test_the_tracker_with_the_keyboard_only(page: Page, server: Server):
    t = track_text("en")
    made = _new_link(server)
    page.goto(f"/track/{made['token']}/")

    def tab_to(selector: str, limit: int = 80) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate("s => document.activeElement.matches(s)", selector):
                return
        pytest.fail(f"Tab never reached {selector}")

    tab_to("#send-code")
    page.keyboard.press("Enter")
    page.wait_for_url("**/code/?lang=en")
    _set_code(server, made["link"])
    tab_to("#code")
    page.keyboard.type(KNOWN_CODE)
    page.keyboard.press("Enter")
    page.wait_for_url("**/track/case/?lang=en")
    expect(page.locator("#next-update")).to_be_visible()

    tab_to("#call-back-link")
    page.keyboard.press("Enter")
    page.wait_for_url("**/track/case/call-back/?lang=en")
    saturday = _next_saturday()
    tab_to("#day")
    # A closed select takes arrow keys: the first option is empty, then today on.
    for _ in range((saturday - dt.date.today()).days + 1):
        page.keyboard.press("ArrowDown")
    expect(page.locator("#day")).to_have_value(saturday.isoformat())
    tab_to("#time")
    for _ in range(TIME_CHOICES.index("17:00") + 1):
        page.keyboard.press("ArrowDown")
    expect(page.locator("#time")).to_have_value("17:00")
    tab_to("input[name=reason]")
    page.keyboard.press("Space")
    tab_to("#ask-call-back")
    page.keyboard.press("Enter")
    page.wait_for_load_state()

    # Closed at 17:00 on a Saturday: Sunday from 08:00 is offered.
    expect(page.locator(".govuk-error-summary")).to_contain_text(t.plain("cb_closed"))
    sunday = saturday + dt.timedelta(days=1)
    first = page.locator("input[name=slot]").first
    assert first.get_attribute("value", timeout=5000).startswith(f"{sunday.isoformat()}T08:00")
    tab_to("input[name=slot]")
    page.keyboard.press("Space")
    tab_to("#book-slot")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.locator("h1")).to_contain_text(t.plain("cb_done_title"))
    expect(page.locator("#done")).to_contain_text("8:00am")
    assert_accessible(page)

    tab_to("#back-to-case")
    page.keyboard.press("Enter")
    page.wait_for_url("**/track/case/?lang=en")
    tab_to("#sign-out")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text(t.plain("ended_title"))


# --- The start page: crime reference and date of birth ---------------------------------------

# A crime with one (fake) victim with a date of birth and a safe mobile; no link sent.
_MAKE_CRIME = """
import datetime as dt, json
from django.utils import timezone
from victimcare.accounts.models import Area, User
from victimcare.cases.models import Offence
from victimcare.cases.services import VictimInput, crime_create
officer = User.objects.get(email="{email}")
area = Area.objects.filter(bcu=officer.organisation.parent).first()
offence = Offence.objects.get(code="common-assault")
crime = crime_create(
    actor=officer, crn="{crn}", offence=offence,
    occurred_at=timezone.now() - dt.timedelta(days=1), area=area,
    victims=[VictimInput(
        full_name="Test Victim", phone="{phone}", preferred_channel="sms",
        date_of_birth=dt.date(1985, 3, 27),
    )],
)
print(json.dumps({{"crime": crime.pk}}))
"""

# Test only: a known code on the crime's newest link (the one the start page made).
_SET_CODE_FOR_CRIME = """
import datetime as dt
from django.utils import timezone
from victimcare.portal.models import TrackingLink
from victimcare.portal.tracking import code_hash
link = TrackingLink.objects.filter(crime_id={crime}, revoked_at__isnull=True).latest("pk")
assert link.created_by_id is None
TrackingLink.objects.filter(pk=link.pk).update(
    code_hash=code_hash(link, "{code}"),
    code_expires_at=timezone.now() + dt.timedelta(minutes=10),
)
print("ok")
"""


# Test only: the earlier tests of the session used up this machine's tracker
# allowance (30 requests per 10 minutes per address); start these with none used.
_RESET_LIMITS = """
from django.conf import settings
from victimcare.core.models import RateCounter
from victimcare.core.ratelimit import key_hash
windows = {
    "": settings.PORTAL_TRACK_RATE_ADDRESS_SECONDS,
    "start:": settings.PORTAL_TRACK_START_RATE_ADDRESS_SECONDS,
}
keys = [
    key_hash(f"{seconds}:portal:track:{kind}address:{ip}")
    for kind, seconds in windows.items() for ip in ("127.0.0.1", "::1")
]
print(RateCounter.objects.filter(key__in=keys).delete()[0])
"""


def _new_crime(server: Server) -> tuple[str, object]:
    _shell(server, _RESET_LIMITS, "Resetting the tracker's rate limits")
    crn = f"97{secrets.randbelow(100_000):05d}/26"
    output = _shell(
        server,
        _MAKE_CRIME.format(
            email=OFFICER.email, crn=crn, phone=f"07700 900{secrets.randbelow(1000):03d}"
        ),
        "Recording a crime",
    )
    made: dict[str, object] = json.loads(output.strip().splitlines()[-1])
    return crn, made["crime"]


@pytest.mark.parametrize(("lang", "direction"), [("en", "ltr"), ("ar", "rtl")])
def test_the_start_page_is_accessible_in_english_and_arabic(
    page: Page, server: Server, lang: str, direction: str
):
    t = track_text(lang)
    crn, _crime = _new_crime(server)

    response = page.goto(f"/track/?lang={lang}")
    assert response is not None and response.status == 200
    assert _html(page) == (lang, direction)
    expect(page.locator("#begin-intro")).to_have_text(t.plain("begin_intro"))
    assert_accessible(page)
    screenshot(page, f"portal-track-begin-{lang}")

    # Nothing typed: both problems in the summary, in the page's language.
    page.locator("#begin").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text(t.plain("start_crn_required"))
    expect(summary).to_contain_text(t.plain("start_dob_required"))
    assert _html(page) == (lang, direction)
    assert_accessible(page)
    screenshot(page, f"portal-track-begin-error-{lang}")

    page.locator("#crn").fill(crn)
    page.locator("#date_of_birth-day").fill("27")
    page.locator("#date_of_birth-month").fill("3")
    page.locator("#date_of_birth-year").fill("1985")
    page.locator("#begin").click()
    page.wait_for_url(f"**/track/code/?lang={lang}")
    expect(page.locator("#begin-sent")).to_have_text(t.plain("begin_sent"))
    assert_accessible(page)


def test_from_the_start_page_to_the_case_with_the_keyboard_only(page: Page, server: Server):
    t = track_text("en")
    crn, crime = _new_crime(server)
    page.goto("/track/")

    def tab_to(selector: str, limit: int = 80) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate("s => document.activeElement.matches(s)", selector):
                return
        pytest.fail(f"Tab never reached {selector}")

    tab_to("#crn")
    page.keyboard.type(crn)
    page.keyboard.press("Tab")
    expect(page.locator("#date_of_birth-day")).to_be_focused()
    page.keyboard.type("27")
    page.keyboard.press("Tab")
    page.keyboard.type("3")
    page.keyboard.press("Tab")
    page.keyboard.type("1985")
    tab_to("#begin")
    page.keyboard.press("Enter")
    page.wait_for_url("**/track/code/?lang=en")
    expect(page.locator("h1")).to_have_text(t.plain("code_title"))

    _shell(server, _SET_CODE_FOR_CRIME.format(crime=crime, code=KNOWN_CODE), "Setting a code")
    tab_to("#code")
    page.keyboard.type(KNOWN_CODE)
    page.keyboard.press("Enter")
    page.wait_for_url("**/track/case/?lang=en")
    expect(page.locator("#crn")).to_contain_text(crn)
    assert_accessible(page)
