"""Partner feed pages and the `victimcare feeds` command: who sees which feeds,
who may add or change them, bad input, and the status shown in words."""

from __future__ import annotations

import datetime as dt
import html
import re
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from victimcare.accounts.constants import Role
from victimcare.accounts.models import User
from victimcare.cases.constants import EventCode
from victimcare.core.constants import AuditAction
from victimcare.core.models import AuditEvent
from victimcare.duties.calendar import LONDON
from victimcare.integrations.constants import Rhythm
from victimcare.integrations.feeds_admin import (
    NAME_MISSING,
    NAME_TAKEN,
    ORGANISATION_INVALID,
    RHYTHM_INVALID,
    TOLERANCE_INVALID,
)
from victimcare.integrations.management.commands.feeds import NOTHING_SILENT
from victimcare.integrations.models import Feed, FeedOutage
from victimcare.integrations.views_feeds import FEED_ADDED, FEED_CHANGED

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

LIST = "/integrations/feeds/"
NEW = "/integrations/feeds/new/"


def london(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LONDON)


def signed_in(user: User) -> Client:
    """A client signed in as `user` (second factor waived as for demo accounts)."""
    User.objects.filter(pk=user.pk).update(otp_exempt=True)
    user.refresh_from_db()
    client = Client()
    client.force_login(user)
    return client


def text(response: Any) -> str:
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(body))


def person(org, role: str, email: str) -> User:  # type: ignore[no-untyped-def]
    return UserFactory(organisation=org, role=role, email=email)


@pytest.fixture
def feeds(orgs) -> dict[str, Feed]:  # type: ignore[no-untyped-def]
    with time_machine.travel(london(2026, 5, 4, 9, 0), tick=False):
        court = Feed.objects.create(
            organisation=orgs["court"],
            name="Court results",
            event_codes=[EventCode.VERDICT, EventCode.SENTENCED],
            last_received_at=london(2026, 5, 11, 10, 0),
        )
        wcu = Feed.objects.create(organisation=orgs["wcu"], name="WCU case system")
    FeedOutage.objects.create(
        feed=wcu,
        silent_since=wcu.created_at,
        detected_at=london(2026, 5, 7, 0, 0),
        cases_flagged=7,
    )
    return {"court": court, "wcu": wcu}


def test_the_urls_are_named() -> None:
    assert reverse("integrations:feeds") == LIST
    assert reverse("integrations:feed-new") == NEW
    assert reverse("integrations:feed-detail", args=[3]) == "/integrations/feeds/3/"
    assert reverse("integrations:feed-edit", args=[3]) == "/integrations/feeds/3/edit/"


def test_an_oversight_analyst_sees_every_feed_with_its_status_in_words(analyst, feeds):
    with time_machine.travel(london(2026, 5, 12, 12, 0), tick=False):
        response = signed_in(analyst).get(LIST)
    assert response.status_code == 200
    page = text(response)
    assert "Court results Example Magistrates' Court Healthy" in page
    assert "WCU case system East London WCU Silent since Mon 4 May 2026 at 09:00" in page
    assert "Something every working day; alert after 2 quiet working days" in page
    assert "Mon 11 May 2026 at 10:00" in page
    assert "Add a feed" not in page  # analysts look, administrators change


def test_a_feed_never_heard_within_its_rhythm_says_so(analyst, orgs):
    with time_machine.travel(london(2026, 5, 11, 9, 0), tick=False):
        Feed.objects.create(organisation=orgs["cps"], name="CPS decisions", rhythm=Rhythm.WEEK)
        assert "CPS decisions CPS London North Never heard" in text(signed_in(analyst).get(LIST))


def test_the_detail_page_shows_outages_and_cases_flagged(analyst, feeds):
    with time_machine.travel(london(2026, 5, 12, 12, 0), tick=False):
        response = signed_in(analyst).get(f"{LIST}{feeds['wcu'].pk}/")
    assert response.status_code == 200
    page = text(response)
    assert "Quiet since Noticed Cases flagged Heard again" in page
    assert "Mon 4 May 2026 at 09:00 Thu 7 May 2026 at 00:00 7 Still quiet" in page
    assert "Any event the organisation records" in page
    court = text(signed_in(analyst).get(f"{LIST}{feeds['court'].pk}/"))
    assert "Verdict, Sentenced" in court
    assert "This feed has not gone quiet." in court


def test_partners_see_only_their_own_feeds(orgs, feeds, witness_care_officer):
    court_clerk = person(orgs["court"], Role.PARTNER_CASEWORKER, "cora.court@example.org")
    wcu_supervisor = person(orgs["wcu"], Role.SUPERVISOR, "wanda.wcu@example.org")

    page = text(signed_in(wcu_supervisor).get(LIST))
    assert "WCU case system" in page
    assert "Court results" not in page
    assert signed_in(wcu_supervisor).get(f"{LIST}{feeds['court'].pk}/").status_code == 404
    assert signed_in(wcu_supervisor).get(f"{LIST}{feeds['wcu'].pk}/").status_code == 200

    # A court has no supervisors: its caseworkers look after its feeds.
    page = text(signed_in(court_clerk).get(LIST))
    assert "Court results" in page
    assert "WCU case system" not in page
    assert signed_in(court_clerk).get(f"{LIST}{feeds['wcu'].pk}/").status_code == 404
    # A WCU caseworker has a supervisor to do it.
    assert signed_in(witness_care_officer).get(LIST).status_code == 404


@pytest.mark.parametrize(
    "persona", ["officer", "supervisor", "desk_agent", "probation_officer", "support_caseworker"]
)
def test_everyone_else_gets_404(request, persona, feeds):
    client = signed_in(request.getfixturevalue(persona))
    for url in (LIST, NEW, f"{LIST}{feeds['court'].pk}/", f"{LIST}{feeds['court'].pk}/edit/"):
        assert client.get(url).status_code == 404, url


def test_only_force_and_oversight_administrators_may_add_or_change_feeds(
    orgs, feeds, analyst, administrator
):
    oversight_admin = person(orgs["oversight"], Role.ADMINISTRATOR, "otto.oversight@example.org")
    for user in (administrator, oversight_admin):
        assert signed_in(user).get(NEW).status_code == 200
        assert signed_in(user).get(f"{LIST}{feeds['court'].pk}/edit/").status_code == 200
    assert signed_in(analyst).get(NEW).status_code == 404
    assert signed_in(analyst).post(NEW, {"name": "x"}).status_code == 404
    assert signed_in(analyst).get(f"{LIST}{feeds['court'].pk}/edit/").status_code == 404


def _form(orgs, **overrides: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    data: dict[str, Any] = {
        "organisation": str(orgs["probation"].pk),
        "name": "Probation case system",
        "event_codes": [EventCode.VCS_REFERRAL_RECEIVED, EventCode.OFFENDER_RELEASED],
        "rhythm": Rhythm.WEEK,
        "tolerance": "1",
    }
    data.update(overrides)
    return data


def test_an_administrator_adds_a_feed(orgs, administrator):
    response = signed_in(administrator).post(NEW, _form(orgs), follow=True)
    feed = Feed.objects.get()
    assert response.redirect_chain[-1][0] == f"{LIST}{feed.pk}/"
    assert FEED_ADDED in text(response)
    assert feed.organisation == orgs["probation"]
    assert feed.event_codes == [EventCode.VCS_REFERRAL_RECEIVED, EventCode.OFFENDER_RELEASED]
    assert (feed.rhythm, feed.tolerance, feed.last_received_at) == (Rhythm.WEEK, 1, None)
    entry = AuditEvent.objects.get(object_type="integrations.feed")
    assert (entry.action, entry.actor_id, entry.object_id) == (
        AuditAction.CREATE,
        administrator.pk,
        str(feed.pk),
    )


def test_an_administrator_changes_a_feed(orgs, feeds, administrator):
    url = f"{LIST}{feeds['court'].pk}/edit/"
    form = text(signed_in(administrator).get(url))
    assert "Court results" in form
    response = signed_in(administrator).post(
        url,
        _form(orgs, organisation=str(orgs["court"].pk), name="Crown Court results"),
        follow=True,
    )
    assert FEED_CHANGED in text(response)
    feed = Feed.objects.get(pk=feeds["court"].pk)
    assert (feed.name, feed.rhythm, feed.organisation_id) == (
        "Crown Court results",
        Rhythm.WEEK,
        orgs["court"].pk,
    )
    assert AuditEvent.objects.filter(
        object_type="integrations.feed", action=AuditAction.CHANGE
    ).exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"organisation": ""}, "organisation", ORGANISATION_INVALID),
        ({"organisation": "999999"}, "organisation", ORGANISATION_INVALID),
        ({"name": "  "}, "name", NAME_MISSING),
        ({"rhythm": "hourly"}, "rhythm", RHYTHM_INVALID),
        ({"tolerance": "0"}, "tolerance", TOLERANCE_INVALID),
        ({"tolerance": "two"}, "tolerance", TOLERANCE_INVALID),
        ({"tolerance": "31"}, "tolerance", TOLERANCE_INVALID),
        ({"event_codes": ["not_an_event"]}, "event_codes", "Select only events from the list"),
    ],
)
def test_bad_input_shows_the_error_summary_and_saves_nothing(
    orgs, administrator, overrides, field, message
):
    response = signed_in(administrator).post(NEW, _form(orgs, **overrides))
    assert response.status_code == 400
    page = text(response)
    assert "There is a problem" in page
    assert response.content.decode().count(html.escape(message)) >= 2  # summary and field
    # Radios and checkboxes are linked by their first item's id (the field's name).
    anchor = field if field in ("rhythm", "event_codes") else f"id_{field}"
    assert f'href="#{anchor}"' in response.content.decode()
    assert f'id="{anchor}"' in response.content.decode()
    assert not Feed.objects.exists()
    assert not AuditEvent.objects.filter(object_type="integrations.feed").exists()


def test_a_police_organisation_cannot_have_a_feed(orgs, administrator):
    response = signed_in(administrator).post(NEW, _form(orgs, organisation=str(orgs["team"].pk)))
    assert response.status_code == 400
    assert ORGANISATION_INVALID in text(response)
    assert not Feed.objects.exists()


def test_a_second_feed_with_the_same_name_is_refused_and_nothing_changes(
    orgs, feeds, administrator
):
    response = signed_in(administrator).post(
        f"{LIST}{feeds['wcu'].pk}/edit/",
        _form(orgs, organisation=str(orgs["court"].pk), name="court results"),
    )
    assert response.status_code == 400
    assert NAME_TAKEN in text(response)
    assert Feed.objects.get(pk=feeds["wcu"].pk).name == "WCU case system"


def test_the_command_lists_feeds_and_runs_the_sweep(feeds, orgs):
    out = StringIO()
    with time_machine.travel(london(2026, 5, 12, 12, 0), tick=False):
        call_command("feeds", "list", stdout=out)
    listing = out.getvalue()
    assert "Court results\tHealthy" in listing
    assert "WCU case system\tSilent since Mon 4 May 2026 at 09:00" in listing

    out = StringIO()
    with time_machine.travel(london(2026, 5, 12, 12, 0), tick=False):
        call_command("feeds", "check", stdout=out)
    # The WCU feed already has an open outage; the court feed is fine.
    assert out.getvalue().strip() == NOTHING_SILENT

    out = StringIO()
    with time_machine.travel(london(2026, 5, 14, 0, 0), tick=False):
        call_command("feeds", "check", stdout=out)
    assert out.getvalue().startswith(f"Feed {feeds['court'].pk} (Court results): quiet since")
    assert FeedOutage.objects.filter(feed=feeds["court"], resolved_at__isnull=True).exists()
