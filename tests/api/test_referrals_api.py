# ruff: noqa: F811  (pytest fixtures imported from tests/referrals/conftest.py)
"""The referrals endpoints of the partner API: a support charity's system reads
the referrals made to it, moves them on and reports data problems, under the
inbox's rules."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from victimcare.api.concurrency import PRECONDITION_FAILED, PRECONDITION_REQUIRED
from victimcare.api.constants import ALL_SCOPES
from victimcare.api.services import token_create
from victimcare.api.views_referrals import REFERRALS_NOT_ALLOWED
from victimcare.cases.models import Offence
from victimcare.cases.reference import offences_load
from victimcare.core.models import AuditEvent
from victimcare.messaging.constants import TaskKind
from victimcare.messaging.models import ContactTask
from victimcare.referrals.constants import ProblemKind, ReferralState
from victimcare.referrals.inbox import DECLINE_REASON_REQUIRED
from victimcare.referrals.models import DataProblem, Referral

from ..referrals.conftest import (  # noqa: F401
    REFERRED_NAME,
    REFERRED_PHONE,
    make_referral,
    make_service,
    other_charity,
)
from .conftest import Token

pytestmark = pytest.mark.django_db


@pytest.fixture
def offences(db) -> dict[str, Offence]:  # type: ignore[no-untyped-def]
    """The root conftest's (tests/api/conftest.py replaces it with one returning None,
    which make_crime cannot use)."""
    offences_load(name=settings.OFFENCE_LIST)
    return {o.code: o for o in Offence.objects.all()}


@pytest.fixture
def charity_token(orgs) -> Token:  # type: ignore[no-untyped-def]
    return Token(*token_create(organisation=orgs["charity"], name="charity cms", scopes=ALL_SCOPES))


@pytest.fixture
def other_charity_token(other_charity) -> Token:  # type: ignore[no-untyped-def]  # noqa: F811
    return Token(*token_create(organisation=other_charity, name="other cms", scopes=ALL_SCOPES))


def _token(org, scopes) -> Token:  # type: ignore[no-untyped-def]
    return Token(*token_create(organisation=org, name="limited", scopes=scopes))


def _errors(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [error["detail"] for error in response.json()["errors"]]


def test_the_list_has_the_organisations_referrals_without_personal_data(
    charity_token,
    other_charity_token,
    make_referral,
    make_service,
    other_charity,  # noqa: F811
) -> None:
    mine = make_referral()
    make_referral(service=make_service(organisation=other_charity, name="Other service"))
    response = charity_token.client().get("/api/v1/referrals/")
    assert response.status_code == 200
    body = response.json()
    assert [row["id"] for row in body["results"]] == [mine.pk]
    assert body["results"][0]["state"] == "sent"
    assert body["results"][0]["service"] == mine.service.name
    assert REFERRED_NAME not in response.content.decode()
    assert body["next"] is None


def test_the_list_pages_and_syncs_by_state_changed_at(charity_token, make_referral) -> None:  # noqa: F811
    first, second, third = (make_referral() for _ in range(3))
    old = timezone.now() - dt.timedelta(days=2)
    Referral.objects.filter(pk=first.pk).update(state_changed_at=old)
    Referral.objects.filter(pk__in=[second.pk, third.pk]).update(state_changed_at=timezone.now())
    client = charity_token.client()
    from django.conf import settings

    with override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "PAGE_SIZE": 2}):
        page = client.get("/api/v1/referrals/").json()
        assert [row["id"] for row in page["results"]] == [first.pk, second.pk]
        rest = client.get(page["next"]).json()
    assert [row["id"] for row in rest["results"]] == [third.pk]
    since = (old + dt.timedelta(days=1)).isoformat().replace("+00:00", "Z")
    synced = client.get("/api/v1/referrals/", {"modified_since": since}).json()
    assert [row["id"] for row in synced["results"]] == [second.pk, third.pk]


def test_a_police_token_may_not_read_referrals(orgs, make_referral) -> None:  # noqa: F811
    make_referral()
    police = _token(orgs["team"], ALL_SCOPES)
    response = police.client().get("/api/v1/referrals/")
    assert response.status_code == 403
    assert _errors(response) == [REFERRALS_NOT_ALLOWED]


@pytest.mark.parametrize(
    ("method", "suffix", "scope"),
    [
        ("get", "", "referrals:read"),
        ("get", "1/", "referrals:read"),
        ("patch", "1/", "referrals:write"),
        ("post", "1/problems/", "referrals:write"),
    ],
)
def test_each_endpoint_needs_its_scope(orgs, method, suffix, scope) -> None:  # type: ignore[no-untyped-def]
    token = _token(orgs["charity"], [s for s in ALL_SCOPES if s != scope])
    response = getattr(token.client(), method)(f"/api/v1/referrals/{suffix}", {}, format="json")
    assert response.status_code == 403
    assert scope in _errors(response)[0]


def test_the_detail_shares_the_snapshot_with_an_etag_and_is_audited(
    charity_token,
    make_referral,  # noqa: F811
) -> None:
    referral = make_referral()
    response = charity_token.client().get(f"/api/v1/referrals/{referral.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["snapshot"]["full_name"] == REFERRED_NAME
    assert body["next_states"] == ["accepted", "declined", "withdrawn"]
    assert response["ETag"].startswith(f'"{referral.pk}-sent-1-')
    entry = AuditEvent.objects.filter(
        object_type="referrals.referral", object_id=str(referral.pk)
    ).get()
    assert entry.subject_id == str(referral.victim_id)
    assert entry.detail["page"] == "referrals.inbox"
    assert REFERRED_PHONE not in str(entry.detail)


def test_another_organisations_referral_is_404_everywhere(
    other_charity_token,
    make_referral,  # noqa: F811
) -> None:
    referral = make_referral()
    client = other_charity_token.client()
    url = f"/api/v1/referrals/{referral.pk}/"
    assert client.get(url).status_code == 404
    patch = client.patch(url, {"state": "accepted"}, format="json", HTTP_IF_MATCH="*")
    assert patch.status_code == 404
    problem = client.post(url + "problems/", {"kind": "other", "description": "x"}, format="json")
    assert problem.status_code == 404
    referral.refresh_from_db()
    assert referral.state == ReferralState.SENT
    assert not DataProblem.objects.exists()


def test_patch_needs_if_match_and_moves_the_referral(charity_token, make_referral) -> None:  # noqa: F811
    referral = make_referral()
    client = charity_token.client()
    url = f"/api/v1/referrals/{referral.pk}/"
    missing = client.patch(url, {"state": "accepted"}, format="json")
    assert missing.status_code == 428
    assert _errors(missing) == [PRECONDITION_REQUIRED]
    current = client.get(url)["ETag"]
    stale = client.patch(url, {"state": "accepted"}, format="json", HTTP_IF_MATCH='"0-sent"')
    assert stale.status_code == 412
    assert _errors(stale) == [PRECONDITION_FAILED]
    assert stale["ETag"] == current
    referral.refresh_from_db()
    assert referral.state == ReferralState.SENT
    moved = client.patch(
        url, {"state": "accepted"}, format="json", HTTP_IF_MATCH=current, HTTP_IDEMPOTENCY_KEY="k1"
    )
    assert moved.status_code == 200
    assert moved.json()["state"] == "accepted"
    assert moved["ETag"] != current
    referral.refresh_from_db()
    assert referral.state == ReferralState.ACCEPTED
    assert referral.status_events.filter(to_state=ReferralState.ACCEPTED).count() == 1
    again = client.patch(
        url, {"state": "accepted"}, format="json", HTTP_IF_MATCH=current, HTTP_IDEMPOTENCY_KEY="k1"
    )
    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == moved.json()
    assert referral.status_events.filter(to_state=ReferralState.ACCEPTED).count() == 1


def test_bad_moves_get_the_services_messages(charity_token, make_referral) -> None:  # noqa: F811
    referral = make_referral()
    client = charity_token.client()
    url = f"/api/v1/referrals/{referral.pk}/"
    current = client.get(url)["ETag"]
    decline = client.patch(url, {"state": "declined"}, format="json", HTTP_IF_MATCH=current)
    assert decline.status_code == 400
    assert decline.json()["errors"][0]["attr"] == "reason"
    assert _errors(decline) == [DECLINE_REASON_REQUIRED]
    closed = client.patch(url, {"state": "closed"}, format="json", HTTP_IF_MATCH=current)
    assert closed.status_code == 400
    assert closed.json()["errors"][0]["attr"] == "state"
    assert "cannot be marked as closed now: it is sent" in _errors(closed)[0]
    referral.refresh_from_db()
    assert referral.state == ReferralState.SENT


def test_a_problem_report_makes_the_problem_and_the_officers_task(
    charity_token,
    make_referral,  # noqa: F811
) -> None:
    referral = make_referral()
    client = charity_token.client()
    url = f"/api/v1/referrals/{referral.pk}/problems/"
    body = {"kind": ProblemKind.WRONG_PHONE, "description": "The number does not connect."}
    response = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="p1")
    assert response.status_code == 201
    problem = DataProblem.objects.get()
    assert response.json()["id"] == problem.pk
    assert problem.referral == referral
    assert problem.description == "The number does not connect."
    task = ContactTask.objects.get(pk=problem.task_id)
    assert task.kind == TaskKind.REFERRAL_DATA_PROBLEM
    assert task.assignee_id == referral.crime.oic_id
    retry = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="p1")
    assert retry.status_code == 201
    assert retry.json() == response.json()
    assert DataProblem.objects.count() == 1


def test_a_problem_needs_a_kind_and_a_description(charity_token, make_referral) -> None:  # noqa: F811
    from victimcare.referrals.inbox import PROBLEM_DESCRIPTION_REQUIRED, PROBLEM_KIND_REQUIRED

    referral = make_referral()
    response = charity_token.client().post(
        f"/api/v1/referrals/{referral.pk}/problems/", {"description": " "}, format="json"
    )
    assert response.status_code == 400
    assert sorted(_errors(response)) == sorted(
        [PROBLEM_KIND_REQUIRED, PROBLEM_DESCRIPTION_REQUIRED]
    )
    assert not DataProblem.objects.exists()


def test_a_state_that_does_not_exist_is_refused_naming_the_states(
    charity_token,
    make_referral,  # noqa: F811
) -> None:
    from victimcare.api.serializers_referrals import STATE_INVALID

    referral = make_referral()
    client = charity_token.client()
    url = f"/api/v1/referrals/{referral.pk}/"
    current = client.get(url)["ETag"]

    response = client.patch(url, {"state": "finished"}, format="json", HTTP_IF_MATCH=current)

    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["attr"], error["code"], error["detail"]) == (
        "state",
        "invalid_choice",
        STATE_INVALID,
    )
    referral.refresh_from_db()
    assert referral.state == ReferralState.SENT


def test_a_problem_of_a_kind_that_does_not_exist_is_refused_naming_the_kinds(
    charity_token,
    make_referral,  # noqa: F811
) -> None:
    from victimcare.api.serializers_referrals import KIND_INVALID

    referral = make_referral()
    response = charity_token.client().post(
        f"/api/v1/referrals/{referral.pk}/problems/",
        {"kind": "wrong_shoe_size", "description": "The number does not connect."},
        format="json",
    )

    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["attr"], error["code"], error["detail"]) == (
        "kind",
        "invalid_choice",
        KIND_INVALID,
    )
    assert not DataProblem.objects.exists()


def test_the_schema_names_the_referral_enums() -> None:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]

    assert components["ReferralStateEnum"]["enum"] == ReferralState.values
    assert components["ReferralProblemKindEnum"]["enum"] == ProblemKind.values
    detail = components["ReferralDetail"]["properties"]
    assert detail["state"]["$ref"].endswith("/ReferralStateEnum")
    assert detail["next_states"]["items"]["$ref"].endswith("/ReferralStateEnum")
    problem = components["DataProblem"]["properties"]
    assert problem["kind"]["$ref"].endswith("/ReferralProblemKindEnum")
    assert problem["state"]["$ref"].endswith("/ReferralProblemStateEnum")
