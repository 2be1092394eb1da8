"""The staff feedback pages in a real browser. Feedback is made through the real
services (a visit, an invitation and a response each) on the live server's
database: one officer with enough good ratings to be on the recognition list
and an urgent comment, a colleague with a few (below the minimum) and another.

- The officer's supervisor opens "Urgent feedback", reads the item (the comment
  shown escaped) and closes it with the keyboard only, meeting the error
  summary first; then "Feedback scores" and "Recognition", where they record a
  commendation (error summary first).
- The officer sees "Your feedback" (counts and the monthly trend, never a
  comment) and their personal card and its printable view.
- A Victim Focus Desk agent sees the urgent queue and an item's comment, and
  gets a 404 for the scores.

Every page is checked with axe-core (zero WCAG 2.2 AA violations); console
errors and CSP violations fail the test (the `page` fixture)."""

from __future__ import annotations

import datetime as dt
import json
import re
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from victimcare.accounts.constants import Role
from victimcare.demo.catalogue import demo_catalogue
from victimcare.feedback.review.close import OUTCOME_REQUIRED
from victimcare.feedback.scores import NOT_ENOUGH, REASON_REQUIRED
from victimcare.feedback.views_review import CLOSED_MESSAGE, URGENT_TITLE
from victimcare.feedback.views_scores import COMMENDED, MINE_TITLE, RECOGNITION_TITLE, SCORES_TITLE

from .conftest import VICTIMCARE, _run, _server_env
from .support import Server, assert_accessible
from .test_cases import OFFICER, sign_in

pytestmark = pytest.mark.browser

_SIGN_INS = demo_catalogue(name=settings.REFERENCE_DATA).sign_ins
SUPERVISOR = next(s for s in _SIGN_INS if s.role == Role.SUPERVISOR)
DESK = next(s for s in _SIGN_INS if s.role == Role.DESK_AGENT)
LONDON = ZoneInfo("Europe/London")

# Untrusted free text: the markup must be shown as text, never rendered.
URGENT_COMMENT = "I'm scared he will come back tonight <b>help</b>"
PRAISE = "Kind and quick, explained everything"
CRITICISM = "Nobody called me back about the case"
COMMENTS = (URGENT_COMMENT, PRAISE, CRITICISM, "scared he will come back")
GOOD_RATINGS = 45  # with the one urgent rating of 2: a Wilson lower bound of about 0.89
OUTCOME = "Safeguarding action taken"
NOTE = "Desk called the victim; the OIC arranged a patrol and a safety plan"
REASON = "Consistently rated highly by victims for keeping them informed"

# For each person: a crime with a visit, an invitation for it and the victim's
# response, through the real services. The supervisor's officer gets one urgent
# comment (rating 2, asks to be contacted back) and GOOD_RATINGS ratings of 4
# or 5; a colleague gets another urgent one and three more (1, 3 and 5). Prints
# the review ids: {"urgent": [officer's, colleague's], "low": [...]}.
_MAKE_FEEDBACK = """import datetime as dt, json, time
from django.utils import timezone
from victimcare.accounts.models import Area, User
from victimcare.cases.constants import EventCode
from victimcare.cases.models import Offence
from victimcare.cases.services import VictimInput, crime_create, event_record
from victimcare.feedback.models import Review
from victimcare.feedback.services import invitation_create, response_record
offence = Offence.objects.get(code="common-assault")
base = int(time.time()) % 90_000
serial = iter(range(10_000))

def respond(email, rating, could_be_better="", went_well="", contact_back=False):
    officer = User.objects.get(email=email)
    area = Area.objects.filter(bcu=officer.organisation.parent).first()
    n = next(serial)
    crime = crime_create(
        actor=officer, crn=f"96{(base + n) % 100_000:05d}/26", offence=offence,
        occurred_at=timezone.now() - dt.timedelta(days=2), area=area,
        victims=[VictimInput(full_name="Test Victim")],
    )
    event, _ = event_record(
        actor=officer, crime=crime, code=EventCode.CONTACT_VISIT,
        occurred_at=timezone.now() - dt.timedelta(hours=2),
        victim=crime.victim_links.get().victim,
    )
    token = invitation_create(officer=officer, contact_event=event, channel="qr")[1]
    response = response_record(
        token=token, rating=rating, went_well=went_well, could_be_better=could_be_better,
        contact_back=contact_back,
    )
    return Review.objects.filter(response=response).values_list("pk", flat=True).first()

P = json.loads(__PARAMS__)
urgent = [
    respond(email, 2, could_be_better=P["urgent"], contact_back=True)
    for email in (P["officer"], P["other"])
]
for n in range(P["good"]):
    respond(P["officer"], 5 if n % 3 else 4, went_well=P["praise"] if n == 0 else "")
low = [
    respond(P["other"], 1, could_be_better=P["low_comment"], contact_back=True),
    respond(P["other"], 3, could_be_better=P["low_comment"]),
    respond(P["other"], 5, went_well=P["praise"]),
]
print(json.dumps({"urgent": urgent, "low": low}))
"""


def _colleague(server: Server) -> tuple[str, str]:
    """Another officer of the demo officer's team (email, full name)."""
    with server.database() as db:
        row = db.execute(
            "SELECT email, full_name FROM accounts_user WHERE role = 'officer' AND is_active"
            " AND email <> ? AND organisation_id ="
            " (SELECT organisation_id FROM accounts_user WHERE email = ?)"
            " ORDER BY email LIMIT 1",
            (OFFICER.email, OFFICER.email),
        ).fetchone()
    assert row is not None, "the demo officer's team has no other officer"
    return str(row[0]), str(row[1])


@pytest.fixture(scope="module")
def feedback(server: Server) -> dict:
    email, name = _colleague(server)
    params = {
        "officer": OFFICER.email,
        "other": email,
        "good": GOOD_RATINGS,
        "urgent": URGENT_COMMENT,
        "praise": PRAISE,
        "low_comment": CRITICISM,
    }
    script = _MAKE_FEEDBACK.replace("__PARAMS__", repr(json.dumps(params)))
    output = _run(
        [str(VICTIMCARE), "manage", "shell", "-c", script],
        _server_env(server.var_dir),
        "Making feedback",
    )
    made = json.loads(output.strip().splitlines()[-1])
    assert all(made["urgent"]), f"the comment was not screened as urgent: {made}"
    return {**made, "colleague": name}


def tab_to(page: Page, selector: str, limit: int = 120) -> None:
    """Press Tab until the focused element matches `selector`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    pytest.fail(f"Tab never reached {selector} on {page.url}")


def nav_link(page: Page, text: str):  # type: ignore[no-untyped-def]
    return page.locator("header").get_by_role("link", name=text, exact=True)


def assert_no_comments(page: Page) -> None:
    html = page.content()
    for text in COMMENTS:
        assert text not in html and text.replace("<", "&lt;") not in html, text


def test_a_supervisor_closes_urgent_feedback_with_the_keyboard(page: Page, feedback: dict):
    review_id = feedback["urgent"][0]
    row = f'tr[data-review-id="{review_id}"]'
    sign_in(page, SUPERVISOR.email)

    # "Urgent feedback" in the navigation: the queue, with no comment.
    tab_to(page, 'header a[href="/feedback/urgent/"]')
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text(URGENT_TITLE)
    expect(page.locator(row)).to_contain_text(OFFICER.full_name)
    expect(page.locator(row)).to_contain_text("Fear of the offender")
    assert_no_comments(page)
    assert_accessible(page)

    # The item: the comment, as text.
    tab_to(page, f"{row} a")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/feedback/review/{review_id}/$"))
    expect(page.locator("#could-be-better")).to_have_text(URGENT_COMMENT)
    expect(page.locator("#could-be-better b")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("The victim asked to be contacted")
    assert_accessible(page)

    # Sent without an outcome: the error summary, focused.
    tab_to(page, "main form button")
    page.keyboard.press("Enter")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text(OUTCOME_REQUIRED)
    assert page.title().startswith("Error: ")
    assert_accessible(page)

    # Its link leads to the radios; the arrow keys choose, Space selects.
    tab_to(page, ".govuk-error-summary a")
    page.keyboard.press("Enter")
    expect(page.locator('input[name="outcome"]').first).to_be_focused()
    chosen = page.get_by_role("radio", name=OUTCOME)
    for _ in range(10):
        if page.evaluate("() => document.activeElement.value") == "safeguarding_action":
            break
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    expect(chosen).to_be_checked()
    tab_to(page, 'textarea[name="note"]')
    page.keyboard.type(NOTE)
    tab_to(page, "main form button")
    page.keyboard.press("Enter")

    expect(page.locator(".govuk-notification-banner")).to_contain_text(CLOSED_MESSAGE)
    closed = page.locator("#review-closed")
    expect(closed).to_contain_text(OUTCOME)
    expect(closed).to_contain_text(NOTE)
    expect(closed).to_contain_text(SUPERVISOR.full_name)
    expect(page.locator("main form")).to_have_count(0)
    assert_accessible(page)

    # No longer in the queue.
    tab_to(page, 'header a[href="/feedback/urgent/"]')
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text(URGENT_TITLE)
    expect(page.locator(row)).to_have_count(0)
    assert_accessible(page)


def test_a_supervisor_reads_the_scores_and_records_a_commendation(page: Page, feedback: dict):
    sign_in(page, SUPERVISOR.email)

    nav_link(page, "Feedback scores").click()
    expect(page.locator("h1")).to_have_text(SCORES_TITLE)
    officers = page.locator("#officers tbody tr")
    colleague = officers.filter(has_text=feedback["colleague"])
    expect(colleague).to_have_count(1)
    expect(colleague).to_contain_text(NOT_ENOUGH)
    olivia = officers.filter(has_text=OFFICER.full_name)
    expect(olivia).to_have_count(1)
    expect(olivia).not_to_contain_text(NOT_ENOUGH)
    assert_no_comments(page)
    assert_accessible(page)

    nav_link(page, "Recognition").click()
    expect(page.locator("h1")).to_have_text(RECOGNITION_TITLE)
    recognised = page.locator("#recognised tbody tr")
    expect(recognised.filter(has_text=feedback["colleague"])).to_have_count(0)
    expect(recognised.filter(has_text=OFFICER.full_name)).to_contain_text("Never")
    assert_no_comments(page)
    assert_accessible(page)

    page.get_by_role("link", name=f"Commend {OFFICER.full_name}").click()
    expect(page.locator("h1")).to_have_text("Record a commendation")
    expect(page.locator(".govuk-caption-l")).to_contain_text(OFFICER.full_name)
    assert_accessible(page)

    page.get_by_role("button", name="Record commendation").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text(REASON_REQUIRED)
    assert page.title().startswith("Error: ")
    assert_accessible(page)

    page.get_by_label("Why are you commending this officer?").fill(REASON)
    page.get_by_role("button", name="Record commendation").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(COMMENDED)
    expect(page.locator("h1")).to_have_text(RECOGNITION_TITLE)
    today = dt.datetime.now(LONDON).strftime("%-d %B %Y")
    expect(recognised.filter(has_text=OFFICER.full_name)).to_contain_text(today)
    assert_accessible(page)


def test_the_officer_sees_their_own_feedback_and_card(page: Page, feedback: dict):
    sign_in(page, OFFICER.email)

    nav_link(page, "Your feedback").click()
    expect(page.locator("h1")).to_have_text(MINE_TITLE)
    responses = GOOD_RATINGS + 1
    expect(page.locator(".govuk-summary-list")).to_contain_text(re.compile(r"Responses\s*\d+"))
    expect(page.locator("#distribution")).to_contain_text("5 – Very satisfied")
    month = dt.datetime.now(LONDON).strftime("%B %Y")
    this_month = page.locator("#trend tbody tr").filter(has_text=month)
    expect(this_month).to_have_count(1)
    count = int(this_month.locator("td").first.inner_text())
    assert count >= responses, (count, responses)
    assert_no_comments(page)
    assert_accessible(page)

    page.goto("/feedback/card/")
    expect(page.locator("h1")).to_have_text("Your feedback card")
    expect(page.locator(".vc-feedback-qr svg")).to_be_visible()
    expect(page.locator(".vc-feedback-url")).to_contain_text("/f/c/")
    assert_accessible(page)

    page.get_by_role("link", name="Print this card").click()
    expect(page.locator("h1")).to_have_text("How did we do?")
    expect(page.locator(".vc-feedback-qr svg")).to_be_visible()
    expect(page.locator(".vc-feedback-url")).to_contain_text("/f/c/")
    assert OFFICER.full_name not in (page.locator(".vc-feedback-card").inner_text())
    assert_accessible(page)


def test_the_desk_reads_urgent_feedback_but_not_the_scores(page: Page, feedback: dict):
    review_id = feedback["urgent"][1]
    row = page.locator(f'tr[data-review-id="{review_id}"]')
    sign_in(page, DESK.email)

    expect(nav_link(page, "Feedback scores")).to_have_count(0)
    nav_link(page, "Urgent feedback").click()
    expect(page.locator("h1")).to_have_text(URGENT_TITLE)
    expect(row).to_contain_text(feedback["colleague"])
    assert_no_comments(page)
    assert_accessible(page)

    row.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/feedback/review/{review_id}/$"))
    expect(page.locator("#could-be-better")).to_have_text(URGENT_COMMENT)
    expect(page.locator("#could-be-better b")).to_have_count(0)
    assert_accessible(page)

    for path in ("/feedback/scores/", "/feedback/recognition/"):
        response = page.goto(path)
        assert response is not None and response.status == 404, path
        assert_accessible(page)
