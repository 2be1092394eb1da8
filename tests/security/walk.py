"""The machinery of the access-control walk: what exists, how to ask, how to judge.

- `url_routes()` lists every named URL pattern of the project's URL conf
  (recursively, every namespace), with the Django admin folded into one entry
  and the partner API's operations left to `api_operations()`, which reads
  them from the OpenAPI schema the API publishes.
- `url_kwargs()` / `api_path()` fill a route's parameters with real ids from
  the walk's world, for the object on the `own` or the `other` side.
- `outcome()` says whether a response let the caller in.
- `differences()` compares what was seen with the policy table (deny by
  default: a route or operation without a row is a difference).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from django.http import HttpResponse
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from .policy import ADMIN_ENTRY, API_NAMESPACE, NONE, OTHER, OWN, Rule
from .world import World

ALLOWED = "allowed"
REFUSED = "refused"

# Statuses that mean the request got past the access check: a page or a
# redirect onwards, or the view's own complaint about the (empty) input.
_VALIDATION = frozenset({400, 409, 412, 415, 422, 428})
_REFUSED = frozenset({401, 403, 404})


@dataclass(frozen=True)
class Route:
    """A named URL pattern: `name` is namespaced (`cases:case`)."""

    name: str
    pattern: str
    params: tuple[str, ...]


@dataclass(frozen=True, order=True)
class Operation:
    """One partner API operation: `GET /api/v1/crimes/{crn}/`."""

    method: str
    path: str

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def params(self) -> tuple[str, ...]:
        return tuple(part[1:-1] for part in self.path.split("/") if part.startswith("{"))


def _walk(resolver: URLResolver, prefix: str, namespace: str) -> Iterable[Route]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = entry.name or f"<unnamed {prefix}{entry.pattern}>"
            full = f"{namespace}:{name}" if namespace else name
            yield Route(full, prefix + str(entry.pattern), tuple(entry.pattern.regex.groupindex))


def url_routes(urlconf: str | None = None) -> list[Route]:
    """Every route of the URL conf but the partner API's, sorted by name; the
    admin site's routes are one entry, ADMIN_ENTRY (its index page)."""
    routes: dict[str, Route] = {}
    for route in _walk(get_resolver(urlconf), "", ""):
        if route.name.startswith("admin:"):
            routes[ADMIN_ENTRY] = Route(ADMIN_ENTRY, "admin/", ())
        elif not route.name.startswith(f"{API_NAMESPACE}:") or route.name in _API_PAGES:
            routes[route.name] = route
    return sorted(routes.values(), key=lambda r: r.name)


# The API URL conf's routes that are pages, not operations in its schema.
_API_PAGES = frozenset({"api:schema", "api:docs", "api:not-found"})


def api_operations() -> list[Operation]:
    """The operations the API's OpenAPI schema documents (as /api/v1/schema/ serves it)."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return sorted(
        Operation(method.upper(), path)
        for path, item in schema["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    )


def relationships(params: Iterable[str]) -> tuple[str, ...]:
    """An object route is walked for the own and the other side's object."""
    return (OWN, OTHER) if tuple(params) else (NONE,)


# Which object each URL parameter names, by route where the name is shared.
_BY_ROUTE: dict[str, dict[str, str]] = {
    "desk:escalation": {"task_id": "escalation_task"},
    "messaging:task-done": {"task_id": "task"},
    "referrals:problem": {"task_id": "problem_task"},
    "referrals:problem-correct": {"task_id": "problem_task"},
    "insights:target-edit": {"pk": "target"},
    "insights:import-detail": {"pk": "survey_import"},
    "insights:import-status": {"pk": "survey_import"},
    "insights:publication-download": {"pk": "publication"},
    "insights:publication-report": {"pk": "publication"},
    "integrations:webhook-detail": {"pk": "webhook"},
    "integrations:webhook-disable": {"pk": "webhook"},
    "integrations:webhook-enable": {"pk": "webhook"},
    "integrations:webhook-replay": {"pk": "webhook"},
    "integrations:feed-detail": {"pk": "feed"},
    "integrations:feed-edit": {"pk": "feed"},
    "integrations:upload-detail": {"pk": "upload"},
    "integrations:upload-status": {"pk": "upload"},
    "integrations:token-detail": {"pk": "token"},
    "integrations:token-rotate": {"pk": "token"},
    "integrations:token-revoke": {"pk": "token"},
    "feedback:respond": {"token": "feedback_token"},
    "portal:track": {"token": "track_token"},
    "portal:track-code": {"token": "track_token"},
    "forum:withdraw": {"token": "withdraw_token"},
    "cases:victim-add-check": {"token": "victim_add_token"},
    "cases:victim-add-step": {"token": "victim_add_token", "step": "victim_add_step"},
    "cases:intake-step": {"step": "intake_step"},
    "portal:track-send": {},
}
_BY_PARAM: dict[str, str] = {
    "crime_id": "crime",
    "victim_id": "victim",
    "draft_id": "draft",
    "duty_id": "duty",
    "notification_id": "notification",
    "call_back_id": "call_back",
    "escalation_id": "escalation",
    "force_id": "force",
    "event_id": "event",
    "code": "card_code",
    "officer_id": "officer",
    "review_id": "review",
    "complaint_id": "complaint",
    "volunteer_id": "volunteer",
    "referral_id": "referral",
    "service_id": "service",
    "delivery_id": "delivery",
    "crn": "crn",
}


def object_for(world: World, relationship: str, kind: str) -> Any:
    side = world.side(relationship)
    fixed = {
        "crime": side.crime,
        "victim": side.victim,
        "force": side.force,
        "officer": side.recorder,
        "card_code": side.objects["card"].code,
        "escalation_task": side.objects["escalation"].task,
    }
    if kind in fixed:
        return fixed[kind]
    return side.objects[kind]


def _value(obj: Any) -> Any:
    return getattr(obj, "pk", obj)


def url_kwargs(world: World, route: Route, relationship: str) -> dict[str, Any]:
    """Real values for the route's parameters, for the object on that side."""
    names = _BY_ROUTE.get(route.name, {})
    return {
        param: _value(object_for(world, relationship, names.get(param) or _BY_PARAM[param]))
        for param in route.params
    }


def url_for(world: World, route: Route, relationship: str) -> str:
    if route.name == ADMIN_ENTRY:
        return reverse("admin:index")
    return reverse(route.name, kwargs=url_kwargs(world, route, relationship))


_API_BY_PARAM: dict[str, dict[str, str]] = {
    "/api/v1/webhooks/": {"id": "webhook", "pk": "webhook"},
    "/api/v1/bulk-uploads/": {"id": "upload", "pk": "upload"},
    "/api/v1/referrals/": {"id": "referral", "pk": "referral"},
}


def api_path(world: World, operation: Operation, relationship: str) -> str:
    """The operation's path with its parameters filled for that side's object."""
    path = operation.path
    for param in operation.params:
        kind = _BY_PARAM.get(param)
        for prefix, names in _API_BY_PARAM.items():
            if path.startswith(prefix) and param in names:
                kind = names[param]
        if kind is None:
            raise LookupError(f"No object for {{{param}}} in {operation.key}")
        value = str(_value(object_for(world, relationship, kind)))
        path = path.replace(f"{{{param}}}", quote(value, safe=""))
    return path


_SIGN_IN_PATHS = ("/sign-in/", "/admin/login/")


def outcome(response: HttpResponse) -> str:
    """ALLOWED, REFUSED, or `status <n>` for anything that is neither (a 500,
    a 405 to every method tried…), which the walk reports as a failure."""
    status = response.status_code
    if status in _REFUSED:
        return REFUSED
    if 300 <= status < 400:
        target = urlsplit(response.get("Location", "")).path
        return REFUSED if target.startswith(_SIGN_IN_PATHS) else ALLOWED
    if 200 <= status < 300 or status in _VALIDATION:
        return ALLOWED
    return f"status {status}"


def expected(rule: Rule, role: str, relationship: str) -> str:
    return ALLOWED if role in rule.get(relationship, frozenset()) else REFUSED


def differences(
    table: Mapping[str, Rule],
    existing: Iterable[str],
    seen: Mapping[tuple[str, str, str], str],
) -> list[str]:
    """Everything wrong, in plain words: an existing route or operation with no
    row (deny by default), a row for something that no longer exists, and each
    (route, role, relationship) whose outcome is not the table's. `seen` maps
    (route, role, relationship) to the outcome observed."""
    problems = []
    existing = set(existing)
    for name in sorted(existing - set(table)):
        problems.append(f"{name}: not in the policy table")
    for name in sorted(set(table) - existing):
        problems.append(f"{name}: in the policy table but not in the URL conf")
    for (name, role, relationship), got in sorted(seen.items()):
        if name not in table:
            continue
        want = expected(table[name], role, relationship)
        if got != want:
            problems.append(f"{name} as {role} ({relationship}): {got}, table says {want}")
    return problems
