"""Writes of the desk console: recording an identity check.

No model of its own: the check is an audit entry (who checked, how, the
outcome, with the person as subject) and, when it passed, a short-lived mark
in the agent's server-side session so that reloading the case view does not
ask again. The values the caller gave are never stored.
"""

from __future__ import annotations

import time

from django.db import transaction
from django.http import HttpRequest

from victimcare.accounts.models import User
from victimcare.cases.models import CrimeVictim
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction

IDENTITY_SESSION_KEY = "desk.identity"
IDENTITY_SECONDS = 30 * 60
KEPT_CHECKS = 50


@transaction.atomic
def identity_check_record(
    *,
    user: User,
    link: CrimeVictim,
    method: str,
    passed: bool,
    caller_id: int | None,
    purpose: str,
    request: HttpRequest,
) -> None:
    """Record that `user` checked a caller's identity for the person on `link`.

    For desk staff who may view the crime (the view checks). Writes one CREATE
    audit entry (object "desk.identity_check") holding only the method, the
    outcome and, for a contact calling on the victim's behalf, that contact's
    id. A pass is remembered in the session for IDENTITY_SECONDS; a failure
    forgets any earlier pass for the person."""
    detail: dict[str, object] = {
        "method": method,
        "outcome": "passed" if passed else "failed",
        "crime_id": link.crime_id,
    }
    if caller_id is not None:
        detail["caller_id"] = caller_id
    audit_record(
        action=AuditAction.CREATE,
        request=request,
        actor=user,
        object_type="desk.identity_check",
        object_id=link.crime_id,
        subject_type="cases.victim",
        subject_id=link.victim_id,
        purpose=purpose,
        detail=detail,
    )
    checks = dict(request.session.get(IDENTITY_SESSION_KEY, {}))
    checks.pop(str(link.victim_id), None)
    if passed:
        checks[str(link.victim_id)] = time.time()
    request.session[IDENTITY_SESSION_KEY] = dict(list(checks.items())[-KEPT_CHECKS:])


def identity_passed(*, request: HttpRequest, victim_id: int) -> bool:
    """Whether an identity check for the person passed in this session, recently."""
    at = request.session.get(IDENTITY_SESSION_KEY, {}).get(str(victim_id))
    return at is not None and time.time() - float(at) <= IDENTITY_SECONDS
