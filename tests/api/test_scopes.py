"""Scopes: a court's system may record and read events but not record crimes; a
token refused for a scope gets a 403 naming it, in the standardized format;
an endpoint that does not declare a scope for a method refuses every token."""

from __future__ import annotations

import pytest
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from victimcare.accounts.models import Organisation
from victimcare.api.permissions import (
    NOT_FOR_TOKENS,
    PUBLIC,
    SCOPE_MISSING,
    SCOPES_MISSING,
    scopes_needed,
)
from victimcare.api.services import token_create
from victimcare.cases.models import Crime

from .conftest import CRN_IN_PATH, Token

CRIME = f"/api/v1/crimes/{CRN_IN_PATH}/"
MISSING_CRIME = "/api/v1/crimes/9999999%2F26/"


def _token(org: Organisation, *scopes: str) -> Token:
    return Token(*token_create(organisation=org, name="scoped system", scopes=list(scopes)))


def _refusal(response) -> dict[str, object]:  # type: ignore[no-untyped-def]
    assert response.status_code == 403
    body = response.json()
    assert body["type"] == "client_error"
    [error] = body["errors"]
    return error


def test_a_token_without_the_scope_is_refused_naming_it(orgs, crime: Crime) -> None:  # type: ignore[no-untyped-def]
    events_only = _token(orgs["wcu"], "events:read")

    response = events_only.client().get(CRIME)

    assert _refusal(response) == {
        "code": "permission_denied",
        "detail": SCOPE_MISSING.format(scope="crimes:read"),
        "attr": None,
    }
    # The same token reads the timeline, which is what its scope allows.
    assert events_only.client().get(f"{CRIME}timeline/").status_code == 200


def test_a_missing_scope_says_nothing_about_whether_the_crime_exists(orgs, crime: Crime) -> None:  # type: ignore[no-untyped-def]
    events_only = _token(orgs["wcu"], "events:read")

    existing = events_only.client().get(CRIME)
    missing = events_only.client().get(MISSING_CRIME)

    assert existing.status_code == missing.status_code == 403
    assert existing.json() == missing.json()


def test_a_court_system_records_events_but_not_crimes(orgs, police_token: Token) -> None:  # type: ignore[no-untyped-def]
    court = Token(*token_create(organisation=orgs["court"], name="court results feed"))

    response = court.client().post("/api/v1/crimes/", {}, format="json")

    assert _refusal(response)["detail"] == SCOPE_MISSING.format(scope="crimes:write")
    # With the scope, the request reaches the endpoint (and is refused for its body).
    assert police_token.client().post("/api/v1/crimes/", {}, format="json").status_code == 400


@pytest.mark.parametrize(
    ("path", "scope"),
    [
        ("", "crimes:read"),
        ("timeline/", "events:read"),
        ("needs/", "needs:read"),
        ("duties/", "duties:read"),
    ],
)
def test_each_read_needs_its_own_scope(orgs, crime: Crime, path: str, scope: str) -> None:  # type: ignore[no-untyped-def]
    without = _token(
        orgs["wcu"], *({"crimes:read", "events:read", "needs:read", "duties:read"} - {scope})
    )
    with_it = Token(*token_create(organisation=orgs["wcu"], name="reader", scopes=[scope]))

    assert _refusal(without.client().get(f"{CRIME}{path}"))["detail"] == SCOPE_MISSING.format(
        scope=scope
    )
    assert with_it.client().get(f"{CRIME}{path}").status_code == 200
    # HEAD needs what GET needs.
    assert without.client().head(f"{CRIME}{path}").status_code == 403


def test_recording_an_event_needs_events_write(orgs, crime: Crime) -> None:  # type: ignore[no-untyped-def]
    reader = _token(orgs["wcu"], "crimes:read", "events:read")

    response = reader.client().post(f"{CRIME}events/", {}, format="json")

    assert _refusal(response)["detail"] == SCOPE_MISSING.format(scope="events:write")


def test_a_method_the_endpoint_lacks_is_405_not_403(orgs, crime: Crime) -> None:  # type: ignore[no-untyped-def]
    reader = _token(orgs["wcu"], "crimes:read")

    assert reader.client().delete(CRIME).status_code == 405


def test_a_bad_token_is_still_401_before_any_scope(db, client) -> None:  # type: ignore[no-untyped-def]
    assert client.get(CRIME).status_code == 401


def test_the_schema_is_public_and_documents_the_403(db, client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/schema/")

    assert response.status_code == 200
    operation = response.json()["paths"]["/api/v1/crimes/{crn}/"]["get"]
    assert "403" in operation["responses"]


class _Undeclared(APIView):
    def get(self, request):  # type: ignore[no-untyped-def]
        return Response({"ok": True})


class _PartlyDeclared(APIView):
    required_scopes = {"GET": "crimes:read"}

    def get(self, request):  # type: ignore[no-untyped-def]
        return Response({"ok": True})

    def post(self, request):  # type: ignore[no-untyped-def]
        return Response({"ok": True})


class _BothNeeded(APIView):
    required_scopes = {"POST": ("events:write", "bulk:write")}

    def post(self, request):  # type: ignore[no-untyped-def]
        return Response({"ok": True})


class _Public(APIView):
    required_scopes = PUBLIC

    def get(self, request):  # type: ignore[no-untyped-def]
        return Response({"ok": True})


class _Typo(APIView):
    required_scopes = {"GET": "crime:read"}

    def get(self, request):  # type: ignore[no-untyped-def]
        return Response({"ok": True})


def _call(view: type[APIView], token: Token, method: str = "get") -> Response:
    request = getattr(APIRequestFactory(), method)("/x/", {}, format="json")
    force_authenticate(request, user=token.user, token=token.token)
    return view.as_view()(request)


def test_an_endpoint_is_closed_unless_it_names_a_scope(wcu_token: Token) -> None:
    # wcu_token holds every scope, yet an undeclared method is refused.
    undeclared = _call(_Undeclared, wcu_token)
    assert undeclared.status_code == 403
    assert undeclared.data["errors"][0]["detail"] == NOT_FOR_TOKENS
    assert _call(_PartlyDeclared, wcu_token).status_code == 200
    assert _call(_PartlyDeclared, wcu_token, "post").status_code == 403
    assert _call(_Public, wcu_token).status_code == 200


def test_several_scopes_are_all_needed(orgs) -> None:  # type: ignore[no-untyped-def]
    neither = _token(orgs["wcu"], "crimes:read")
    one = Token(*token_create(organisation=orgs["wcu"], name="one", scopes=["events:write"]))
    both = Token(
        *token_create(organisation=orgs["wcu"], name="both", scopes=["events:write", "bulk:write"])
    )

    assert _call(_BothNeeded, neither, "post").data["errors"][0]["detail"] == (
        SCOPES_MISSING.format(scopes="events:write and bulk:write")
    )
    assert _call(_BothNeeded, one, "post").data["errors"][0]["detail"] == (
        SCOPE_MISSING.format(scope="bulk:write")
    )
    assert _call(_BothNeeded, both, "post").status_code == 200


def test_a_misspelt_scope_in_a_view_fails_loudly(wcu_token: Token) -> None:
    # Neither open nor silently closed: a server error a developer notices at once.
    with pytest.raises(ValueError, match="crime:read"):
        scopes_needed(_Typo(), "GET")
    assert _call(_Typo, wcu_token).status_code == 500
