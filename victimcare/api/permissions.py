"""Scopes: what a token may do, checked on every API request (issue 10, item 2).

Every API view says which scope each of its HTTP methods needs:

    class EventCreateApi(BaseApi):
        required_scopes = {"POST": "events:write"}

A method may also need several scopes at once (a tuple: all are needed).
`HasScope` is in `REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"]`, after
`IsAuthenticated`, so it applies to every API view that does not replace
`permission_classes` (a view that does must list `HasScope` itself).

Deny by default: a method the view implements but `required_scopes` does not
name is refused (403) for every token, so a new endpoint cannot be reachable
by accident. A view open to anyone says so explicitly with
`required_scopes = PUBLIC` (the schema). A method the view does not implement
is left to DRF, which answers 405; OPTIONS (DRF's metadata about the view)
needs no scope. The scope is checked after authentication, so a bad token is
still a 401 and a token without the scope a 403 in the standardized format.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from .constants import SCOPES
from .models import ApiToken

if TYPE_CHECKING:
    # Not at run time: rest_framework.views imports this module through the settings.
    from rest_framework.views import APIView


class _Public:
    """The marker of a view that needs no scope (see module docstring)."""

    def __repr__(self) -> str:
        return "PUBLIC"


PUBLIC: Final = _Public()

# ruff: noqa: S105  (names containing TOKEN are messages, not secrets)
SCOPE_MISSING = (
    "This API token does not have the scope {scope}, which this request needs. "
    "Ask an administrator for a token with it."
)
SCOPES_MISSING = (
    "This API token does not have the scopes {scopes}, which this request needs. "
    "Ask an administrator for a token with them."
)
NOT_FOR_TOKENS = "This request cannot be made with an API token."
SCOPE_DENIED_CODE = "permission_denied"

ScopeRule = str | tuple[str, ...]
ScopeMap = Mapping[str, ScopeRule]


def scopes_needed(view: Any, method: str) -> tuple[str, ...] | None:
    """The scopes `view` needs for `method` (all of them); () when it needs
    none (PUBLIC, OPTIONS); None when the view does not say (refused)."""
    declared = getattr(view, "required_scopes", None)
    if declared is PUBLIC or method == "OPTIONS":
        return ()
    if not isinstance(declared, Mapping):
        return None
    rule = declared.get(method)
    if rule is None and method == "HEAD":
        rule = declared.get("GET")
    if rule is None:
        return None
    needed = (rule,) if isinstance(rule, str) else tuple(rule)
    unknown = [scope for scope in needed if scope not in SCOPES]
    if unknown:
        # A typo in a view must not silently make it unreachable or open.
        raise ValueError(f"{type(view).__name__} requires unknown scopes {unknown}.")
    return needed


def token_scopes(token: ApiToken) -> frozenset[str]:
    """The scopes `token` holds (unknown names, e.g. from an older release, are ignored)."""
    return frozenset(scope for scope in token.scopes or () if scope in SCOPES)


class HasScope(BasePermission):
    """Allows a request when its token holds every scope the view requires for
    the method (see the module docstring). Refusals are 403 naming the scope."""

    message = NOT_FOR_TOKENS
    code = SCOPE_DENIED_CODE

    def has_permission(self, request: Request, view: APIView) -> bool:
        method = request.method or ""
        if getattr(view, method.lower(), None) is None and method not in ("HEAD", "OPTIONS"):
            return True  # not implemented: DRF answers 405
        needed = scopes_needed(view, method)
        if needed == ():
            return True
        if needed is None or not isinstance(request.auth, ApiToken):
            self.message = NOT_FOR_TOKENS
            return False
        missing = [scope for scope in needed if scope not in token_scopes(request.auth)]
        if not missing:
            return True
        if len(missing) == 1:
            self.message = SCOPE_MISSING.format(scope=missing[0])
        else:
            self.message = SCOPES_MISSING.format(scopes=" and ".join(missing))
        return False
