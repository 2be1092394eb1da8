"""Partner feeds in a real browser: the demo's oversight analyst (MOPAC) opens
"Partner feeds" from the navigation, finds a quiet court feed among healthy
ones, and opens its page with the outage and the number of cases flagged.
Every page passes axe-core (zero WCAG 2.2 AA violations). The feeds are made
in the server's database by a `manage shell` run. (Who may see which feeds is
tested in tests/integrations/test_feeds_pages.py.)"""

from __future__ import annotations

import json
import uuid

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from victimcare.accounts.constants import Role
from victimcare.demo.catalogue import demo_catalogue

from .conftest import VICTIMCARE, _run, _server_env
from .support import Server, assert_accessible
from .test_cases import sign_in
from .test_desk_pages import tab_to

pytestmark = pytest.mark.browser

OVERSIGHT_ANALYST = next(
    s
    for s in demo_catalogue(name=settings.REFERENCE_DATA).sign_ins
    if s.role == Role.ANALYST and s.organisation == "mopac"
)

_MAKE_FEEDS = """
import datetime as dt, json
from django.utils import timezone
from victimcare.accounts.constants import OrganisationKind
from victimcare.accounts.models import Organisation
from victimcare.integrations.models import Feed, FeedOutage
now = timezone.now()
court = Organisation.objects.filter(kind=OrganisationKind.COURT).order_by("pk").first()
wcu = Organisation.objects.filter(kind=OrganisationKind.WITNESS_CARE_UNIT).order_by("pk").first()
quiet = Feed.objects.create(
    organisation=court, name="Court results __SUFFIX__", event_codes=["verdict", "sentenced"],
    created_at=now - dt.timedelta(days=30), last_received_at=now - dt.timedelta(days=12),
)
FeedOutage.objects.create(
    feed=quiet, silent_since=quiet.last_received_at,
    detected_at=now - dt.timedelta(days=8), cases_flagged=3,
)
Feed.objects.create(
    organisation=wcu, name="WCU case system __SUFFIX__", last_received_at=now,
    created_at=now - dt.timedelta(days=30),
)
print(json.dumps({"quiet": quiet.pk, "court": court.name}))
"""


@pytest.fixture(scope="module")
def feeds(server: Server) -> dict:
    suffix = uuid.uuid4().hex[:6]
    output = _run(
        [str(VICTIMCARE), "manage", "shell", "-c", _MAKE_FEEDS.replace("__SUFFIX__", suffix)],
        _server_env(server.var_dir),
        "Making partner feeds",
    )
    made = json.loads(output.strip().splitlines()[-1])
    made["suffix"] = suffix
    return made


def test_the_oversight_analyst_finds_a_quiet_feed_and_its_outage(page: Page, feeds: dict):
    suffix = feeds["suffix"]
    sign_in(page, OVERSIGHT_ANALYST.email)

    tab_to(page, page.locator('header a[href="/integrations/feeds/"]'))
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Partner feeds")
    table = page.locator("#feeds")
    quiet = table.get_by_role("row", name=f"Court results {suffix}")
    expect(quiet).to_contain_text("Silent since")
    expect(quiet).to_contain_text(feeds["court"])
    expect(quiet).to_contain_text("alert after 2 quiet working days")
    expect(table.get_by_role("row", name=f"WCU case system {suffix}")).to_contain_text("Healthy")
    assert_accessible(page)

    tab_to(page, page.get_by_role("link", name=f"Court results {suffix}"))
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text(f"Court results {suffix}")
    assert page.url.endswith(f"/integrations/feeds/{feeds['quiet']}/")
    expect(page.locator("#feed-summary")).to_contain_text("Verdict, Sentenced")
    outage = page.locator("#outages tbody tr")
    expect(outage).to_have_count(1)
    expect(outage).to_contain_text("3")
    expect(outage).to_contain_text("Still quiet")
    # Analysts look; only administrators change a feed.
    expect(page.get_by_role("link", name="Change")).to_have_count(0)
    assert_accessible(page)
