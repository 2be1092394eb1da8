"""Incremental sync of crimes and the support directory through the partner API.

The Central East response team's records system pages through the crimes it may
see, changed since its last sync; a Witness Care Unit's system sees only the
crimes shared with it; a support charity's system reads the directory."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from victimcare.accounts.models import Organisation, User
from victimcare.api.pagination import INVALID_CURSOR
from victimcare.api.permissions import SCOPE_MISSING
from victimcare.api.serializers_reads import (
    BOROUGH_UNKNOWN,
    MODIFIED_SINCE_INVALID,
    MODIFIED_SINCE_NO_OFFSET,
)
from victimcare.api.services import token_create
from victimcare.api.views_reads import DIRECTORY_NOT_ALLOWED
from victimcare.cases.models import Crime, Offence
from victimcare.cases.services import case_share, crime_create
from victimcare.referrals.constants import ServiceKind
from victimcare.referrals.models import SupportService

from .conftest import Token

CRIMES = "/api/v1/crimes/"
SERVICES = "/api/v1/support-services/"
MOMENT = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def small_pages(settings) -> int:  # type: ignore[no-untyped-def]
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "PAGE_SIZE": 2}
    return 2


def _token(org: Organisation, *scopes: str, role: str | None = None) -> Token:
    return Token(
        *token_create(organisation=org, name="reader system", scopes=list(scopes), role=role)
    )


def _all_pages(token: Token, url: str) -> tuple[list[dict[str, Any]], int]:
    """Every row of a list, following `next` to the end; and the number of pages."""
    rows: list[dict[str, Any]] = []
    pages = 0
    client = token.client()
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.json()
        body = response.json()
        rows.extend(body["results"])
        pages += 1
        url = body["next"]
    return rows, pages


def _error(response) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "validation_error"
    [error] = body["errors"]
    return error


@pytest.fixture
def make_crime(officer, police_token, areas):  # type: ignore[no-untyped-def]
    """Record a harassment crime through crime_create (by PC Olivia Officer unless
    `actor` is given), in the actor's BCU's borough, with a fresh Met-style CRN."""
    counter = iter(range(4400001, 4499999))

    def make(*, actor: User | None = None, **kwargs: Any) -> Crime:
        actor = actor or officer
        north = actor.organisation.parent == areas["north"].bcu
        return crime_create(
            actor=actor,
            crn=f"{next(counter)}/26",
            offence=Offence.objects.get(code="harassment"),
            occurred_at=timezone.now() - dt.timedelta(days=1),
            area=areas["north" if north else "central_east"],
            **kwargs,
        )

    return make


def _updated(crime: Crime, moment: dt.datetime) -> None:
    Crime.objects.filter(pk=crime.pk).update(updated_at=moment)


# --- crimes ---------------------------------------------------------------------------


@pytest.fixture
def mixed_crimes(make_crime, officer, other_officer, supervisor, orgs) -> dict[str, Crime]:  # type: ignore[no-untyped-def]
    """A crime of the Central East BCU, one of North, one restricted by its
    officer (Sgt Sam Supervisor's), and one of North shared with the WCU."""
    shared = make_crime(actor=other_officer)
    case_share(actor=other_officer, crime=shared, organisation=orgs["wcu"])
    return {
        "own_bcu": make_crime(),
        "other_bcu": make_crime(actor=other_officer),
        "restricted": make_crime(
            actor=supervisor, restricted_by_officer=True, restricted_reason="Witness at risk"
        ),
        "shared_with_wcu": shared,
    }


def test_a_police_system_sees_its_bcus_unrestricted_crimes_with_minimal_fields(
    police_token: Token, mixed_crimes: dict[str, Crime]
) -> None:
    rows, _ = _all_pages(police_token, CRIMES)

    assert [row["crn"] for row in rows] == [mixed_crimes["own_bcu"].crn]
    [row] = rows
    crime = mixed_crimes["own_bcu"]
    assert row == {
        "crn": crime.crn,
        "offence_group": crime.offence.group,
        "status": "open",
        "area": "E09000012",
        "restricted": False,
        "updated_at": row["updated_at"],
    }
    assert dt.datetime.fromisoformat(row["updated_at"]) == crime.updated_at


def test_a_wcu_system_sees_only_the_crimes_shared_with_it(
    wcu_token: Token, mixed_crimes: dict[str, Crime]
) -> None:
    rows, _ = _all_pages(wcu_token, CRIMES)

    assert [row["crn"] for row in rows] == [mixed_crimes["shared_with_wcu"].crn]


def test_a_restricted_crime_is_listed_only_for_a_system_that_may_see_it(
    orgs, police_token: Token, mixed_crimes: dict[str, Crime]
) -> None:  # type: ignore[no-untyped-def]
    # A supervisor's system sees the restricted case of the team it supervises.
    team_supervisor = _token(orgs["team"], "crimes:read", role="supervisor")

    rows, _ = _all_pages(team_supervisor, CRIMES)

    assert {row["crn"]: row["restricted"] for row in rows} == {
        mixed_crimes["own_bcu"].crn: False,
        mixed_crimes["restricted"].crn: True,
    }
    # The response team's own (officer) system does not, as in the UI.
    listed, _ = _all_pages(police_token, CRIMES)
    assert mixed_crimes["restricted"].crn not in {row["crn"] for row in listed}


def test_listing_crimes_needs_crimes_read(orgs, mixed_crimes: dict[str, Crime]) -> None:  # type: ignore[no-untyped-def]
    events_only = _token(orgs["wcu"], "events:read")

    response = events_only.client().get(CRIMES)

    assert response.status_code == 403
    assert response.json()["errors"][0]["detail"] == SCOPE_MISSING.format(scope="crimes:read")


def test_recording_a_crime_still_answers_on_the_same_route(police_token: Token) -> None:
    assert reverse("api:crime-create") == CRIMES
    reader = police_token.client()

    # The POST is the crime_create endpoint, whose body checks still apply.
    assert reader.post(CRIMES, {}, format="json").status_code == 400


def test_modified_since_lists_only_later_changes(
    police_token: Token, make_crime, small_pages: int
) -> None:  # type: ignore[no-untyped-def]
    old, at_the_moment, later = make_crime(), make_crime(), make_crime()
    _updated(old, MOMENT - dt.timedelta(seconds=1))
    _updated(at_the_moment, MOMENT)
    _updated(later, MOMENT + dt.timedelta(days=1))

    # London summer time offset, '+' percent-encoded as a client must send it.
    rows, _ = _all_pages(police_token, f"{CRIMES}?modified_since=2026-03-02T09%3A30%3A00%2B00%3A00")

    assert [row["crn"] for row in rows] == [at_the_moment.crn, later.crn]
    # 'Z', another offset, and an unencoded '+' (which arrives as a space) all work.
    for since in ("2026-03-02T09:30:00Z", "2026-03-02T10:30:00+01:00", "2026-03-02T09:30:00+00:00"):
        response = police_token.client().get(CRIMES, {"modified_since": since})
        assert [row["crn"] for row in response.json()["results"]] == [
            at_the_moment.crn,
            later.crn,
        ], since
    spaced = police_token.client().get(f"{CRIMES}?modified_since=2026-03-02T09:30:00+00:00")
    assert len(spaced.json()["results"]) == 2


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("yesterday", MODIFIED_SINCE_INVALID),
        ("2026-13-40T00:00:00Z", MODIFIED_SINCE_INVALID),
        ("2026-03-02", MODIFIED_SINCE_INVALID),
        ("2026-03-02T09:30:00", MODIFIED_SINCE_NO_OFFSET),
    ],
)
def test_a_bad_modified_since_is_a_400_naming_it(
    police_token: Token, value: str, message: str
) -> None:
    error = _error(police_token.client().get(CRIMES, {"modified_since": value}))

    assert error["attr"] == "modified_since"
    assert error["detail"] == message


def test_paging_gives_every_crime_once_even_when_they_share_a_time(
    police_token: Token, make_crime, small_pages: int
) -> None:  # type: ignore[no-untyped-def]
    crimes = [make_crime() for _ in range(5)]
    for crime in crimes:
        _updated(crime, MOMENT)
    earlier = make_crime()
    _updated(earlier, MOMENT - dt.timedelta(hours=1))

    rows, pages = _all_pages(police_token, CRIMES)

    assert pages == 3
    assert [row["crn"] for row in rows] == [earlier.crn] + [
        c.crn for c in sorted(crimes, key=lambda c: c.pk)
    ]


def test_a_crime_changed_while_paging_comes_at_the_end_not_twice_in_the_middle(
    police_token: Token, make_crime, small_pages: int
) -> None:  # type: ignore[no-untyped-def]
    first, second, third = make_crime(), make_crime(), make_crime()
    for offset, crime in enumerate((first, second, third)):
        _updated(crime, MOMENT + dt.timedelta(minutes=offset))
    client = police_token.client()
    page_one = client.get(CRIMES).json()
    assert [row["crn"] for row in page_one["results"]] == [first.crn, second.crn]

    _updated(first, timezone.now())
    page_two = client.get(page_one["next"]).json()

    assert [row["crn"] for row in page_two["results"]] == [third.crn, first.crn]
    assert page_two["next"] is None


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        # Forged: an id larger than any column holds; a moment with no UTC equivalent.
        base64.urlsafe_b64encode(f"{MOMENT.isoformat()}|{2**70}".encode()).decode(),
        base64.urlsafe_b64encode(b"0001-01-01T00:00:00+14:00|1").decode(),
    ],
)
def test_a_cursor_that_is_not_ours_is_refused(police_token: Token, cursor: str) -> None:
    response = police_token.client().get(CRIMES, {"cursor": cursor})

    assert response.status_code == 404
    assert response.json()["errors"][0]["detail"] == INVALID_CURSOR


def test_a_moment_with_no_utc_equivalent_is_a_400(police_token: Token) -> None:
    error = _error(
        police_token.client().get(CRIMES, {"modified_since": "0001-01-01T00:00:00+14:00"})
    )

    assert (error["attr"], error["detail"]) == ("modified_since", MODIFIED_SINCE_INVALID)


# --- the support directory ----------------------------------------------------------


@pytest.fixture
def directory(orgs, areas) -> dict[str, SupportService]:  # type: ignore[no-untyped-def]
    """An IDVA service in Hackney, general support in Hackney and Enfield, and a
    closed fraud service."""
    idva = SupportService.objects.create(
        organisation=orgs["charity"],
        name="Hackney IDVA service",
        kind=ServiceKind.IDVA,
        receive_by="api",
        advocates_in_post=3,
        caseload_each=20,
        open_cases=52,
        waiting_days=4,
        offence_groups=["violence_with_injury"],
        updated_at=MOMENT,
    )
    idva.boroughs.set([areas["central_east"]])
    general = SupportService.objects.create(
        organisation=orgs["charity"],
        name="General victim support",
        kind=ServiceKind.GENERAL,
        referral_email="referrals@example.org",
        updated_at=MOMENT + dt.timedelta(days=1),
    )
    general.boroughs.set([areas["central_east"], areas["north"]])
    fraud = SupportService.objects.create(
        organisation=orgs["charity"],
        name="Fraud helpline",
        kind=ServiceKind.FRAUD,
        active=False,
        updated_at=MOMENT - dt.timedelta(days=1),
    )
    fraud.boroughs.set([areas["north"]])
    return {"idva": idva, "general": general, "fraud": fraud}


@pytest.fixture
def charity_token(orgs) -> Token:  # type: ignore[no-untyped-def]
    """Example Victim Support's case management system."""
    return _token(orgs["charity"], "directory:read")


def test_a_charity_system_reads_the_whole_directory_with_capacity(
    charity_token: Token, directory: dict[str, SupportService]
) -> None:
    rows, _ = _all_pages(charity_token, SERVICES)

    assert [row["name"] for row in rows] == [
        "Fraud helpline",
        "Hackney IDVA service",
        "General victim support",
    ]
    idva = rows[1]
    assert idva["organisation"] == "support-1"
    assert idva["kind"] == "idva"
    assert idva["boroughs"] == ["E09000012"]
    assert idva["receive_by"] == "api"
    assert (idva["capacity"], idva["open_cases"], idva["waiting_days"]) == (60, 52, 4)
    assert rows[2]["boroughs"] == ["E09000010", "E09000012"]
    assert rows[0]["active"] is False
    # The secure mailbox and who last edited a service are not the partner's to read.
    assert "referrals@example.org" not in str(rows)
    assert "updated_by" not in idva


def test_the_directory_filters_by_borough_kind_and_time(
    charity_token: Token, directory: dict[str, SupportService]
) -> None:
    client = charity_token.client()

    def names(**query: str) -> list[str]:
        response = client.get(SERVICES, query)
        assert response.status_code == 200, response.json()
        return [row["name"] for row in response.json()["results"]]

    assert names(borough="E09000010") == ["Fraud helpline", "General victim support"]
    assert names(kind="idva") == ["Hackney IDVA service"]
    assert names(borough="E09000012", kind="general") == ["General victim support"]
    assert names(modified_since="2026-03-02T09:30:00Z") == [
        "Hackney IDVA service",
        "General victim support",
    ]


def test_a_bad_directory_filter_is_a_400_naming_it(
    charity_token: Token, directory: dict[str, SupportService]
) -> None:
    client = charity_token.client()

    borough = _error(client.get(SERVICES, {"borough": "E09999999"}))
    kind = _error(client.get(SERVICES, {"kind": "astrology"}))
    since = _error(client.get(SERVICES, {"modified_since": "last week"}))

    assert (borough["attr"], borough["detail"]) == ("borough", BOROUGH_UNKNOWN)
    assert kind["attr"] == "kind"
    assert since["attr"] == "modified_since"


def test_the_directory_pages_without_gaps(
    charity_token: Token, directory: dict[str, SupportService], small_pages: int
) -> None:
    SupportService.objects.update(updated_at=MOMENT)

    rows, pages = _all_pages(charity_token, SERVICES)

    assert pages == 2
    assert sorted(row["id"] for row in rows) == sorted(s.pk for s in directory.values())
    assert len({row["id"] for row in rows}) == 3


def test_a_police_system_may_not_read_the_directory(
    police_token: Token, directory: dict[str, SupportService]
) -> None:
    response = police_token.client().get(SERVICES)

    assert response.status_code == 403
    assert response.json()["errors"][0]["detail"] == DIRECTORY_NOT_ALLOWED


def test_reading_the_directory_needs_directory_read(
    orgs, directory: dict[str, SupportService]
) -> None:  # type: ignore[no-untyped-def]
    without = _token(orgs["charity"], "referrals:read")

    response = without.client().get(SERVICES)

    assert response.status_code == 403
    assert response.json()["errors"][0]["detail"] == SCOPE_MISSING.format(scope="directory:read")
