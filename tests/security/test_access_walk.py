"""The access-control walk (issue 11, item 3): every URL and every partner API
operation, as every role, against the policy table in tests/security/policy.py.

One world is built for the module (tests/security/world.py) inside a
transaction rolled back at the end; each (route, relationship, role) is one
test in its own savepoint. A page is asked for with GET; a POST-only view (405
to GET) gets an empty POST, which a permitted role answers with its form's
complaint (400) or a redirect and a refused role with 403/404 or the sign-in
page. API operations are called with each partner system's token (default
scopes) and an empty JSON body. Test ids name the route, the relationship and
the role only.

Deny by default: a route or operation with no row fails
`test_every_route_and_operation_has_a_row`, and its walk tests fail too.
"""

from __future__ import annotations

import types
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import clear_url_caches, include, path

from .policy import ANONYMOUS, API_POLICY, API_ROLES, POLICY, PUBLIC_PAGES, ROLES
from .walk import (
    ALLOWED,
    REFUSED,
    Operation,
    Route,
    api_operations,
    api_path,
    differences,
    expected,
    outcome,
    relationships,
    url_for,
    url_routes,
)
from .world import World, world_build

# The walk's answers do not depend on the database engine, and it is the longest
# module: it runs once, in the PostgreSQL phase, which runs beside the SQLite and
# browser phases and has time to spare (scripts/test.sh).
pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the access walk runs once, in the PostgreSQL phase",
)

ROUTES = url_routes()
OPERATIONS = api_operations()

URL_CASES = [
    pytest.param(route, relationship, role, id=f"{route.name}-{relationship}-{role}")
    for route in ROUTES
    for relationship in relationships(route.params)
    for role in ROLES
]
API_CASES = [
    pytest.param(operation, relationship, role, id=f"{operation.key}-{relationship}-{role}")
    for operation in OPERATIONS
    for relationship in relationships(operation.params)
    for role in API_ROLES
]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[World]:  # type: ignore[no-untyped-def]
    """The world, built once; everything it wrote is rolled back after the module."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield world_build()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture(scope="module")
def sessions(world: World, django_db_blocker) -> Iterator[dict[str, str]]:  # type: ignore[no-untyped-def]
    """A signed-in session key per staff persona (made once; a test that signs
    out deletes it only inside its own savepoint)."""
    keys = {}
    with django_db_blocker.unblock():
        for role in ROLES:
            if role == ANONYMOUS:
                continue
            client = Client()
            client.force_login(world.people[role])
            keys[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
    # Each test's savepoint rolls back the session's "last seen", so on a slow
    # machine a long walk would otherwise meet the idle timeout half-way through.
    with override_settings(IDLE_TIMEOUT_SECONDS=24 * 60 * 60):
        yield keys


def _client(sessions: dict[str, str], role: str) -> Client:
    client = Client(raise_request_exception=False)
    if role != ANONYMOUS:
        client.cookies[settings.SESSION_COOKIE_NAME] = sessions[role]
    return client


def _ask(client: Client, url: str) -> HttpResponse:
    response = client.get(url)
    if response.status_code == 405:
        # A POST-only view: an empty form (the test client skips the CSRF check
        # as a browser holding the token would pass it).
        response = client.post(url, {})
    return response


def _api_ask(world: World, operation: Operation, relationship: str, role: str) -> HttpResponse:
    client = Client(raise_request_exception=False)
    headers = {}
    if role != ANONYMOUS:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {world.api_tokens[role]}"
    body = "" if operation.method == "GET" else "{}"
    return client.generic(
        operation.method,
        api_path(world, operation, relationship),
        body,
        content_type="application/json",
        **headers,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "relationship", "role"), URL_CASES)
def test_url(
    world: World, sessions: dict[str, str], route: Route, relationship: str, role: str
) -> None:
    assert route.name in POLICY, f"{route.name} has no row in the policy table"
    got = outcome(_ask(_client(sessions, role), url_for(world, route, relationship)))
    assert got == expected(POLICY[route.name], role, relationship)


@pytest.mark.django_db
@pytest.mark.parametrize(("operation", "relationship", "role"), API_CASES)
def test_api(world: World, operation: Operation, relationship: str, role: str) -> None:
    assert operation.key in API_POLICY, f"{operation.key} has no row in the policy table"
    got = outcome(_api_ask(world, operation, relationship, role))
    assert got == expected(API_POLICY[operation.key], role, relationship)


def test_every_route_and_operation_has_a_row() -> None:
    assert differences(POLICY, [r.name for r in ROUTES], {}) == []
    assert differences(API_POLICY, [o.key for o in OPERATIONS], {}) == []


def test_anonymous_visitors_get_only_the_public_pages() -> None:
    """The table itself: a page open to anonymous visitors is one of the
    deliberately public ones, and no API operation is open to them."""
    public = {name for name, rule in POLICY.items() if ANONYMOUS in rule.get("none", ())}
    public |= {name for name, rule in POLICY.items() if ANONYMOUS in rule.get("own", ())}
    assert public <= PUBLIC_PAGES, sorted(public - PUBLIC_PAGES)
    assert not any(ANONYMOUS in roles for rule in API_POLICY.values() for roles in rule.values())


@pytest.mark.django_db
def test_the_live_schema_lists_the_operations_walked(world: World) -> None:
    response = Client().get("/api/v1/schema/")
    assert response.status_code == 200
    served = {
        f"{method.upper()} {p}"
        for p, item in response.json()["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert served == {o.key for o in OPERATIONS}


# --- The walk can fail ---------------------------------------------------------------


def _unprotected(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Everything, for anyone.")


@pytest.fixture
def leaky_urlconf(settings) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The project's URL conf plus one view that checks nobody."""
    module = types.ModuleType("tests.security.leaky_urls")
    module.urlpatterns = [  # type: ignore[attr-defined]
        path("leak/", _unprotected, name="leak"),
        path("", include(settings.ROOT_URLCONF)),
    ]
    import sys

    sys.modules[module.__name__] = module
    settings.ROOT_URLCONF = module.__name__
    clear_url_caches()
    yield module.__name__
    del sys.modules[module.__name__]
    clear_url_caches()


@pytest.mark.django_db
def test_a_new_unprotected_view_is_reported(leaky_urlconf: str) -> None:
    names = [r.name for r in url_routes(leaky_urlconf)]
    assert "leak" in names
    assert differences(POLICY, names, {}) == ["leak: not in the policy table"]

    # Given a row (staff only), the walk catches the anonymous visitor getting in.
    table = {**POLICY, "leak": {"none": frozenset({"officer"})}}
    seen = {("leak", ANONYMOUS, "none"): outcome(Client().get("/leak/"))}
    assert seen[("leak", ANONYMOUS, "none")] == ALLOWED
    assert differences(table, names, seen) == [
        "leak as anonymous (none): allowed, table says refused"
    ]


def test_a_role_refused_where_the_table_allows_is_reported() -> None:
    table = {"cases:case": {"own": frozenset({"officer"})}}
    seen = {("cases:case", "officer", "own"): REFUSED}
    assert differences(table, ["cases:case"], seen) == [
        "cases:case as officer (own): refused, table says allowed"
    ]
